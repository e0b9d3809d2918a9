package dev.linksafe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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

  /** The record of file object {@code n} at the given size (its times follow the size). */
  private static IndexRecord record(long n, long size) {
    return record(EntryKind.REGULAR_FILE, n, size);
  }

  private static IndexRecord record(EntryKind kind, long n, long size) {
    FileStatus s = new FileStatus(kind, new FileId(1, n), size, size, size, size, 1, 0644, 0, 0, 0);
    return IndexRecord.of(s, null, null, 1_000L);
  }

  /**
   * Two sources whose names differ only in a byte that is not valid UTF-8 (both show U+FFFD) are
   * two pairs with two indexes; a pair of valid names keeps the key it always had.
   */
  @Test
  void pairsAreToldApartByTheBytesOfTheirNames() {
    Path a = dev.linksafe.platform.RawNames.resolve(base, "s\uDCFF");
    Path b = dev.linksafe.platform.RawNames.resolve(base, "s\uDCFE");
    Path dst = base.resolve("dst");
    assertEquals(a.toString(), b.toString(), "both show U+FFFD");
    org.junit.jupiter.api.Assertions.assertNotEquals(MirrorIndex.pairKey(a, dst), MirrorIndex.pairKey(b, dst));
    org.junit.jupiter.api.Assertions.assertNotEquals(MirrorIndex.location(base, a, dst), MirrorIndex.location(base, b, dst));
    Path plain = base.resolve("src");
    assertEquals(plain.toAbsolutePath() + "\u0000" + dst.toAbsolutePath(), MirrorIndex.pairKey(plain, dst));
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


  /**
   * Records, as a walk does directory by directory, files 0 to 19,999 spread over 100
   * directories, with sizes {@code i + offset}: in every directory when {@code run} is 0, else in
   * one directory of seven (a nightly run changes some directories, not all).
   */
  private static void update(MirrorIndex index, int run, long offset) {
    for (int d = run == 0 ? 0 : run % 7; d < 100; d += run == 0 ? 1 : 7) {
      DirectoryRecords records = index.enter("dir" + d);
      for (int i = d; i < 20_000; i += 100) {
        records.put("file" + i, record(i, i + offset));
      }
      index.leave(records);
    }
  }

  /** The size the last of the 30 runs that updated record {@code i} gave it. */
  private static long expectedSize(int i) {
    for (int run = 30; run >= 1; run--) {
      if ((i % 100) % 7 == run % 7) {
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
      update(first, 0, 0);
      first.commit();
    }
    long fresh = Files.size(file);
    long largest = 0;
    for (int run = 1; run <= 30; run++) {
      try (MirrorIndex index = MirrorIndex.open(file, src, dst, 1_000L + run, false)) {
        assertTrue(index.isPreviousAvailable());
        update(index, run, run * 100_000L);
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
    Path deadCopy = file.resolveSibling(file.getFileName() + ".2147483646.copy.tmp");
    Path other = file.resolveSibling("another.index.2147483646.tmp");
    for (Path p : new Path[] {dead, deadCopy, other}) {
      Files.writeString(p, "partial");
    }
    try (MirrorIndex index = MirrorIndex.open(file, src, dst, 1_000L, false)) {
      index.put("a", record(1, 1));
      index.commit();
    }
    assertTrue(Files.notExists(dead), "a dead run's index removed");
    assertTrue(Files.notExists(deadCopy), "and the copy it was writing");
    assertTrue(Files.exists(other), "another pair's files left alone");
    assertTrue(Files.isRegularFile(file));
  }

  private MirrorIndex openIndex(long runStart) throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path dst = Files.createDirectories(base.resolve("dst"));
    return MirrorIndex.open(MirrorIndex.location(base.resolve("index"), src, dst), src, dst, runStart, false);
  }

  /**
   * A directory of more names than one stored value holds is kept name by name, whether it was
   * that large already or grew past the limit during a run; its records read back either way.
   */
  @Test
  void aDirectoryTooLargeForOneValueKeepsEveryRecord() throws Exception {
    int many = DirectoryRecords.SPLIT_LIMIT * 2 + 3;
    try (MirrorIndex index = openIndex(1_000L)) {
      DirectoryRecords small = index.enter("small");
      small.put("only", record(1, 1));
      index.leave(small);
      index.commit();
    }
    try (MirrorIndex index = openIndex(2_000L)) {
      DirectoryRecords grown = index.enter("small"); // grows past the limit in this run
      for (int i = 0; i < many; i++) {
        grown.put("f" + i, record(10 + i, i));
        assertEquals(i, grown.get("f" + i).size(), "visible at once, as the walk may ask again");
      }
      assertEquals(1, grown.get("only").size(), "the previous run's record is kept");
      index.leave(grown);
      index.commit();
    }
    try (MirrorIndex index = openIndex(3_000L)) {
      DirectoryRecords again = index.enter("small");
      for (int i = 0; i < many; i += 97) {
        assertEquals(i, again.get("f" + i).size());
      }
      again.put("f5", record(15, 555));
      index.leave(again);
      index.removeOne("small/f6");
      index.commit();
    }
    try (MirrorIndex index = openIndex(4_000L)) {
      assertEquals(555, index.get("small/f5").orElseThrow().size());
      assertTrue(index.get("small/f6").isEmpty(), "a removed name of a split directory is gone");
      assertEquals(7, index.get("small/f7").orElseThrow().size());
      assertEquals("small/f7", index.pathOf(new FileId(1, 17)).orElseThrow());
      index.remove("small");
      index.commit();
    }
    try (MirrorIndex index = openIndex(5_000L)) {
      assertTrue(index.get("small/f7").isEmpty(), "a removed directory takes its split records along");
      assertTrue(index.pathOf(new FileId(1, 17)).isEmpty(), "and their identities");
    }
  }

  /**
   * Removing a directory removes its records and those of everything below it, and nothing of
   * a sibling whose name sorts between them ("a/b c" lies between "a/b" and "a/b/x"); a name
   * removed from a directory before the walk enters it stays removed.
   */
  @Test
  void removingADirectoryTakesItsSubtreeAndNothingElse() throws Exception {
    String[] paths = {"a/b", "a/b c", "a/b/x", "a/b/x/deep", "a/b-", "a/c", "a/b c/y"};
    java.util.Set<String> directories = java.util.Set.of("a/b", "a/b c", "a/b/x");
    try (MirrorIndex index = openIndex(1_000L)) {
      for (int i = 0; i < paths.length; i++) {
        index.put(paths[i], record(directories.contains(paths[i]) ? EntryKind.DIRECTORY : EntryKind.REGULAR_FILE, i, i));
      }
      index.commit();
    }
    try (MirrorIndex index = openIndex(2_000L)) {
      index.remove("a/b");
      index.removeOne("a/c");
      DirectoryRecords a = index.enter("a"); // entered after a removal in it
      assertNull(a.get("c"));
      assertNull(a.get("b"));
      assertEquals(1, a.get("b c").size());
      index.leave(a);
      index.commit();
    }
    try (MirrorIndex index = openIndex(3_000L)) {
      for (String gone : new String[] {"a/b", "a/b/x", "a/b/x/deep", "a/c"}) {
        assertTrue(index.get(gone).isEmpty(), gone + " removed");
      }
      assertEquals(1, index.get("a/b c").orElseThrow().size());
      assertEquals(4, index.get("a/b-").orElseThrow().size());
      assertEquals(6, index.get("a/b c/y").orElseThrow().size());
      assertEquals("a/b c/y", index.pathOf(new FileId(1, 6)).orElseThrow());
      assertTrue(index.pathOf(new FileId(1, 3)).isEmpty(), "a removed record's identity goes too");
    }
  }

  /**
   * Removing a file's record (the old name of a rename) takes that record and its identity
   * entry, and no look below it; a directory that has no record of its own still loses what
   * lies below it.
   */
  @Test
  void removingAFileTakesItsRecordAndIdentityAlone() throws Exception {
    try (MirrorIndex index = openIndex(1_000L)) {
      index.put("d/f", record(1, 10));
      index.put("d/g", record(2, 20));
      index.put("e/x", record(3, 30)); // "e" itself has no record
      index.commit();
    }
    try (MirrorIndex index = openIndex(2_000L)) {
      DirectoryRecords d = index.enter("d");
      assertEquals("f", d.previousNameOf(new FileId(1, 1)));
      assertNull(d.previousNameOf(new FileId(1, 99)));
      index.remove("d/f");
      assertNull(d.previousNameOf(new FileId(1, 1)), "a name this run changed is not offered again");
      index.leave(d);
      index.remove("e");
      index.commit();
    }
    try (MirrorIndex index = openIndex(3_000L)) {
      assertTrue(index.get("d/f").isEmpty());
      assertTrue(index.pathOf(new FileId(1, 1)).isEmpty());
      assertEquals(20, index.get("d/g").orElseThrow().size());
      assertTrue(index.get("e/x").isEmpty(), "what lies below a name without a record goes with it");
    }
  }

  /** Records with long symlink targets: a directory is kept name by name once its value would pass the byte bound. */
  @Test
  void aDirectoryOfLongLinkTargetsIsKeptNameByNameByItsSize() throws Exception {
    String target = "t/".repeat(2000); // 4,000 bytes, as long as a symlink target gets
    int names = DirectoryRecords.SPLIT_BYTES / target.length() + 10; // far fewer than SPLIT_LIMIT
    try (MirrorIndex index = openIndex(1_000L)) {
      DirectoryRecords links = index.enter("links");
      for (int i = 0; i < names; i++) {
        FileStatus s = new FileStatus(EntryKind.SYMLINK, new FileId(2, i), target.length(), 1, 1, 1, 1, 0777, 0, 0, 0);
        links.put("l" + i, IndexRecord.of(s, target + i, null, 1_000L));
      }
      index.leave(links);
      index.commit();
    }
    try (MirrorIndex index = openIndex(2_000L)) {
      assertTrue(DirectoryRecords.isSplit(index.directoryValue("links")), "stored name by name");
      DirectoryRecords links = index.enter("links");
      for (int i = 0; i < names; i += 7) {
        assertEquals(target + i, links.get("l" + i).linkTarget());
      }
      index.leave(links);
    }
  }

  /**
   * A record carries the time its directory was entered, which comes before any look at its
   * names: later than the run's start (so a name is trusted sooner), never later than the look.
   */
  @Test
  void recordsCarryTheTimeTheirDirectoryWasEntered() throws Exception {
    try (MirrorIndex index = openIndex(1_000L)) {
      long before = MirrorIndex.nowNanos();
      DirectoryRecords d = index.enter("d");
      long after = MirrorIndex.nowNanos();
      assertTrue(d.recordedNanos() >= before && d.recordedNanos() <= after, "entered between the two clock reads");
      Thread.sleep(5);
      assertEquals(d, index.enter("d"), "entered again: the same records");
      assertTrue(d.recordedNanos() <= after, "the first entering counts, never a later one");
      index.leave(d);
    }
  }

  /** A run that is not committed leaves the previous records as they were. */
  @Test
  void aRunClosedWithoutCommitChangesNothing() throws Exception {
    try (MirrorIndex index = openIndex(1_000L)) {
      index.put("d/f", record(1, 1));
      index.commit();
    }
    try (MirrorIndex index = openIndex(2_000L)) {
      DirectoryRecords d = index.enter("d");
      d.put("f", record(1, 2));
      d.put("g", record(2, 2));
      index.leave(d);
      index.remove("d");
    }
    try (MirrorIndex index = openIndex(3_000L)) {
      assertEquals(1, index.get("d/f").orElseThrow().size());
      assertTrue(index.get("d/g").isEmpty());
    }
  }

  /** A damaged directory value reads as no records (costing a direct comparison), and is replaced. */
  @Test
  void aDamagedDirectoryValueReadsAsNoRecords() throws Exception {
    try (MirrorIndex index = openIndex(1_000L)) {
      index.put("d/f", record(1, 1));
      index.putDirectoryValue("e", new byte[] {1, 0, 0, 0, 9, 0, 5, 'x'}); // nine names promised, one cut
      index.putDirectoryValue("gone/sub", new byte[] {1, 0, 0, 0, 1, 0, 9, 'x'});
      index.commit();
    }
    try (MirrorIndex index = openIndex(1_500L)) {
      index.remove("gone"); // a damaged value below is dropped like any other
      index.commit();
    }
    try (MirrorIndex index = openIndex(2_000L)) {
      assertEquals(1, index.get("d/f").orElseThrow().size());
      DirectoryRecords e = index.enter("e");
      assertNull(e.get("x"));
      e.put("y", record(2, 2));
      index.leave(e);
      index.commit();
    }
    try (MirrorIndex index = openIndex(3_000L)) {
      assertEquals(2, index.get("e/y").orElseThrow().size());
    }
  }

  /** Records this run holds but has not written yet go with a directory removed above them. */
  @Test
  void removingADirectoryDropsRecordsNotWrittenYet() throws Exception {
    try (MirrorIndex index = openIndex(1_000L)) {
      index.put("a/b/x", record(1, 1)); // held for "a/b" until the commit
      index.put("keep/y", record(2, 2));
      index.remove("a");
      index.commit();
    }
    try (MirrorIndex index = openIndex(2_000L)) {
      assertTrue(index.get("a/b/x").isEmpty());
      assertTrue(index.pathOf(new FileId(1, 1)).isEmpty());
      assertEquals(2, index.get("keep/y").orElseThrow().size());
    }
  }
}
