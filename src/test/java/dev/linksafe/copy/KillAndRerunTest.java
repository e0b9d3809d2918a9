package dev.linksafe.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** A copy killed (SIGKILL) at arbitrary points and run again ends with a correct destination. */
class KillAndRerunTest {
  @TempDir Path base;

  @ParameterizedTest(name = "new files written {0}")
  @ValueSource(strings = {"temp", "in-place"})
  void copyKilledAtRandomPointsThenRerunIsCorrect(String mode) throws Exception {
    Path src = makeTree(base.resolve("src"));
    Random random = new Random(42);
    int killPoints = 4;
    int interrupted = 0;
    for (int attempt = 0; attempt < killPoints; attempt++) {
      Path dst = base.resolve("dst" + attempt);
      Process p = new ProcessBuilder(Privileged.javaCommand("copy", "--threads", "4", "--new-files", mode,
          src.toString(), dst.toString()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      // wait for the copy to start (its destination appears), then kill it somewhere in its run
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!java.nio.file.Files.isDirectory(dst) && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      Thread.sleep(random.nextInt(500));
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      if (!java.nio.file.Files.isDirectory(dst)
          || !new dev.linksafe.verify.TreeComparator(false).compare(src, dst).identical()) {
        interrupted++;
      }
      Process again = new ProcessBuilder(Privileged.javaCommand("copy", "--new-files", mode, src.toString(), dst.toString()))
          .redirectErrorStream(true).start();
      String out = new String(again.getInputStream().readAllBytes());
      again.waitFor(120, TimeUnit.SECONDS);
      assertEquals(0, again.exitValue(), out);
      Trees.assertIdentical(src, dst);
      Trees.assertSamePartition(src, dst);
      assertEquals(List.of(), Trees.temporaryFiles(dst), "no temporary file left after the rerun");
    }
    // the kills must have landed during copies, or this test proves nothing
    org.junit.jupiter.api.Assertions.assertTrue(interrupted >= killPoints / 2,
        interrupted + " of " + killPoints + " kills interrupted a copy");
  }

  @org.junit.jupiter.api.Test
  void mirrorKilledAtRandomPointsKeepsAUsableIndexAndConverges() throws Exception {
    Path src = makeTree(base.resolve("src"));
    Path dst = base.resolve("dst");
    Path index = base.resolve("index");
    Random random = new Random(11);
    List<String> mirror = Privileged.javaCommand("mirror", "--delete", "--index-dir", index.toString(),
        src.toString(), dst.toString());
    int killPoints = 4;
    for (int attempt = 0; attempt < killPoints; attempt++) {
      // change the source a little each time, then kill the mirror somewhere in its run
      java.nio.file.Files.writeString(src.resolve("d" + attempt + "/sub" + attempt + "/f1"), "changed " + attempt);
      java.nio.file.Files.deleteIfExists(src.resolve("d" + (attempt + 10) + "/sub" + attempt + "/f2"));
      Process p = new ProcessBuilder(mirror).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      Thread.sleep(250 + random.nextInt(1200));
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      Process again = new ProcessBuilder(mirror).redirectErrorStream(true).start();
      String out = new String(again.getInputStream().readAllBytes());
      again.waitFor(120, TimeUnit.SECONDS);
      assertEquals(0, again.exitValue(), out);
      org.junit.jupiter.api.Assertions.assertFalse(out.contains("unreadable"),
          "a killed run must leave the index usable: " + out);
      Trees.assertIdentical(src, dst);
      Trees.assertSamePartition(src, dst);
      assertEquals(List.of(), Trees.temporaryFiles(dst));
    }
  }

  private static Path makeTree(Path root) throws IOException {
    Random random = new Random(7);
    byte[] block = new byte[1 << 20];
    random.nextBytes(block);
    for (int d = 0; d < 40; d++) {
      Path dir = Files.createDirectories(root.resolve("d" + d).resolve("sub" + (d % 5)));
      for (int f = 0; f < 60; f++) {
        int size = f % 20 == 0 ? block.length : random.nextInt(4096);
        Path file = dir.resolve("f" + f);
        try (var out = Files.newOutputStream(file)) {
          out.write(block, 0, size);
        }
        if (f % 3 == 0) {
          Files.createLink(root.resolve("d" + ((d + 1) % 40) + "-link" + f), file);
        }
        if (f % 17 == 0) {
          Files.createSymbolicLink(dir.resolve("l" + f), Path.of("f" + f));
        }
      }
    }
    return root;
  }
}
