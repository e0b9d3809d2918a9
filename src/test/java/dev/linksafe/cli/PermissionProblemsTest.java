package dev.linksafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.testing.Privileged;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unreadable source entries and unwritable destination places are reported, skipped, and the
 * rest copied with exit code 1. Root reads and writes everything, so as root the CLI runs as
 * user nobody (through setpriv).
 */
class PermissionProblemsTest {
  @TempDir Path base;

  @Test
  void unreadableFileAndDirectoryAreReportedAndTheRestCopied() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/closed"));
    Files.writeString(src.resolve("inside"), "x");
    Files.writeString(base.resolve("src/readable"), "fine");
    Files.writeString(base.resolve("src/secret"), "no");
    Files.setPosixFilePermissions(base.resolve("src/secret"), PosixFilePermissions.fromString("---------"));
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("---------"));
    Path dst = base.resolve("dst");
    Process p = new ProcessBuilder(commandAsNobody("copy", base.resolve("src").toString(), dst.toString()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("secret"), out);
    assertTrue(out.contains("closed"), out);
    assertEquals("fine", Files.readString(dst.resolve("readable")));
    assertFalse(Files.exists(dst.resolve("secret")));
  }

  /**
   * An archive of a hard-link group whose first name cannot be read: the group's next name
   * takes its place where it can be read, and no hard-link entry names a file the archive
   * lacks (GNU tar could not extract such an archive).
   */
  @Test
  void aHardLinkGroupWhoseFirstNameCannotBeReadIsNotLeftDangling() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("a-secret"), "no");
    Files.createLink(src.resolve("b-secret"), src.resolve("a-secret"));
    Files.setPosixFilePermissions(src.resolve("a-secret"), PosixFilePermissions.fromString("---------"));
    Files.writeString(src.resolve("c-kept"), "yes");
    Files.createLink(src.resolve("d-kept"), src.resolve("c-kept"));
    Files.createLink(src.resolve("e-kept"), src.resolve("c-kept"));
    Path archive = base.resolve("t.tar");
    Process p = new ProcessBuilder(commandAsNobody("archive", src.toString(), archive.toString()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("a-secret") && out.contains("b-secret"), out);
    String listing = Privileged.run("tar", "-tvf", archive.toString());
    assertFalse(listing.contains("secret"), listing);
    Path x = Files.createDirectories(base.resolve("x"));
    Privileged.run("tar", "-C", x.toString(), "-xf", archive.toString());
    assertEquals("yes", Files.readString(x.resolve("e-kept")));
  }

  /**
   * A read-only source directory is copied read-only; --delete must still remove from it the
   * names its source lost, as its owner (not root) can, opening it for the deletion as the copy
   * opens it for a new name, and leave it read-only again.
   */
  @Test
  void namesAreDeletedFromADirectoryCopiedReadOnly() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/ro"));
    Files.writeString(src.resolve("f"), "1");
    Files.writeString(src.resolve("g"), "2");
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("r-xr-xr-x"));
    Path dst = base.resolve("dst");
    for (int run = 0; run < 2; run++) {
      if (run == 1) {
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.delete(src.resolve("f"));
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("r-xr-xr-x"));
      }
      Process p = new ProcessBuilder(commandAsNobody("mirror", "--no-index", "--delete", base.resolve("src").toString(),
          dst.toString())).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(60, TimeUnit.SECONDS);
      assertEquals(0, p.exitValue(), out);
    }
    assertFalse(Files.exists(dst.resolve("ro/f")));
    assertEquals("2", Files.readString(dst.resolve("ro/g")));
    assertEquals(PosixFilePermissions.fromString("r-xr-xr-x"), Files.getPosixFilePermissions(dst.resolve("ro")));
  }

  @Test
  void unwritableDestinationPlacesAreReportedAndTheRestCopied() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    for (String dir : List.of("locked", "open")) {
      Files.createDirectories(src.resolve(dir));
      Files.writeString(src.resolve(dir + "/one"), "1");
      Files.writeString(src.resolve(dir + "/two"), "2");
    }
    Files.createLink(src.resolve("open/one-again"), src.resolve("open/one"));
    Path dst = Files.createDirectories(base.resolve("dst"));
    Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rwxrwxrwx"));
    // a place in DST the copying user may not write: created by another user, read-only
    Files.createDirectories(dst.resolve("locked"));
    Files.setPosixFilePermissions(dst.resolve("locked"), PosixFilePermissions.fromString("r-xr-xr-x"));
    Process p = new ProcessBuilder(commandAsNobody("copy", src.toString(), dst.toString()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(60, TimeUnit.SECONDS);
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("locked/one") && out.contains("locked/two"), "each name reported: " + out);
    assertTrue(out.toLowerCase().contains("permission denied") || out.contains("EACCES")
        || out.contains("EPERM"), out);
    assertFalse(Files.exists(dst.resolve("locked/one")));
    assertEquals("1", Files.readString(dst.resolve("open/one")));
    assertEquals(Files.getAttribute(dst.resolve("open/one"), "unix:ino"),
        Files.getAttribute(dst.resolve("open/one-again"), "unix:ino"));
  }

  /** The CLI as user nobody when running as root (so permissions apply), else as this user. */
  private List<String> commandAsNobody(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    if (Privileged.isRoot()) {
      if (!Privileged.hasCommand("setpriv")) {
        Privileged.unavailable("setpriv is needed to drop root");
      }
      openUp(base);
      Path classpath = shareClasspath();
      command.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
      command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", classpath.toString() + "/*", "dev.linksafe.cli.Main"));
    } else {
      command.addAll(Privileged.javaCommand().subList(0, 4));
    }
    command.addAll(List.of(args));
    return command;
  }

  /** Lets user nobody reach the temporary folder and write the destination. */
  private static void openUp(Path base) throws IOException {
    for (Path p = base; p != null && p.getParent() != null; p = p.getParent()) {
      var perms = Files.getPosixFilePermissions(p);
      perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
      Files.setPosixFilePermissions(p, perms);
    }
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxrwxrwx"));
  }

  /**
   * Copies the class path where nobody can read it (the local Maven repository is root's), once
   * per test.
   */
  private Path shareClasspath() throws IOException {
    Path dir = base.resolve("cp");
    if (Files.isDirectory(dir)) {
      return dir;
    }
    Files.createDirectories(dir);
    int i = 0;
    for (String entry : System.getProperty("java.class.path").split(":")) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p)) {
        Path jar = dir.resolve("classes" + (i++) + ".jar");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar));
            var walk = Files.walk(p)) {
          for (Path f : (Iterable<Path>) walk::iterator) {
            if (Files.isRegularFile(f)) {
              zip.putNextEntry(new java.util.zip.ZipEntry(p.relativize(f).toString()));
              Files.copy(f, zip);
              zip.closeEntry();
            }
          }
        }
      } else if (entry.endsWith(".jar")) {
        Files.copy(p, dir.resolve(p.getFileName()));
      }
    }
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
      }
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }
}
