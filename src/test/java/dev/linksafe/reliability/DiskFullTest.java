package dev.linksafe.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.testing.Cli;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The destination is a small tmpfs that fills up during a copy, a mirror and a snapshot. Each
 * run stops with a clear message and exit code 3, leaves no partial file under a final name, keeps
 * the index and earlier snapshots as they were, and a rerun after the volume grows finishes.
 */
class DiskFullTest {
  @TempDir Path base;
  private final List<Path> mounts = new ArrayList<>();

  static Cli.Result run(String... args) {
    return Cli.run(args);
  }

  @AfterEach
  void unmount() {
    mounts.forEach(Privileged::unmount);
  }

  private Path volume(String name, int megabytes) throws Exception {
    Path dir = Privileged.mountTmpfs(base.resolve(name), megabytes);
    mounts.add(dir);
    return dir;
  }

  private static void grow(Path volume, int megabytes) throws Exception {
    Privileged.run("mount", "-o", "remount,size=" + megabytes + "m", volume.toString());
  }

  /** Files of 200 KiB in ten directories, with hard-link groups and symlinks. */
  private static Path makeSource(Path src, int files, long seed) throws IOException {
    Random random = new Random(seed);
    byte[] bytes = new byte[200 * 1024];
    for (int i = 0; i < files; i++) {
      Path dir = Files.createDirectories(src.resolve("d" + (i % 10)));
      random.nextBytes(bytes);
      Files.write(dir.resolve("f" + i), bytes);
      if (i % 7 == 0) {
        Files.createLink(dir.resolve("f" + i + ".link"), dir.resolve("f" + i));
      }
      if (i % 11 == 0) {
        Files.createSymbolicLink(dir.resolve("s" + i), Path.of("f" + i));
      }
    }
    return src;
  }

  /** Every regular file standing under a final name has its source's bytes: none is partial. */
  private static void assertNoPartialFile(Path src, Path dst) throws IOException {
    try (Stream<Path> files = Files.walk(dst)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Path original = src.resolve(dst.relativize(f).toString());
        assertTrue(Files.exists(original), "unexpected name " + f);
        assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(f), "partial: " + f);
      }
    }
    assertEquals(List.of(), Trees.temporaryFiles(dst), "no temporary file left behind");
  }

  @Test
  void copyStopsWhenFullAndARerunFinishes() throws Exception {
    Path src = makeSource(base.resolve("src"), 60, 1);
    Path volume = volume("vol", 4);
    Path dst = volume.resolve("copy");
    Cli.Result full = run("copy", src.toString(), dst.toString());
    assertEquals(3, full.code(), full.out() + full.err());
    assertTrue(full.err().contains("destination is full") && full.err().contains("run again"), full.err());
    assertNoPartialFile(src, dst);

    grow(volume, 64);
    Cli.Result again = run("copy", src.toString(), dst.toString());
    assertEquals(0, again.code(), again.out() + again.err());
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);
  }

  @Test
  void mirrorStopsWhenFullKeepsItsIndexAndDeletesNothing() throws Exception {
    Path src = makeSource(base.resolve("src"), 30, 2);
    Path volume = volume("vol", 16);
    Path dst = volume.resolve("mirror");
    Path indexes = base.resolve("index");
    Cli.Result first = run("mirror", "--delete", "--index-dir", indexes.toString(), src.toString(), dst.toString());
    assertEquals(0, first.code(), first.err());
    List<byte[]> indexBefore = contentsOf(indexes);

    // a removed file (to delete) and 60 new ones (12 MB) that do not fit in what is left
    Files.delete(src.resolve("d3/f3"));
    makeSource(src.resolve("more"), 60, 3);
    Cli.Result full = run("mirror", "--delete", "--index-dir", indexes.toString(), src.toString(), dst.toString());
    assertEquals(3, full.code(), full.out() + full.err());
    assertTrue(full.err().contains("destination is full"), full.err());
    assertTrue(Files.exists(dst.resolve("d3/f3")), "a stopped run deletes nothing");
    assertEquals(indexBefore.size(), contentsOf(indexes).size());
    for (int i = 0; i < indexBefore.size(); i++) {
      assertArrayEquals(indexBefore.get(i), contentsOf(indexes).get(i), "index left as it was");
    }
    Files.delete(dst.resolve("d3/f3")); // only so that the partial-file check sees source names
    assertNoPartialFile(src, dst);

    grow(volume, 64);
    Cli.Result again = run("mirror", "--delete", "--index-dir", indexes.toString(), src.toString(), dst.toString());
    assertEquals(0, again.code(), again.out() + again.err());
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);
  }

  /** The index files' bytes; the marker of an unfinished run is not part of the index. */
  private static List<byte[]> contentsOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      List<byte[]> result = new ArrayList<>();
      for (Path p : s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().endsWith(".running")).sorted().toList()) {
        result.add(Files.readAllBytes(p));
      }
      return result;
    }
  }

  @Test
  void snapshotStopsWhenFullKeepsEarlierOnesAndResumes() throws Exception {
    Path src = makeSource(base.resolve("src"), 30, 4);
    Path volume = volume("vol", 16);
    Path repo = volume.resolve("repo");
    Cli.Result first = run("snapshot", src.toString(), repo.toString());
    assertEquals(0, first.code(), first.err());
    Path kept = base.resolve("as-it-was");
    assertEquals(0, run("copy", src.toString(), kept.toString()).code());

    makeSource(src.resolve("more"), 60, 5); // 12 MB: more than is left
    Files.writeString(src.resolve("d1/f1"), "changed");
    Cli.Result full = run("snapshot", src.toString(), repo.toString());
    assertEquals(3, full.code(), full.out() + full.err());
    assertTrue(full.err().contains("destination is full"), full.err());
    Cli.Result listed = run("snapshots", repo.toString());
    assertEquals(0, listed.code(), listed.err());
    assertEquals(1, new dev.linksafe.snapshot.SnapshotRepository(repo).list().size(),
        "the stopped snapshot is not listed: " + listed.out());
    Path firstSnapshot = repo.resolve(new dev.linksafe.snapshot.SnapshotRepository(repo).list().get(0).name());
    Trees.assertIdentical(kept, firstSnapshot);
    Trees.assertSamePartition(kept, firstSnapshot);

    grow(volume, 64);
    Cli.Result again = run("snapshot", src.toString(), repo.toString());
    assertEquals(0, again.code(), again.out() + again.err());
    List<dev.linksafe.snapshot.SnapshotInfo> all = new dev.linksafe.snapshot.SnapshotRepository(repo).list();
    assertEquals(2, all.size());
    Trees.assertIdentical(src, repo.resolve(all.get(1).name()));
    Trees.assertSamePartition(src, repo.resolve(all.get(1).name()));
    Trees.assertIdentical(kept, firstSnapshot);
  }

  @Test
  void extractStopsWhenFullAndExtractingAgainFinishes() throws Exception {
    Path src = makeSource(base.resolve("src"), 40, 6);
    Path archive = base.resolve("tree.tar");
    assertEquals(0, run("archive", src.toString(), archive.toString()).code());
    Path volume = volume("vol", 4);
    Path dst = volume.resolve("out");
    Cli.Result full = run("extract", archive.toString(), dst.toString());
    assertEquals(3, full.code(), full.out() + full.err());
    assertTrue(full.err().contains("destination is full"), full.err());
    assertNoPartialFile(src, dst);

    grow(volume, 64);
    Cli.Result again = run("extract", archive.toString(), dst.toString());
    assertEquals(0, again.code(), again.out() + again.err());
    var verified = new dev.linksafe.verify.TreeComparator(true, 0).compare(src, dst);
    assertTrue(verified.identical(), verified.toString());
    Trees.assertSamePartition(src, dst);
  }

  /**
   * An archive that cannot be written says why (not a later symptom of the broken stream), and
   * the archive it would have replaced stays whole.
   */
  @Test
  void archiveStopsWhenFullSaysSoAndKeepsThePreviousArchive() throws Exception {
    Path src = makeSource(base.resolve("src"), 40, 7);
    Path volume = volume("vol", 4);
    Path archive = volume.resolve("tree.tar");
    Files.writeString(archive, "the previous archive");
    Cli.Result full = run("archive", src.toString(), archive.toString());
    assertEquals(3, full.code(), full.out() + full.err());
    assertTrue(full.err().contains("cannot write the archive") && full.err().contains("No space left"), full.err());
    assertEquals("the previous archive", Files.readString(archive));
    try (Stream<Path> left = Files.list(volume)) {
      assertEquals(List.of(archive), left.toList(), "no temporary archive left");
    }

    grow(volume, 64);
    Cli.Result again = run("archive", src.toString(), archive.toString());
    assertEquals(0, again.code(), again.out() + again.err());
    Path out = base.resolve("out");
    assertEquals(0, run("extract", archive.toString(), out.toString()).code());
    Trees.assertSamePartition(src, out);
  }
}
