package dev.linksafe.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.model.Problem;
import dev.linksafe.testing.Trees;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source changes while a mirror runs: files grow, vanish, are replaced by symlinks, by other
 * files and by hard links to other files. The run completes and names what changed under it; a
 * copy torn by a write is never kept; the next run converges to the source as it then is.
 */
class SourceChangingTest {
  @TempDir Path base;

  /** Changes the source as fast as it can until stopped, counting what it did. */
  private static final class Mutator extends Thread {
    final Path src;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicInteger changes = new AtomicInteger();

    Mutator(Path src) {
      this.src = src;
      setDaemon(true);
    }

    @Override
    public void run() {
      Random random = new Random(17);
      byte[] more = new byte[64 * 1024];
      while (!stop.get()) {
        Path dir = src.resolve("d" + (random.nextInt(40))).resolve("sub" + random.nextInt(5));
        Path file = dir.resolve("f" + random.nextInt(60));
        try {
          if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          switch (random.nextInt(5)) {
            case 0 -> {
              try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND)) {
                out.write(more); // grows while it may be being read
              }
            }
            case 1 -> Files.delete(file);
            case 2 -> {
              Files.delete(file);
              Files.createSymbolicLink(file, Path.of("elsewhere"));
            }
            case 3 -> {
              Path fresh = dir.resolve(".fresh");
              Files.write(fresh, more);
              Files.move(fresh, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            default -> {
              Path other = dir.resolve("f" + random.nextInt(60));
              if (Files.isRegularFile(other, LinkOption.NOFOLLOW_LINKS) && !other.equals(file)) {
                Files.delete(file);
                Files.createLink(file, other);
              }
            }
          }
          changes.incrementAndGet();
          Thread.sleep(0, 200_000);
        } catch (IOException | InterruptedException e) {
          // raced with itself: go on
        }
      }
    }
  }

  @Test
  void aMirrorOfAChangingSourceCompletesReportsAndTheNextRunConverges() throws Exception {
    Path src = LinkHeavyTree.create(base.resolve("src"), 9);
    Path dst = base.resolve("dst");
    CopyOptions options = CopyOptions.defaults(false)
        .withMirror(new MirrorOptions(base.resolve("index"), true, false));
    // a log that grows all the time: its copy is always torn, so always reported
    Path log = src.resolve("growing.log");
    Files.write(log, new byte[32 << 20]);
    AtomicBoolean stopLog = new AtomicBoolean();
    Thread appender = new Thread(() -> {
      byte[] line = new byte[4096];
      while (!stopLog.get()) {
        try (OutputStream out = Files.newOutputStream(log, StandardOpenOption.APPEND)) {
          out.write(line);
          Thread.sleep(1);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    });
    appender.start();
    int reported = 0;
    boolean logReported = false;
    Mutator mutator = new Mutator(src);
    mutator.start();
    try {
      for (int run = 0; run < 3; run++) {
        CopyReport report = new CopyEngine(options).copy(src, dst);
        for (Problem p : report.problems()) {
          String m = p.message();
          assertTrue(m.contains("changed") || m.contains("vanished") || m.contains("replaced"),
              "a problem of a changing source says so: " + p);
        }
        reported += report.problems().size();
        logReported |= report.problems().stream().anyMatch(p -> p.path().equals("growing.log")
            && p.message().contains("changed while it was copied"));
      }
    } finally {
      mutator.stop.set(true);
      mutator.join();
      stopLog.set(true);
      appender.join();
    }
    assertTrue(logReported, "a file growing while it is copied is reported");
    assertTrue(mutator.changes.get() > 100, "the source changed during the runs: " + mutator.changes);
    assertTrue(reported > 0, "changes under the runs were reported");
    // a torn copy is never kept: what stands at DST is some whole version of the file
    CopyReport settled = new CopyEngine(options).copy(src, dst);
    assertEquals(List.of(), settled.problems());
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);
    assertEquals(List.of(), Trees.temporaryFiles(dst));
  }
}
