package dev.linksafe.copy;

import dev.linksafe.index.DirectoryRecords;
import dev.linksafe.index.IndexRecord;
import dev.linksafe.index.MirrorIndex;
import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.plan.Planner;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.RawNames;
import dev.linksafe.scan.ExcludeFilter;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a run knows beyond one entry: the previous index (to skip what did not change and to
 * find renames), the index being written, and what to delete. A plain copy has an empty one.
 */
final class MirrorState {
  private final MirrorOptions options;
  private final MirrorIndex index;
  /** Names the walk could not read: never deleted at the destination. */
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  final LongAdder deleted = new LongAdder();
  final LongAdder renamed = new LongAdder();
  /**
   * Names to delete once the walk is over: a name that looks gone may be renamed into its new
   * place later in the walk, and a rename beats a copy.
   */
  private final java.util.Queue<Deletion> pendingDeletions = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * A name to delete: its path at DST (which keeps the name's bytes) and its relative path as
   * the index and the exclude patterns know it.
   */
  private record Deletion(Path path, String key) {}

  /** Patterns of names that --delete never removes, nor the directories holding them. */
  private final ExcludeFilter excludes;
  /** Destination directories whose times a late rename or deletion changed after they were set. */
  private final Set<Path> touchedDirectories = ConcurrentHashMap.newKeySet();

  private final boolean mayHoldLeftovers;
  /** Whether the walk stays off other volumes (--one-file-system). */
  private final boolean oneFileSystem;

  /**
   * @param mayHoldLeftovers whether the destination may hold temporary files of an unfinished
   *     run, to be looked for in every directory the run enters
   */
  MirrorState(MirrorOptions options, MirrorIndex index, boolean mayHoldLeftovers, ExcludeFilter excludes,
      boolean oneFileSystem) {
    this.options = options;
    this.oneFileSystem = oneFileSystem;
    this.excludes = excludes;
    this.index = index;
    this.mayHoldLeftovers = mayHoldLeftovers;
  }

  /** Whether directories that exist must be searched for leftover temporary files. */
  boolean mayHoldLeftovers() {
    return mayHoldLeftovers;
  }

  /** What to tell the user about the index, or null when there is nothing to say. */
  String indexNote() {
    if (options.indexDirectory() == null || index.isPreviousAvailable()) {
      return null;
    }
    return index.unavailableReason() + ": comparing with the destination directly"
        + (index.isWritable() ? "; the index is rebuilt" : "");
  }

  boolean deletes() {
    return options.delete();
  }

  /**
   * How this run deletes, as the index remembers it: --delete, whether it stays on one file
   * system (a mount point it does not enter is never listed), and its exclude patterns (the
   * names they keep at DST are the only ones a complete run leaves there).
   */
  private String deletion() {
    return "delete\n" + (oneFileSystem ? "one-file-system\n" : "") + String.join("\n", excludes.patterns());
  }

  /**
   * When the last run, having left no name at DST that its source lacked (but excluded ones),
   * committed; {@link Long#MIN_VALUE} when it did not, or when the last run did not finish (a
   * killed or stopped run set directory times back before the deletions it never made). A
   * directory whose source the index proves unchanged, and whose DST status has not changed
   * since then, needs no listing.
   */
  long previousLeftComplete() {
    return options.delete() && !mayHoldLeftovers ? index.leftComplete(deletion()) : Long.MIN_VALUE;
  }

  boolean checksums() {
    return options.checksum();
  }

  /** The records of a directory's names, for as long as the walk is in it. */
  DirectoryRecords enter(String directoryKey) {
    return index.enter(directoryKey);
  }

  /** Writes back what the walk changed in a directory it has left. */
  void leave(DirectoryRecords records) {
    guarded(() -> index.leave(records));
  }

  /**
   * Runs an index operation: a store that stops working (its volume full, say) disables the
   * index for the rest of the run, which compares with DST directly, and is reported at the
   * commit; it never stops the copy.
   */
  private void guarded(Runnable operation) {
    try {
      operation.run();
    } catch (RuntimeException e) {
      index.failed(e);
    }
  }

  /**
   * The previous record of an entry when it proves the entry unchanged: same identity, size,
   * times, link count and target, and old enough not to be racily clean; null when it does not,
   * and always with --checksum.
   *
   * @param records the records of the directory holding it
   * @param key its relative path
   */
  IndexRecord unchanged(DirectoryRecords records, Entry entry, String key) {
    if (!index.isPreviousAvailable() || options.checksum() || entry.reparsePoint() != null) {
      return null;
    }
    String target = entry.symlink() == null ? null : entry.symlink().target();
    IndexRecord record = records.get(MirrorIndex.nameOf(key));
    return record != null && MirrorIndex.trusted(record) && record.matches(entry.status(), target) ? record : null;
  }

  /** Records what this run saw and left for an entry. */
  void record(DirectoryRecords records, String key, Entry entry, FileId destinationId) {
    String target = entry.symlink() == null ? null : entry.symlink().target();
    guarded(() -> records.put(MirrorIndex.nameOf(key),
        IndexRecord.of(entry.status(), target, destinationId, records.recordedNanos())));
  }

  /** An unchanged name: its record stands, unless it is a new index being built from scratch. */
  void recordUnchanged(DirectoryRecords records, String key, IndexRecord record) {
    if (!index.isPreviousAvailable()) {
      guarded(() -> records.put(MirrorIndex.nameOf(key), record));
    }
  }

  /** Drops the records of a path and what lies below it. */
  void forget(String key) {
    guarded(() -> index.remove(key));
  }

  /** Drops the records of a path the destination renamed, and what lies below it. */
  void forgetMoved(String key) {
    guarded(() -> index.removeMoved(key));
  }

  /** Drops the record of a path alone: the next run looks at it again, not at what it holds. */
  void forgetOne(String key) {
    guarded(() -> index.removeOne(key));
  }

  void unreadable(String key) {
    unreadable.add(key);
  }

  /** Whether the walk could not read this name (a directory it could not list, say). */
  boolean isUnreadable(String key) {
    return unreadable.contains(key.isEmpty() ? "." : key);
  }

  /**
   * Where the destination already holds this entry under its old name, when the source moved
   * it: the previous run saw the same file object at another path, which the source no longer
   * has, and the destination's name there still matches the source. Only single-named files,
   * symlinks and directories: a group's names are matched by the link engine instead.
   */
  Optional<Path> movedFrom(Entry entry, String key, DirectoryRecords records, Path sourceRoot, Path targetRoot,
      FileSystemAccess src, FileSystemAccess dst) {
    // a rename removes the old name, which only --delete may do; a run without the index would
    // copy the new name and keep the old one
    if (!options.delete() || !index.isPreviousAvailable() || entry.status().isHardLinked()
        || entry.reparsePoint() != null) {
      return Optional.empty();
    }
    // renamed within its directory (most moves): known from the directory's own records
    String sibling;
    try {
      sibling = records == null ? null : records.previousNameOf(entry.id());
    } catch (RuntimeException e) {
      index.failed(e);
      return Optional.empty();
    }
    Optional<String> old = (sibling != null ? Optional.of(DirectoryRecords.pathOf(records.key(), sibling))
        : index.pathOf(entry.id())).filter(p -> !p.equals(key));
    if (old.isEmpty()) {
      return Optional.empty();
    }
    try {
      if (src.statIfExists(sourceRoot.resolve(old.get())) != null) {
        return Optional.empty(); // something stands at the old name: not a plain move
      }
      Path there = targetRoot.resolve(old.get());
      FileStatus atOld = dst.stat(there);
      boolean same = entry.kind() == EntryKind.DIRECTORY ? atOld.kind() == EntryKind.DIRECTORY
          : entry.kind() == EntryKind.SYMLINK
              ? atOld.kind() == EntryKind.SYMLINK && dst.readSymlink(there).equals(entry.symlink().target())
              : Planner.sameFile(entry.status(), atOld, dst.timeGranularityNanos()) && atOld.linkCount() == 1;
      return same ? Optional.of(there) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Where the destination already holds the file of a hard-link group under another name, when
   * the run meets the group first at a name without it (a name added to a group, or a file that
   * gained a second name): the previous run saw the same source file at that name and left the
   * destination file that is still there (the same file, or for a file that had one name, one
   * that still has one), equal in size and time. Linking to it instead of
   * copying keeps a name added to a large file from copying its bytes again. That name must
   * still belong to the group at the source, or be about to go with --delete: a name kept as
   * an extra at DST is never drawn into a group.
   */
  Optional<Path> groupCopyElsewhere(Entry entry, String key, Path sourceRoot, Path targetRoot,
      FileSystemAccess src, FileSystemAccess dst) {
    if (!index.isPreviousAvailable() || options.checksum() || entry.kind() != EntryKind.REGULAR_FILE) {
      return Optional.empty();
    }
    Optional<String> old = index.pathOf(entry.id()).filter(p -> !p.equals(key));
    if (old.isEmpty()) {
      return Optional.empty();
    }
    try {
      FileId written;
      try {
        written = index.get(old.get()).map(IndexRecord::destinationId).orElse(null);
      } catch (RuntimeException e) {
        index.failed(e);
        return Optional.empty();
      }
      FileStatus atSource = src.statIfExists(sourceRoot.resolve(old.get()));
      boolean sameGroup = atSource == null ? options.delete() : atSource.id().equals(entry.id());
      if (!sameGroup) {
        return Optional.empty();
      }
      Path there = targetRoot.resolve(old.get());
      FileStatus atOld = dst.statIfExists(there);
      // the file written for a group is known by its identity; a single file's copy stands alone
      boolean same = atOld != null && (written != null ? atOld.id().equals(written) : atOld.linkCount() == 1)
          && Planner.sameFile(entry.status(), atOld, dst.timeGranularityNanos());
      return same ? Optional.of(there) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Notes that a name left this destination directory after the directory was finished.
   *
   * @param relative the name's path relative to the destination root (its bytes kept)
   */
  void touched(Path relative) {
    Path parent = relative.getParent();
    touchedDirectories.add(parent == null ? relative.getFileSystem().getPath("") : parent);
  }

  /**
   * Finds in a destination directory the names its source directory no longer has, except
   * excluded ones and ones the walk could not read, to be deleted by {@link #finish}.
   *
   * @param directoryKey the directory's relative path ("" for the root)
   * @param seen the names the source directory has
   */
  void deleteExtras(FileSystemAccess dst, Path directory, String directoryKey, Set<String> seen,
      boolean folding) throws IOException {
    // listed as the walk lists (getdents64 where there is one), not through the JDK's stream,
    // which makes a path and a string per name: this runs for every directory that changed
    try (FileSystemAccess.Listing children = dst.list(directory)) {
      for (int i = 0; i < children.size(); i++) {
        Path childName = children.name(i);
        Path child = directory.resolve(childName);
        // by its bytes: a name that is not valid in the name encoding is still told apart
        String name = RawNames.name(childName);
        String key = directoryKey.isEmpty() ? childName.toString() : directoryKey + "/" + childName;
        // where DST ignores case it may show a name in another case than the source has it
        if (seen.contains(folding ? CaseFolding.fold(name) : name) || unreadable.contains(key)) {
          continue;
        }
        if (!excludes.isEmpty() && excludes.excludes(key, isDirectory(dst, child))) {
          continue;
        }
        pendingDeletions.add(new Deletion(child, key));
      }
    }
  }

  /**
   * Makes way at DST for a name the source now has as another kind than the directory DST
   * holds there (with --delete): the directory goes with all it holds. Returns false, having
   * deleted what it could, when it holds excluded names, which stay.
   */
  boolean deleteDirectoryInTheWay(Path path, String key, FileSystemAccess dst, boolean dryRun) throws IOException {
    boolean gone = deleteKeepingExcluded(path, key, dst, dryRun);
    if (!dryRun) {
      guarded(() -> index.remove(key));
    }
    return gone;
  }

  /**
   * After the walk: deletes what is still there of the names found gone (renames took theirs),
   * then sets again the times of the destination directories that this changed.
   */
  void finish(Path sourceRoot, Path targetRoot, FileSystemAccess src, FileSystemAccess dst,
      boolean owners, boolean dryRun, java.util.function.BiConsumer<String, IOException> problems) {
    for (Deletion d : pendingDeletions) {
      try {
        if (exists(dst, d.path())) {
          Path relative = targetRoot.relativize(d.path());
          try {
            // a directory holding excluded names stays with them, as rsync keeps it
            deleteKeepingExcluded(d.path(), d.key(), dst, dryRun);
          } catch (java.nio.file.AccessDeniedException e) {
            // a read-only directory (copied as such, and closed again when the walk left it):
            // opened for the deletion as for a new name; its mode is put back with its times
            Path parent = d.path().getParent();
            if (dryRun || !dst.openForOwner(parent, dst.stat(parent))) {
              throw e;
            }
            touched(relative);
            deleteKeepingExcluded(d.path(), d.key(), dst, dryRun);
          }
          touched(relative);
        }
        if (!dryRun) {
          guarded(() -> index.remove(d.key()));
        }
      } catch (IOException e) {
        problems.accept(d.key(), e);
      }
    }
    if (dryRun) {
      return;
    }
    for (Path relative : touchedDirectories) {
      String key = relative.toString();
      try {
        FileStatus source = src.stat(sourceRoot.resolve(relative));
        if (source.kind() == EntryKind.DIRECTORY) {
          dst.setMetadata(targetRoot.resolve(relative), source, owners);
        }
      } catch (NoSuchFileException gone) {
        // the directory left the source too: it is among the deletions
      } catch (IOException e) {
        problems.accept(key, e);
      }
    }
  }

  /**
   * Deletes a name and, for a directory, what it holds, except names the exclude patterns
   * protect and the directories on the way to them; returns whether the name is gone.
   */
  private boolean deleteKeepingExcluded(Path path, String key, FileSystemAccess dst, boolean dryRun)
      throws IOException {
    FileStatus status = excludes.isEmpty() ? null : dst.stat(path);
    if (status == null || status.kind() != EntryKind.DIRECTORY) {
      delete(path, dst, dryRun);
      return true;
    }
    FileSystemAccess.refuseKept(path, status, sourceRoot); // before a single name in it goes
    boolean kept = false;
    try (DirectoryStream<Path> children = dst.newDirectoryStream(path)) {
      for (Path child : children) {
        String childKey = key + "/" + child.getFileName();
        if (excludes.excludes(childKey, isDirectory(dst, child))) {
          kept = true;
        } else {
          kept |= !deleteKeepingExcluded(child, childKey, dst, dryRun);
        }
      }
    }
    if (kept) {
      return false;
    }
    delete(path, dst, dryRun);
    return true;
  }

  private static boolean isDirectory(FileSystemAccess dst, Path path) {
    try {
      return dst.stat(path).kind() == EntryKind.DIRECTORY;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean exists(FileSystemAccess dst, Path path) throws IOException {
    return dst.statIfExists(path) != null;
  }

  /**
   * Deletes a tree through {@code dst}, whose confinement keeps each deletion inside DST, and
   * never the source root itself (see {@link #keep}).
   */
  private void delete(Path path, FileSystemAccess dst, boolean dryRun) throws IOException {
    deleted.add(dst.deleteTree(path, dryRun, sourceRoot));
  }

  /**
   * The source root's identity, which no deletion touches: a source reached inside DST under
   * another name (a bind mount of one of DST's directories) passes the check by path.
   */
  private volatile FileId sourceRoot;

  /** Keeps the source root, known once the walk has looked at it, from every deletion. */
  void keep(FileId sourceRootId) {
    this.sourceRoot = sourceRootId;
  }

  /**
   * Makes this run's index the pair's index.
   *
   * @param clean whether the run had no failure: a deletion that failed leaves a name behind
   */
  void commit(boolean clean) throws IOException {
    index.noteLeftComplete(options.delete() && clean ? deletion() : null);
    index.commit();
  }

  /** Releases the index; what was not committed is dropped. */
  void close() {
    index.close();
  }
}
