package dev.linksafe.snapshot;

import dev.linksafe.copy.GroupLocations;
import dev.linksafe.model.FileId;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.StringDataType;

/**
 * Where each snapshot holds the file of each source hard-link group: per snapshot an MVStore
 * file {@code <name>.groups} mapping the group's source identity to one of its paths there.
 * Written while the snapshot is taken, under a temporary name, and put in place before the
 * snapshot is. Like the mirror index it is a cache: a missing or damaged file costs copies of
 * files that gained a name since the previous snapshot, never a wrong link (every candidate is
 * checked as a file at the same path would be).
 */
final class SnapshotGroups implements GroupLocations, AutoCloseable {
  private static final String SUFFIX = ".groups";

  private final MVStore previous;
  private final MVMap<String, String> previousPaths;
  private final MVStore current;
  private final MVMap<String, String> currentPaths;
  private final Path temp;
  private final Path file;

  private SnapshotGroups(MVStore previous, MVStore current, Path temp, Path file) {
    this.previous = previous;
    this.previousPaths = previous == null ? null : paths(previous);
    this.current = current;
    this.currentPaths = current == null ? null : paths(current);
    this.temp = temp;
    this.file = file;
  }

  private static MVMap<String, String> paths(MVStore store) {
    return store.openMap("paths",
        new MVMap.Builder<String, String>().keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE));
  }

  /**
   * Opens the previous snapshot's locations, when it has them, and starts this snapshot's
   * (none when {@code readOnly}, for a dry run).
   *
   * @param previousName the previous snapshot, or null
   */
  static SnapshotGroups open(Path directory, String previousName, String name, boolean readOnly)
      throws IOException {
    MVStore previous = null;
    if (previousName != null && Files.isRegularFile(directory.resolve(previousName + SUFFIX))) {
      try {
        previous = new MVStore.Builder().fileName(directory.resolve(previousName + SUFFIX).toString())
            .cacheSize(1).readOnly().open();
      } catch (RuntimeException e) {
        previous = null; // damaged: the names it would have found are copied
      }
    }
    if (readOnly) {
      return new SnapshotGroups(previous, null, null, null);
    }
    Files.createDirectories(directory);
    Path file = directory.resolve(name + SUFFIX);
    Path temp = directory.resolve(name + SUFFIX + ".tmp");
    Files.deleteIfExists(temp);
    MVStore current = new MVStore.Builder().fileName(temp.toString()).cacheSize(4).open();
    return new SnapshotGroups(previous, current, temp, file);
  }

  /**
   * Removes what belongs to no complete snapshot: the files of removed snapshots and of runs
   * that did not finish.
   */
  static void removeOrphans(Path directory, Set<String> snapshots) throws IOException {
    if (!Files.isDirectory(directory)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path f : files) {
        String n = f.getFileName().toString();
        if (!(n.endsWith(SUFFIX) && snapshots.contains(n.substring(0, n.length() - SUFFIX.length())))) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  /** The file of a snapshot's locations. */
  static Path fileOf(Path directory, String snapshot) {
    return directory.resolve(snapshot + SUFFIX);
  }

  @Override
  public String previousPath(FileId source) {
    try {
      return previousPaths == null ? null : previousPaths.get(source.toString());
    } catch (RuntimeException e) {
      return null;
    }
  }

  @Override
  public void record(FileId source, String path) {
    if (currentPaths != null) {
      currentPaths.put(source.toString(), path);
    }
  }

  /** Puts this snapshot's locations in place; called before the snapshot itself is. */
  void commit() throws IOException {
    if (current == null) {
      return;
    }
    try {
      current.commit();
      current.close();
    } catch (RuntimeException e) {
      throw new IOException("cannot write " + temp + ": " + e.getMessage(), e);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() {
    for (MVStore store : new MVStore[] {previous, current}) {
      if (store != null && !store.isClosed()) {
        try {
          store.closeImmediately();
        } catch (RuntimeException ignored) {
          // read-only, or dropped with its temporary file
        }
      }
    }
    if (temp != null) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // removed as an orphan by the next run
      }
    }
  }
}
