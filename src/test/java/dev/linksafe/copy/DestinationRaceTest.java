package dev.linksafe.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a copy or mirror works, another process keeps swapping destination directories for
 * symlinks to a directory outside (and back). Nothing may be written, changed or deleted there.
 */
class DestinationRaceTest {
  private static final int DIRECTORIES = 24;
  @TempDir Path base;

  private static Path makeSource(Path src) throws IOException {
    for (int d = 0; d < DIRECTORIES; d++) {
      Path dir = Files.createDirectories(src.resolve(String.format("d%02d/sub", d)));
      for (int f = 0; f < 25; f++) {
        Files.writeString(dir.getParent().resolve("f" + f), "file " + d + "/" + f);
        Files.writeString(dir.resolve("g" + f), "deeper " + d + "/" + f);
      }
      Files.createLink(dir.resolve("link"), dir.getParent().resolve("f0"));
      Files.createSymbolicLink(dir.resolve("sym"), Path.of("../f1"));
    }
    return src;
  }

  /** Swaps DST/dNN for a symlink to {@code outside} and back, as fast as it can. */
  private static final class Attacker extends Thread {
    final Path dst;
    final Path outside;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicInteger swaps = new AtomicInteger();

    Attacker(Path dst, Path outside) {
      this.dst = dst;
      this.outside = outside;
      setDaemon(true);
    }

    @Override
    public void run() {
      Random random = new Random(7);
      while (!stop.get()) {
        Path dir = dst.resolve(String.format("d%02d", random.nextInt(DIRECTORIES)));
        Path target = random.nextBoolean() ? dir : dir.resolve("sub");
        Path aside = target.resolveSibling(target.getFileName() + ".aside");
        try {
          if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          Files.move(target, aside);
          try {
            Files.createSymbolicLink(target, outside);
            swaps.incrementAndGet();
            Thread.onSpinWait();
            Files.delete(target);
          } finally {
            Files.move(aside, target);
          }
        } catch (IOException e) {
          // the copy got there first: try another
        }
      }
    }
  }

  private static List<String> contents(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void copyAndMirrorNeverWriteThroughADirectorySwappedForALink() throws Exception {
    Path src = makeSource(base.resolve("src"));
    Path outside = Files.createDirectories(base.resolve("outside"));
    // names the mirror will want to delete stand outside too, under the same names
    for (int f = 0; f < 25; f++) {
      Files.writeString(outside.resolve("extra" + f), "outside");
      Files.writeString(outside.resolve("f" + f), "outside");
    }
    List<String> before = contents(outside);
    Path dst = base.resolve("dst");
    Files.createDirectories(dst);
    Attacker attacker = new Attacker(dst, outside);
    attacker.start();
    int runs = 0;
    try {
      for (int round = 0; round < 6; round++) {
        if (round % 2 == 1) {
          // leave names for --delete to remove
          for (int d = 0; d < DIRECTORIES; d++) {
            Path dir = dst.resolve(String.format("d%02d", d));
            for (int f = 0; f < 25 && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS); f++) {
              try {
                Files.writeString(dir.resolve("extra" + f), "to delete");
              } catch (IOException raced) {
                // swapped meanwhile
              }
            }
          }
        }
        CopyOptions options = CopyOptions.defaults(false).withNewFilesInPlace(round % 3 == 2);
        if (round % 2 == 1) {
          options = options.withMirror(new MirrorOptions(null, true, false));
        }
        try {
          new CopyEngine(options).copy(src, dst);
        } catch (IOException | RuntimeException e) {
          // a whole run may fail under attack; what matters is where it wrote
        }
        runs++;
      }
    } finally {
      attacker.stop.set(true);
      attacker.join();
    }
    assertTrue(attacker.swaps.get() > 50, "the race was run: " + attacker.swaps.get() + " swaps");
    assertEquals(before, contents(outside), "nothing written or deleted outside DST in " + runs + " runs");
    for (int f = 0; f < 25; f++) {
      assertEquals("outside", Files.readString(outside.resolve("f" + f)));
    }
    // with the attacker gone, one more run converges
    CopyReport last = new CopyEngine(CopyOptions.defaults(false).withMirror(new MirrorOptions(null, true, false)))
        .copy(src, dst);
    assertEquals(0, last.errors(), last.problems().toString());
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);
    assertEquals(new ArrayList<String>(), Trees.temporaryFiles(dst));
  }
}
