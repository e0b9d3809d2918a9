package dev.linksafe.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * Builds a small tree with every kind of link linksafe handles, inside {@code base}:
 * {@code base/tree} is the tree and {@code base/outside} holds what its outer links and partial
 * group point at.
 *
 * <pre>
 * tree/docs/report.txt        group of 3 with tree/docs/report-link.txt, tree/archive/report.txt
 * tree/photos/a.jpg           group of 2 with tree/photos/a-copy.jpg
 * tree/shared.bin             partial group: its other name is outside/shared.bin
 * tree/latest -> docs/report.txt            relative inner symlink
 * tree/photos-abs -> BASE/tree/photos       absolute inner symlink (to a directory)
 * tree/etc-link -> BASE/outside/config      outer symlink
 * tree/broken -> missing.txt                dangling symlink
 * tree/loop-a -> loop-b, tree/loop-b -> loop-a   a loop
 * tree/empty/                 empty directory
 * tree/empty.txt              empty file
 * </pre>
 */
public final class SampleTree {
  private SampleTree() {}

  /** Builds the sample under {@code base} and returns the tree's root. */
  public static Path create(Path base) throws IOException {
    Path tree = Files.createDirectories(base.resolve("tree"));
    Path outside = Files.createDirectories(base.resolve("outside"));
    Path docs = Files.createDirectories(tree.resolve("docs"));
    Path archive = Files.createDirectories(tree.resolve("archive"));
    Path photos = Files.createDirectories(tree.resolve("photos"));
    Files.createDirectories(tree.resolve("empty"));

    Path report = write(docs.resolve("report.txt"), "quarterly report\n".repeat(200));
    Files.createLink(docs.resolve("report-link.txt"), report);
    Files.createLink(archive.resolve("report.txt"), report);
    Path photo = write(photos.resolve("a.jpg"), "not really a jpeg ".repeat(4000));
    Files.createLink(photos.resolve("a-copy.jpg"), photo);
    Path shared = write(outside.resolve("shared.bin"), "shared with a name outside the tree\n");
    Files.createLink(tree.resolve("shared.bin"), shared);
    write(outside.resolve("config"), "outer target\n");
    write(tree.resolve("empty.txt"), "");

    Files.createSymbolicLink(tree.resolve("latest"), Path.of("docs/report.txt"));
    Files.createSymbolicLink(tree.resolve("photos-abs"), photos.toAbsolutePath());
    Files.createSymbolicLink(tree.resolve("etc-link"), outside.resolve("config").toAbsolutePath());
    Files.createSymbolicLink(tree.resolve("broken"), Path.of("missing.txt"));
    Files.createSymbolicLink(tree.resolve("loop-a"), Path.of("loop-b"));
    Files.createSymbolicLink(tree.resolve("loop-b"), Path.of("loop-a"));

    // a fixed, sub-second time so that a copy that drops nanoseconds shows
    FileTime time = FileTime.from(Instant.parse("2024-02-29T12:34:56.123456789Z"));
    Files.setLastModifiedTime(report, time);
    return tree;
  }

  private static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text, StandardCharsets.UTF_8);
  }
}
