package dev.linksafe.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.demo.SampleTree;
import dev.linksafe.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source changed between mirror runs, checked with verify after every run, with the index
 * kept, deleted, and damaged on purpose: the destination must come out the same each way.
 */
class MirrorScenarioTest {
  @TempDir Path base;

  enum IndexState { KEPT, DELETED, CORRUPTED }

  private Path src;
  private Path dst;
  private Path indexDir;

  private CopyReport mirror(IndexState state) throws IOException {
    if (state == IndexState.DELETED) {
      deleteIndex();
    } else if (state == IndexState.CORRUPTED) {
      try (Stream<Path> files = Files.list(indexDir)) {
        for (Path f : files.toList()) {
          byte[] junk = new byte[4096];
          new java.util.Random(1).nextBytes(junk);
          Files.write(f, junk);
        }
      }
    }
    CopyReport r = mirrorWith(true, List.of());
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);
    return r;
  }

  private void deleteIndex() throws IOException {
    if (Files.isDirectory(indexDir)) {
      try (Stream<Path> files = Files.list(indexDir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
    }
  }

  /** The sample tree, aged, mirrored once. */
  private void mirroredSample(IndexState state) throws IOException {
    src = SampleTree.create(base);
    dst = base.resolve("mirror");
    indexDir = base.resolve("index");
    age();
    mirror(state);
  }

  /** Ages every time in the tree so the index may trust it (nothing is racily clean). */
  private void age() throws IOException {
    FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
    try (Stream<Path> walk = Files.walk(src)) {
      for (Path p : walk.toList()) {
        if (!Files.isSymbolicLink(p)) {
          Files.setLastModifiedTime(p, old);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(IndexState.class)
  void everyKindOfChangeIsFollowed(IndexState state) throws Exception {
    src = SampleTree.create(base);
    dst = base.resolve("mirror");
    indexDir = base.resolve("index");
    age();
    CopyReport first = mirror(IndexState.KEPT);
    assertEquals(4, first.filesCopied());

    // nothing changed: everything unchanged, nothing written
    Thread.sleep(10);
    CopyReport idle = mirror(state);
    assertEquals(0, idle.filesCopied());
    assertEquals(0, idle.deleted());

    // edit, truncate, touch without change, chmod
    Files.writeString(src.resolve("docs/report.txt"), "rewritten");
    Files.writeString(src.resolve("photos/a.jpg"), "");
    Files.setLastModifiedTime(src.resolve("empty.txt"), FileTime.from(Instant.now().minusSeconds(60)));
    Files.setPosixFilePermissions(src.resolve("shared.bin"), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    mirror(state);

    // rename a directory, add and remove group members, swap a file for a symlink and back
    Files.move(src.resolve("photos"), src.resolve("pictures"));
    Files.createLink(src.resolve("docs/report-third.txt"), src.resolve("docs/report.txt"));
    Files.delete(src.resolve("archive/report.txt"));
    Files.delete(src.resolve("empty.txt"));
    Files.createSymbolicLink(src.resolve("empty.txt"), Path.of("docs/report.txt"));
    age();
    CopyReport moved = mirror(state);
    if (state == IndexState.KEPT) {
      assertTrue(moved.renamed() >= 1, "the directory is renamed at the destination: " + moved);
    }
    assertTrue(moved.deleted() >= 1, "names gone from the source are deleted: " + moved);

    Files.delete(src.resolve("empty.txt"));
    Files.writeString(src.resolve("empty.txt"), "a file again");
    // split a group: the link becomes a separate file of equal content and time
    Path link = src.resolve("docs/report-link.txt");
    FileTime t = Files.getLastModifiedTime(link);
    Files.delete(link);
    Files.writeString(link, "rewritten");
    Files.setLastModifiedTime(link, t);
    mirror(state);
  }

  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void renamedFileIsRenamedNotCopied(IndexState state) throws Exception {
    src = Files.createDirectories(base.resolve("src/a"));
    Files.createDirectories(base.resolve("src/b"));
    byte[] big = new byte[1 << 20];
    new java.util.Random(5).nextBytes(big);
    Files.write(src.resolve("big.bin"), big);
    src = base.resolve("src");
    dst = base.resolve("dst");
    indexDir = base.resolve("index");
    age();
    mirror(state);
    Files.move(src.resolve("a/big.bin"), src.resolve("b/moved.bin"));
    CopyReport r = mirror(state);
    assertEquals(1, r.renamed(), r.toString());
    assertEquals(0, r.bytesCopied(), "a rename copies no bytes");
    assertFalse(Files.exists(dst.resolve("a/big.bin")));
    // within its directory (found from the directory's own records), then back across
    Files.move(src.resolve("b/moved.bin"), src.resolve("b/renamed.bin"));
    CopyReport within = mirror(state);
    assertEquals(1, within.renamed(), within.toString());
    assertEquals(0, within.bytesCopied(), within.toString());
    Files.move(src.resolve("b/renamed.bin"), src.resolve("a/back.bin"));
    CopyReport back = mirror(state);
    assertEquals(1, back.renamed(), back.toString());
    assertEquals(0, back.bytesCopied(), back.toString());
  }

  /**
   * A file that gains a name, or a group whose name is renamed, is linked to the copy DST
   * already has, whichever of its names the walk meets first: no bytes copied again.
   */
  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void aNameAddedToAFileIsLinkedNotCopied(IndexState state) throws Exception {
    src = base.resolve("src");
    Files.createDirectories(src.resolve("deep/er"));
    byte[] big = new byte[1 << 20];
    new java.util.Random(7).nextBytes(big);
    Files.write(src.resolve("top.bin"), big);
    Files.write(src.resolve("deep/er/low.bin"), big);
    Files.write(src.resolve("pair-a.bin"), big);
    Files.createLink(src.resolve("deep/pair-b.bin"), src.resolve("pair-a.bin"));
    dst = base.resolve("dst");
    indexDir = base.resolve("index");
    age();
    mirror(state);
    // one met before its old name, one after, whatever the order of the walk
    Files.createLink(src.resolve("deep/er/top-link.bin"), src.resolve("top.bin"));
    Files.createLink(src.resolve("low-link.bin"), src.resolve("deep/er/low.bin"));
    Files.move(src.resolve("pair-a.bin"), src.resolve("deep/er/pair-renamed.bin"));
    CopyReport r = mirror(state);
    assertEquals(0, r.bytesCopied(), r.toString());
    assertEquals(0, r.filesCopied(), r.toString());
    assertEquals(Files.getAttribute(dst.resolve("deep/er/top-link.bin"), "unix:ino"),
        Files.getAttribute(dst.resolve("top.bin"), "unix:ino"));
  }

  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void unchangedTreeIsSkippedThroughTheIndexAlone(IndexState state) throws Exception {
    mirroredSample(state);
    // a change made behind the index's back at the destination is not looked at: the index
    // trusts what it wrote (a plain copy or --no-index would see it)
    Files.writeString(dst.resolve("notes-at-destination.txt"), "x");
    CopyOptions options = CopyOptions.defaults(true).withMirror(new MirrorOptions(indexDir, false, false));
    CopyReport r = new CopyEngine(options).copy(src, dst);
    assertEquals(0, r.filesCopied());
    assertTrue(r.unchanged() >= 13, r.toString());
    assertTrue(Files.exists(dst.resolve("notes-at-destination.txt")), "without --delete nothing is removed");
    assertEquals(List.of(), Trees.temporaryFiles(dst));
  }

  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void aDestinationDamagedBehindTheIndexIsRepaired(IndexState state) throws Exception {
    mirroredSample(state);
    Files.writeString(dst.resolve("docs/report.txt"), "edited at the destination, same size?");
    Files.delete(dst.resolve("photos/a.jpg"));
    mirror(state);
    // the whole destination gone: the index must not make the run skip anything
    try (Stream<Path> walk = Files.walk(dst)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    CopyReport r = mirror(state);
    assertEquals(4, r.filesCopied(), r.toString());
  }

  /**
   * --delete skips listing a DST directory whose source the index proves unchanged and whose
   * time DST kept; a name added there behind the index's back changes that time, so it is
   * listed and the name deleted, in the root and deeper down.
   */
  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void namesAddedAtTheDestinationAreDeletedThoughTheSourceIsUnchanged(IndexState state) throws Exception {
    mirroredSample(state);
    mirror(state);
    Files.writeString(dst.resolve("docs/added-at-destination.txt"), "x");
    Files.createDirectories(dst.resolve("photos/new-dir/deeper"));
    Files.writeString(dst.resolve("stray.txt"), "y");
    CopyReport r = mirror(state); // identical to the source again, checked inside
    assertEquals(0, r.filesCopied(), r.toString());
    assertTrue(r.deleted() >= 3, r.toString());
    assertFalse(Files.exists(dst.resolve("docs/added-at-destination.txt")));
  }

  /**
   * chmod (and, as root, chown) at DST leave the modification time alone; a run whose index
   * proves the source unchanged must still put back the source's mode and owner, as a run
   * without the index does, for a single file and for a hard-link group's file.
   */
  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void aModeOrOwnerChangedAtTheDestinationIsPutBack(IndexState state) throws Exception {
    mirroredSample(state);
    outOfTheRacyWindow();
    mirror(state); // records that prove the source unchanged
    var mode = java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-");
    Files.setPosixFilePermissions(dst.resolve("empty.txt"), mode);
    Files.setPosixFilePermissions(dst.resolve("photos/a.jpg"), mode);
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      Files.setAttribute(dst.resolve("docs/report.txt"), "unix:uid", 65534);
    }
    CopyReport r = mirror(state); // identical to the source again, modes and owners included
    assertEquals(0, r.filesCopied(), r.toString());
    assertTrue(r.updatedMetadata() >= 2, r.toString());
    assertEquals(Files.getPosixFilePermissions(src.resolve("empty.txt")),
        Files.getPosixFilePermissions(dst.resolve("empty.txt")));
    assertEquals(Files.getPosixFilePermissions(src.resolve("photos/a.jpg")),
        Files.getPosixFilePermissions(dst.resolve("photos/a-copy.jpg")));
    if (root) {
      assertEquals(Files.getAttribute(src.resolve("docs/report.txt"), "unix:uid"),
          Files.getAttribute(dst.resolve("docs/report.txt"), "unix:uid"));
    }
  }

  /**
   * A run without --delete leaves at DST the names its source lost, and one with an exclude
   * pattern leaves the excluded ones; a later --delete run must remove them even where the
   * index proves the source directory unchanged since, as it would without the index.
   */
  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void namesAnEarlierRunKeptAreDeletedByALaterRunThatDeletes(IndexState state) throws Exception {
    mirroredSample(state);
    Files.delete(src.resolve("docs/report.txt"));
    Files.writeString(src.resolve("photos/scratch.log"), "log");
    age();
    outOfTheRacyWindow();
    mirrorWith(false, List.of()); // keeps docs/report.txt at DST
    assertTrue(Files.exists(dst.resolve("docs/report.txt")));
    Thread.sleep(10);
    CopyReport deleting = mirrorWith(true, List.of());
    assertFalse(Files.exists(dst.resolve("docs/report.txt")), deleting.toString());
    Trees.assertIdentical(src, dst);

    Files.delete(src.resolve("photos/scratch.log"));
    age();
    outOfTheRacyWindow();
    mirrorWith(true, List.of("*.log")); // the excluded name stays at DST
    assertTrue(Files.exists(dst.resolve("photos/scratch.log")));
    CopyReport withoutPattern = mirrorWith(true, List.of());
    assertFalse(Files.exists(dst.resolve("photos/scratch.log")), withoutPattern.toString());
    Trees.assertIdentical(src, dst);
    CopyReport idle = mirrorWith(true, List.of());
    assertEquals(0, idle.deleted(), idle.toString());
  }

  /**
   * Waits until the status change times that {@link #age} left are old enough for the next
   * run's records to prove their directories unchanged.
   */
  private static void outOfTheRacyWindow() throws InterruptedException {
    Thread.sleep(MirrorIndex.RACY_WINDOW_NANOS / 1_000_000 + 100);
  }

  /**
   * Another run that sets DST's directory times back (a mirror without the index, or of
   * another index) after a name was added there: the indexed --delete run must still list the
   * directory and delete the name, as without the index; DST's change time tells it.
   */
  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT"})
  void aNameAddedAtDstIsDeletedThoughAnotherRunSetItsDirectorysTimesBack(IndexState state) throws Exception {
    mirroredSample(state);
    outOfTheRacyWindow();
    mirrorWith(true, List.of()); // records that prove the source unchanged, and the run complete
    Files.writeString(dst.resolve("docs/junk"), "added at the destination");
    CopyOptions noIndex = CopyOptions.defaults(true).withMirror(new MirrorOptions(null, false, false));
    new CopyEngine(noIndex).copy(src, dst); // puts docs' times back, deletes nothing
    assertEquals(Files.getLastModifiedTime(src.resolve("docs")), Files.getLastModifiedTime(dst.resolve("docs")));
    CopyReport r = mirrorWith(true, List.of());
    assertFalse(Files.exists(dst.resolve("docs/junk")), r.toString());
    Trees.assertIdentical(src, dst);
  }

  private CopyReport mirrorWith(boolean delete, List<String> excludes) throws IOException {
    CopyOptions defaults = CopyOptions.defaults(true);
    CopyOptions options = defaults.withMirror(new MirrorOptions(indexDir, delete, false))
        .withWalk(defaults.walk().withExcludes(dev.linksafe.scan.ExcludeFilter.of(excludes)));
    CopyReport r = new CopyEngine(options).copy(src, dst);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    return r;
  }

  /**
   * A directory whose source the index proves unchanged keeps its extended attributes without
   * their being read again; a change of them moves the directory's change time, so the next
   * run copies them.
   */
  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT", "DELETED"})
  void aDirectorysExtendedAttributesFollowTheirChanges(IndexState state) throws Exception {
    mirroredSample(IndexState.KEPT);
    var access = dev.linksafe.platform.Platforms.forPath(src);
    try {
      access.writeXattrs(src.resolve("docs"), java.util.Map.of("user.tag", "one".getBytes()));
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.assumeTrue(false, "no user extended attributes here: " + e.getMessage());
    }
    mirror(state);
    assertEquals("one", new String(access.readXattrs(dst.resolve("docs")).get("user.tag")));
    Thread.sleep(10);
    access.writeXattrs(src.resolve("docs"), java.util.Map.of("user.tag", "two".getBytes()));
    mirror(state);
    assertEquals("two", new String(access.readXattrs(dst.resolve("docs")).get("user.tag")));
    mirror(state);
    assertEquals("two", new String(access.readXattrs(dst.resolve("docs")).get("user.tag")));
  }

  /**
   * A directory at DST where the source now has a name of a hard-link group: replaced with
   * --delete, whether the group's other name is met first (a later name, linked) or after it
   * (its first name, linked to the copy DST holds under the other name).
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"KEPT, a", "DELETED, a", "CORRUPTED, a",
      "KEPT, deep/er/a", "DELETED, deep/er/a"})
  void aGroupsNameTakesThePlaceOfADirectory(IndexState state, String other) throws Exception {
    src = Files.createDirectories(base.resolve("src"));
    dst = base.resolve("mirror");
    indexDir = base.resolve("index");
    Files.createDirectories(src.resolve(other).getParent());
    Files.writeString(src.resolve(other), "grouped");
    Files.createDirectories(src.resolve("sub/x/deeper"));
    Files.writeString(src.resolve("sub/x/deeper/f"), "gone soon");
    age();
    mirror(IndexState.KEPT);
    try (Stream<Path> walk = Files.walk(src.resolve("sub/x"))) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    Files.createLink(src.resolve("sub/x"), src.resolve(other));
    CopyReport r = mirror(state);
    assertEquals(List.of(), r.problems());
    assertEquals(Files.getAttribute(dst.resolve(other), "unix:ino"), Files.getAttribute(dst.resolve("sub/x"), "unix:ino"));
  }

  /**
   * setfattr changes a file's attributes and its change time only: the quick check finds the
   * file unchanged, and the attributes must follow anyway, removed ones too.
   */
  @ParameterizedTest
  @EnumSource(value = IndexState.class, names = {"KEPT", "DELETED"})
  void aFilesExtendedAttributesFollowTheirChanges(IndexState state) throws Exception {
    mirroredSample(IndexState.KEPT);
    var access = dev.linksafe.platform.Platforms.forPath(src);
    Path file = src.resolve("docs/report.txt");
    try {
      access.writeXattrs(file, java.util.Map.of("user.tag", "one".getBytes(), "user.gone", "soon".getBytes()));
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.assumeTrue(false, "no user extended attributes here: " + e.getMessage());
    }
    mirror(state);
    assertEquals("one", new String(access.readXattrs(dst.resolve("docs/report.txt")).get("user.tag")));
    Thread.sleep(10);
    access.writeXattrs(file, java.util.Map.of("user.tag", "two".getBytes()));
    access.removeXattrs(file, List.of("user.gone"));
    CopyReport r = mirror(state);
    assertEquals(0, r.filesCopied(), "attributes are set, the bytes not copied again");
    var there = access.readXattrs(dst.resolve("docs/report.txt"));
    assertEquals("two", new String(there.get("user.tag")));
    assertFalse(there.containsKey("user.gone"), there.keySet().toString());
  }
}
