package dev.linksafe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorIndexTest {
  @TempDir Path base;

  private static IndexRecord record(long n) {
    FileStatus s = new FileStatus(EntryKind.REGULAR_FILE, new FileId(1, n), n, n, n, n, 1, 0644, 0, 0, 0);
    return IndexRecord.of(s, null, null, 1_000L);
  }

  @Test
  void recordsReadBackAsWrittenAndDamagedOnesAreRefused() throws Exception {
    FileStatus s = new FileStatus(EntryKind.SYMLINK, new FileId(-2, Long.MAX_VALUE), 9, -5, 7, 11, 3, 0777, 0, 0, 0);
    for (String target : new String[] {null, "", "../caf\u00e9/\u65e5\u672c \ud83d\ude00\u0000x"}) {
      IndexRecord written = IndexRecord.of(s, target, target == null ? null : new FileId(4, 5), 123L);
      assertEquals(written, IndexRecord.decode(written.encode()));
    }
    byte[] whole = IndexRecord.of(s, "target", new FileId(4, 5), 123L).encode();
    for (int cut = 0; cut < whole.length; cut++) {
      byte[] part = java.util.Arrays.copyOf(whole, cut);
      org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> IndexRecord.decode(part));
    }
    whole[0] = 9;
    org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> IndexRecord.decode(whole));
  }

  /** The size the last of the 30 runs that updated record {@code i} gave it. */
  private static long expectedSize(int i) {
    for (int run = 30; run >= 1; run--) {
      if (i >= run && (i - run) % 7 == 0) {
        return i + run * 100_000L;
      }
    }
    return i;
  }

  /**
   * An index updated in place run after run is written anew once most of its file is old
   * versions, so that it does not grow without end; every record survives, and a crash-safe
   * rename puts it in place (no temporary file left).
   */
  @Test
  void anIndexUpdatedRunAfterRunStaysSmall() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path dst = Files.createDirectories(base.resolve("dst"));
    Path file = MirrorIndex.location(base.resolve("index"), src, dst);
    try (MirrorIndex first = MirrorIndex.open(file, src, dst, 1_000L, false)) {
      for (int i = 0; i < 20_000; i++) {
        first.put("dir" + (i % 100) + "/file" + i, record(i));
      }
      first.commit();
    }
    long fresh = Files.size(file);
    long largest = 0;
    for (int run = 1; run <= 30; run++) {
      try (MirrorIndex index = MirrorIndex.open(file, src, dst, 1_000L + run, false)) {
        assertTrue(index.isPreviousAvailable());
        for (int i = run; i < 20_000; i += 7) {
          index.put("dir" + (i % 100) + "/file" + i, record(i + run * 100_000L));
        }
        index.commit();
      }
      largest = Math.max(largest, Files.size(file));
    }
    assertTrue(largest < fresh * 4, "the file stays within a few times its live size: " + largest + " vs " + fresh);
    try (MirrorIndex index = MirrorIndex.open(file, src, dst, 2_000L, true)) {
      for (int i = 0; i < 20_000; i += 13) {
        assertEquals(expectedSize(i), index.get("dir" + (i % 100) + "/file" + i).orElseThrow().size(),
            "record " + i + " as the last run that changed it left it");
      }
    }
    try (var left = Files.list(file.getParent())) {
      assertEquals(0, left.filter(p -> p.toString().endsWith(".tmp")).count());
    }
  }

  /** A run killed while it wrote a new index leaves it under a temporary name: the next run removes it. */
  @Test
  void aNewIndexLeftByAKilledRunIsRemovedByTheNext() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path dst = Files.createDirectories(base.resolve("dst"));
    Path file = MirrorIndex.location(base.resolve("index"), src, dst);
    Files.createDirectories(file.getParent());
    Path dead = file.resolveSibling(file.getFileName() + ".2147483646.tmp"); // no such process
    Path other = file.resolveSibling("another.index.2147483646.tmp");
    for (Path p : new Path[] {dead, other}) {
      Files.writeString(p, "partial");
    }
    try (MirrorIndex index = MirrorIndex.open(file, src, dst, 1_000L, false)) {
      index.put("a", record(1));
      index.commit();
    }
    assertTrue(Files.notExists(dead), "a dead run's index removed");
    assertTrue(Files.exists(other), "another pair's files left alone");
    assertTrue(Files.isRegularFile(file));
  }
}
