package dev.linksafe.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A small link-heavy tree for fault tests: 2,400 files in 40 directories, a third of them in
 * hard-link groups across directories, symlinks, sizes from a few bytes to 1 MiB.
 */
final class LinkHeavyTree {
  private LinkHeavyTree() {}

  static Path create(Path root, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] block = new byte[1 << 20];
    random.nextBytes(block);
    for (int d = 0; d < 40; d++) {
      Path dir = Files.createDirectories(root.resolve("d" + d).resolve("sub" + (d % 5)));
      for (int f = 0; f < 60; f++) {
        int size = f % 20 == 0 ? block.length : random.nextInt(4096);
        Path file = dir.resolve("f" + f);
        try (OutputStream out = Files.newOutputStream(file)) {
          out.write(block, random.nextInt(block.length - size + 1), size);
        }
        if (f % 3 == 0) {
          Path other = Files.createDirectories(root.resolve("d" + ((d + 1) % 40)));
          Files.createLink(other.resolve("link" + f), file);
        }
        if (f % 17 == 0) {
          Files.createSymbolicLink(dir.resolve("l" + f), Path.of("f" + f));
        }
      }
    }
    return root;
  }

  /** A few edits, deletions, new names in groups and a renamed directory. */
  static void change(Path root, Random random) throws IOException {
    for (int i = 0; i < 30; i++) {
      int d = random.nextInt(40);
      Path dir = root.resolve("d" + d).resolve("sub" + (d % 5));
      if (!Files.isDirectory(dir)) {
        continue;
      }
      Path file = dir.resolve("f" + random.nextInt(60));
      switch (random.nextInt(4)) {
        case 0 -> Files.writeString(file, "changed " + random.nextLong());
        case 1 -> Files.deleteIfExists(file);
        case 2 -> {
          if (Files.isRegularFile(file)) {
            Files.createLink(dir.resolve("extra" + random.nextInt(1_000_000)), file);
          }
        }
        default -> {
          byte[] bytes = new byte[random.nextInt(200_000)];
          random.nextBytes(bytes);
          Files.write(dir.resolve("new" + random.nextInt(1_000_000)), bytes);
        }
      }
    }
    Path from = root.resolve("d" + random.nextInt(40));
    Path to = root.resolve("moved" + random.nextInt(1_000_000));
    if (Files.isDirectory(from)) {
      Files.move(from, to);
    }
    try (Stream<Path> s = Files.list(root)) {
      if (s.count() < 20) {
        create(root.resolve("refill" + random.nextInt(1000)), random.nextLong());
      }
    }
  }
}
