package dev.linksafe.copy;

import dev.linksafe.index.IndexRecord;
import dev.linksafe.index.MirrorIndex;
import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.plan.Planner;
import dev.linksafe.platform.FileSystemAccess;
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
  private final java.util.Queue<String> pendingDeletions = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** Destination directories whose times a late rename or deletion changed after they were set. */
  private final Set<String> touchedDirectories = ConcurrentHashMap.newKeySet();

  private final boolean mayHoldLeftovers;

  /**
   * @param mayHoldLeftovers whether the destination may hold temporary files of an unfinished
   *     run, to be looked for in every directory the run enters
   */
  MirrorState(MirrorOptions options, MirrorIndex index, boolean mayHoldLeftovers) {
    this.options = options;
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
    return index.unavailableReason() + ": comparing with the destination directly; the index is rebuilt";
  }

  boolean deletes() {
    return options.delete();
  }

  boolean checksums() {
    return options.checksum();
  }

  /**
   * The previous record of an entry when it proves the entry unchanged: same identity, size,
   * times, link count and target, and old enough not to be racily clean. Never with --checksum.
   */
  Optional<IndexRecord> unchanged(Entry entry, String key) {
    if (!index.isPreviousAvailable() || options.checksum() || entry.reparsePoint() != null) {
      return Optional.empty();
    }
    String target = entry.symlink() == null ? null : entry.symlink().target();
    return index.get(key).filter(r -> MirrorIndex.trusted(r) && r.matches(entry.status(), target));
  }

  /** Records what this run saw and left for an entry. */
  void record(String key, Entry entry, FileId destinationId) {
    String target = entry.symlink() == null ? null : entry.symlink().target();
    index.put(key, IndexRecord.of(entry.status(), target, destinationId, index.recordedNanos()));
  }

  /** An unchanged name: its record stands, unless it is a new index being built from scratch. */
  void recordUnchanged(String key, IndexRecord record) {
    if (!index.isPreviousAvailable()) {
      index.put(key, record);
    }
  }

  /** Drops the records of a path and what lies below it. */
  void forget(String key) {
    index.remove(key);
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
  Optional<Path> movedFrom(Entry entry, String key, Path sourceRoot, Path targetRoot,
      FileSystemAccess src, FileSystemAccess dst) {
    // a rename removes the old name, which only --delete may do; a run without the index would
    // copy the new name and keep the old one
    if (!options.delete() || !index.isPreviousAvailable() || entry.status().isHardLinked()
        || entry.reparsePoint() != null) {
      return Optional.empty();
    }
    Optional<String> old = index.pathOf(entry.id()).filter(p -> !p.equals(key));
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
      FileId written = index.get(old.get()).map(IndexRecord::destinationId).orElse(null);
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

  /** Notes that a name left this destination directory after the directory was finished. */
  void touched(String key) {
    int slash = key.lastIndexOf('/');
    touchedDirectories.add(slash < 0 ? "" : key.substring(0, slash));
  }

  /**
   * Finds in a destination directory the names its source directory no longer has, except
   * excluded ones and ones the walk could not read, to be deleted by {@link #finish}.
   *
   * @param directoryKey the directory's relative path ("" for the root)
   * @param seen the names the source directory has
   */
  void deleteExtras(FileSystemAccess dst, Path directory, String directoryKey, Set<String> seen,
      ExcludeFilter excludes, boolean folding) throws IOException {
    try (DirectoryStream<Path> children = dst.newDirectoryStream(directory)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        String key = directoryKey.isEmpty() ? name : directoryKey + "/" + name;
        // where DST ignores case it may show a name in another case than the source has it
        if (seen.contains(folding ? CaseFolding.fold(name) : name) || unreadable.contains(key) || name.indexOf('\uFFFD') >= 0) {
          // names the source could not show (bytes not valid in the name encoding) are kept
          continue;
        }
        if (!excludes.isEmpty() && excludes.excludes(key, isDirectory(dst, child))) {
          continue;
        }
        pendingDeletions.add(key);
      }
    }
  }

  /**
   * After the walk: deletes what is still there of the names found gone (renames took theirs),
   * then sets again the times of the destination directories that this changed.
   */
  void finish(Path sourceRoot, Path targetRoot, FileSystemAccess src, FileSystemAccess dst,
      boolean owners, boolean dryRun, java.util.function.BiConsumer<String, IOException> problems) {
    for (String key : pendingDeletions) {
      Path path = targetRoot.resolve(key);
      try {
        if (exists(dst, path)) {
          delete(path, dst, dryRun);
          touched(key);
        }
        if (!dryRun) {
          index.remove(key);
        }
      } catch (IOException e) {
        problems.accept(key, e);
      }
    }
    if (dryRun) {
      return;
    }
    for (String key : touchedDirectories) {
      try {
        FileStatus source = src.stat(key.isEmpty() ? sourceRoot : sourceRoot.resolve(key));
        if (source.kind() == EntryKind.DIRECTORY) {
          dst.setMetadata(key.isEmpty() ? targetRoot : targetRoot.resolve(key), source, owners);
        }
      } catch (NoSuchFileException gone) {
        // the directory left the source too: it is among the deletions
      } catch (IOException e) {
        problems.accept(key, e);
      }
    }
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

  /** Deletes a tree through {@code dst}, whose confinement keeps each deletion inside DST. */
  private void delete(Path path, FileSystemAccess dst, boolean dryRun) throws IOException {
    deleted.add(dst.deleteTree(path, dryRun));
  }

  /** Makes this run's index the pair's index. */
  void commit() throws IOException {
    index.commit();
  }

  /** Releases the index; what was not committed is dropped. */
  void close() {
    index.close();
  }
}
