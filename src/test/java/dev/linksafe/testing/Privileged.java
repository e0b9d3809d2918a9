package dev.linksafe.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Tests that need root, mounts or FUSE run for real where those exist and are skipped elsewhere;
 * with {@code LINKSAFE_REQUIRE_PRIVILEGED=1} (as in CI) they fail instead of skipping.
 */
public final class Privileged {
  private Privileged() {}

  public static boolean required() {
    return "1".equals(System.getenv("LINKSAFE_REQUIRE_PRIVILEGED"));
  }

  public static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** Skips (or, when required, fails) the test with {@code why}. */
  public static void unavailable(String why) {
    if (required()) {
      fail("LINKSAFE_REQUIRE_PRIVILEGED=1 but " + why);
    }
    abort(why);
  }

  public static void requireRoot() {
    if (!isRoot()) {
      unavailable("this test needs root");
    }
  }

  /** Runs a command, returning its output; throws with the output when it fails. */
  public static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + String.join(" ", command));
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }

  /** Whether a command is on the PATH. */
  public static boolean hasCommand(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return true;
      }
    }
    return false;
  }

  /** Mounts a fresh tmpfs of {@code megabytes} at {@code dir}; unmount with {@link #unmount}. */
  public static Path mountTmpfs(Path dir, int megabytes) throws Exception {
    requireRoot();
    Files.createDirectories(dir);
    try {
      run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
    } catch (IOException e) {
      unavailable("cannot mount tmpfs: " + e.getMessage());
    }
    return dir;
  }

  /** Makes and loop-mounts an ext4 image of {@code megabytes} at {@code dir}. */
  public static Path mountExt4(Path image, Path dir, int megabytes) throws Exception {
    requireRoot();
    if (!hasCommand("mkfs.ext4")) {
      unavailable("mkfs.ext4 is not installed (apt-get install e2fsprogs)");
    }
    Files.createDirectories(dir);
    try {
      run("truncate", "-s", megabytes + "M", image.toString());
      run("mkfs.ext4", "-q", "-F", image.toString());
      run("mount", "-o", "loop", image.toString(), dir.toString());
    } catch (IOException e) {
      unavailable("cannot loop-mount ext4: " + e.getMessage());
    }
    return dir;
  }

  public static void unmount(Path dir) {
    try {
      run("umount", "-l", dir.toString());
    } catch (Exception e) {
      // best effort in cleanup; a leftover mount shows in the next run's failure
    }
  }

  /** The test class path, for running the CLI in a child process. */
  public static List<String> javaCommand(String... args) {
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    c.add("-cp");
    c.add(System.getProperty("java.class.path"));
    c.add("dev.linksafe.cli.Main");
    c.addAll(List.of(args));
    return c;
  }
}
