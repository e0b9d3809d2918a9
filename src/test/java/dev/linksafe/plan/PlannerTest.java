package dev.linksafe.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.Symlink;
import dev.linksafe.model.SymlinkClass;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Each decision of the planner, on records alone. */
class PlannerTest {
  private static final long T = 1_700_000_000_123_456_789L;
  private static final Path TARGET = Path.of("/dst/a/name");
  private static final Path FIRST = Path.of("/dst/first");
  private static final FileId FIRST_ID = new FileId(9, 1000);

  private static long nextInode = 1;

  private static FileStatus status(EntryKind kind, long size, long mtime) {
    return status(kind, new FileId(9, nextInode++), size, mtime);
  }

  private static FileStatus status(EntryKind kind, FileId id, long size, long mtime) {
    return new FileStatus(kind, id, size, mtime, mtime, mtime, 1, 0644, 1000, 1000, 0);
  }

  private static Entry entry(FileStatus status) {
    return new Entry(Path.of("a/name"), status, null, null, false);
  }

  private static Entry symlinkEntry(String target, long mtime) {
    FileStatus s = status(EntryKind.SYMLINK, target.length(), mtime);
    return new Entry(Path.of("a/name"), s, new Symlink(target, false, SymlinkClass.INNER), null, false);
  }

  private static Entry fileEntry(long size, long mtime) {
    return entry(status(EntryKind.REGULAR_FILE, size, mtime));
  }

  private static Entry directoryEntry() {
    return entry(status(EntryKind.DIRECTORY, 0, T));
  }

  private static FileStatus existingFile(long size, long mtime) {
    return status(EntryKind.REGULAR_FILE, size, mtime);
  }

  private static FileStatus existingDirectory() {
    return status(EntryKind.DIRECTORY, 0, T);
  }

  private static FileStatus existingSymlink() {
    return status(EntryKind.SYMLINK, 3, T);
  }

  private static Action.Kind plan(Entry e, FileStatus existing) {
    return plan(e, existing, null);
  }

  private static Action.Kind plan(Entry e, FileStatus existing, String existingTarget) {
    Action a = Planner.plan(e, TARGET, existing, existingTarget);
    assertSame(e, a.entry());
    assertEquals(TARGET, a.target());
    assertNull(a.linkTo());
    return a.kind();
  }

  // ---- directories ---------------------------------------------------------------------------

  @Test
  void directoryIsCreatedWhenNothingStandsThere() {
    assertEquals(Action.Kind.CREATE_DIRECTORY, plan(directoryEntry(), null));
  }

  @Test
  void existingDirectoryIsKept() {
    assertEquals(Action.Kind.KEEP_DIRECTORY, plan(directoryEntry(), existingDirectory()));
  }

  @Test
  void fileWhereADirectoryGoesIsReplacedWithTheDirectory() {
    assertEquals(Action.Kind.REPLACE_WITH_DIRECTORY, plan(directoryEntry(), existingFile(1, T)));
  }

  @Test
  void symlinkWhereADirectoryGoesIsReplacedWithTheDirectory() {
    assertEquals(Action.Kind.REPLACE_WITH_DIRECTORY, plan(directoryEntry(), existingSymlink()));
  }

  // ---- regular files -------------------------------------------------------------------------

  @Test
  void fileIsCopiedWhenNothingStandsThere() {
    assertEquals(Action.Kind.COPY_FILE, plan(fileEntry(10, T), null));
  }

  @Test
  void fileOfEqualSizeAndMtimeIsUnchanged() {
    assertEquals(Action.Kind.UNCHANGED, plan(fileEntry(10, T), existingFile(10, T)));
  }

  @Test
  void fileIsReplacedWhenTheSizeDiffers() {
    assertEquals(Action.Kind.REPLACE_FILE, plan(fileEntry(10, T), existingFile(11, T)));
  }

  @Test
  void fileIsReplacedWhenTheMtimeDiffersByOneNanosecond() {
    assertEquals(Action.Kind.REPLACE_FILE, plan(fileEntry(10, T), existingFile(10, T + 1)));
  }

  @Test
  void fileIsReplacedWhenASymlinkOfEqualSizeAndMtimeStandsThere() {
    FileStatus link = status(EntryKind.SYMLINK, 10, T);
    assertEquals(Action.Kind.REPLACE_FILE, plan(fileEntry(10, T), link, "0123456789"));
  }

  @Test
  void fileWhereADirectoryStandsIsAConflict() {
    assertEquals(Action.Kind.CONFLICT, plan(fileEntry(10, T), existingDirectory()));
  }

  // ---- symlinks ------------------------------------------------------------------------------

  @Test
  void symlinkIsCreatedWhenNothingStandsThere() {
    assertEquals(Action.Kind.CREATE_SYMLINK, plan(symlinkEntry("x/y", T), null));
  }

  @Test
  void symlinkWithTheSameTargetIsUnchanged() {
    assertEquals(Action.Kind.UNCHANGED,
        plan(symlinkEntry("x/y", T), status(EntryKind.SYMLINK, 3, T), "x/y"));
  }

  @Test
  void symlinkWithAnotherTargetIsReplaced() {
    assertEquals(Action.Kind.REPLACE_SYMLINK,
        plan(symlinkEntry("x/y", T), status(EntryKind.SYMLINK, 3, T), "x/z"));
  }

  @Test
  void fileWhereASymlinkGoesIsReplacedBySymlink() {
    assertEquals(Action.Kind.REPLACE_SYMLINK, plan(symlinkEntry("x/y", T), existingFile(3, T)));
  }

  @Test
  void symlinkWhereADirectoryStandsIsAConflict() {
    assertEquals(Action.Kind.CONFLICT, plan(symlinkEntry("x/y", T), existingDirectory(), null));
  }

  // ---- special files -------------------------------------------------------------------------

  @Test
  void specialFileIsCreatedWhenNothingStandsThere() {
    assertEquals(Action.Kind.CREATE_SPECIAL, plan(entry(status(EntryKind.FIFO, 0, T)), null));
  }

  @Test
  void specialFileOfTheSameKindAndDeviceIsUnchanged() {
    assertEquals(Action.Kind.UNCHANGED,
        plan(entry(status(EntryKind.FIFO, 0, T)), status(EntryKind.FIFO, 0, T)));
  }

  @Test
  void specialFileOfAnotherKindIsReplaced() {
    assertEquals(Action.Kind.REPLACE_SPECIAL,
        plan(entry(status(EntryKind.FIFO, 0, T)), status(EntryKind.SOCKET, 0, T)));
  }

  // ---- later names of hard-link groups -------------------------------------------------------

  @Test
  void laterGroupNameIsLinkedToTheFirstCopyWhenNothingStandsThere() {
    Entry e = fileEntry(10, T);
    Action a = Planner.planLink(e, TARGET, null, FIRST, FIRST_ID);
    assertEquals(Action.Kind.LINK, a.kind());
    assertEquals(FIRST, a.linkTo());
    assertEquals(TARGET, a.target());
  }

  @Test
  void laterGroupNameAlreadyLinkedToTheFirstCopyIsUnchanged() {
    FileStatus existing = status(EntryKind.REGULAR_FILE, FIRST_ID, 10, T);
    Action a = Planner.planLink(fileEntry(10, T), TARGET, existing, FIRST, FIRST_ID);
    assertEquals(Action.Kind.UNCHANGED, a.kind());
    assertFalse(a.kind().writes());
  }

  @Test
  void laterGroupNameHoldingAnotherFileIsRelinkedEvenWithEqualSizeAndMtime() {
    FileStatus existing = status(EntryKind.REGULAR_FILE, new FileId(9, 1001), 10, T);
    Action a = Planner.planLink(fileEntry(10, T), TARGET, existing, FIRST, FIRST_ID);
    assertEquals(Action.Kind.RELINK, a.kind());
    assertEquals(FIRST, a.linkTo());
  }

  @Test
  void laterGroupNameOnTheSameInodeOfAnotherVolumeIsRelinked() {
    FileStatus existing = status(EntryKind.REGULAR_FILE, new FileId(8, FIRST_ID.object()), 10, T);
    assertEquals(Action.Kind.RELINK,
        Planner.planLink(fileEntry(10, T), TARGET, existing, FIRST, FIRST_ID).kind());
  }

  @Test
  void laterGroupNameWhereADirectoryStandsIsAConflict() {
    Action a = Planner.planLink(fileEntry(10, T), TARGET, existingDirectory(), FIRST, FIRST_ID);
    assertEquals(Action.Kind.CONFLICT, a.kind());
    assertNull(a.linkTo());
  }

  // ---- the quick check and the kinds ---------------------------------------------------------

  @Test
  void quickCheckNeedsARegularFileAtTheDestination() {
    FileStatus source = existingFile(0, T);
    assertTrue(Planner.sameFile(source, existingFile(0, T), 1));
    assertFalse(Planner.sameFile(source, status(EntryKind.SYMLINK, 0, T), 1));
  }

  @Test
  void timesAreComparedToThePrecisionTheDestinationKeeps() {
    long ns = 1_700_000_000_123_456_789L;
    FileStatus source = existingFile(0, ns);
    FileStatus onNtfs = existingFile(0, ns / 100 * 100);
    assertFalse(Planner.sameFile(source, onNtfs, 1), "exact where times are kept to the nanosecond");
    assertTrue(Planner.sameFile(source, onNtfs, 100), "NTFS keeps 100 ns");
    assertFalse(Planner.sameFile(source, existingFile(0, ns - 100), 100));
    assertTrue(Planner.sameTime(-150, -101, 100), "rounded down before the epoch too");
    assertEquals(Action.Kind.UNCHANGED,
        Planner.plan(fileEntry(0, ns), TARGET, onNtfs, null, 100).kind());
  }

  @Test
  void onlyUnchangedConflictAndKeepDirectoryWriteNothing() {
    for (Action.Kind k : Action.Kind.values()) {
      boolean quiet = k == Action.Kind.UNCHANGED || k == Action.Kind.CONFLICT
          || k == Action.Kind.KEEP_DIRECTORY;
      assertEquals(!quiet, k.writes(), k.name());
    }
  }
}
