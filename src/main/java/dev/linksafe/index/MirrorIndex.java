package dev.linksafe.index;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.linksafe.model.FileId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;

/**
 * The index of one (source, destination) pair, an H2 MVStore file in the user's cache
 * directory: per relative path an {@link IndexRecord}, and per source file identity one of its
 * paths (to find renames).
 *
 * <p>A run that finds a usable index updates it in place and commits once, at the end; MVStore
 * keeps the last commit intact through a crash, so a killed run leaves the previous index as it
 * was. A run that finds none (missing, damaged, of another version or pair) says so, builds a
 * new one under a temporary name with intermediate commits (bounded memory), and renames it into
 * place at the end. Unchanged names cost a read and no write.
 */
public final class MirrorIndex implements AutoCloseable {
  static final String VERSION = "linksafe-index-3";
  /**
   * Times within this span of the moment a record was taken cannot prove a file unchanged: a
   * write in the same clock tick leaves the time as it was (git's "racy clean" problem). Two
   * seconds covers file systems with whole-second (and FAT's two-second) times.
   */
  static final long RACY_WINDOW_NANOS = 2_000_000_000L;

  /**
   * MVStore's page cache for an index that a run reads: a run looks each path up once, in
   * nearly key order, so each leaf page is wanted for a moment and only the inner pages stay
   * hot. A larger cache only keeps pages alive for the collector to copy (measured on the 100k
   * tree, idle run: 1 MB 1.85-1.90 s, 16 MB 1.98-2.01 s; collector pauses 180 against 270 ms).
   */
  static final int READ_CACHE_MB = 1;
  /**
   * Keys per page (MVStore's default is 48). A commit writes every page a run changed, whole,
   * and the changes of a nightly run are scattered over the tree: smaller pages write less
   * (measured, 100k tree, 1% of the files changed and 1% renamed: 3.0 MiB a run against
   * 4.7-5.1 MiB), so the index is written anew less often; an idle run reads the same records
   * (within 2%).
   */
  static final int KEYS_PER_PAGE = 16;

  /** The page cache while an index is built: a new index's pages are rewritten as it grows. */
  static final int BUILD_CACHE_MB = 16;

  private final MVStore store;
  private final MVMap<String, byte[]> entries;
  private final MVMap<String, String> ids;
  /** Identity lookups repeat (a group's names, a moved tree): the hot part, cached and bounded. */
  private final LoadingCache<FileId, Optional<String>> pathsById;
  private final boolean previousAvailable;
  private final String unavailableReason;
  private final Path temp;
  private final Path file;
  private final long recordedNanos;
  private boolean done;

  private MirrorIndex(MVStore store, boolean previousAvailable, String unavailableReason, Path temp,
      Path file, long recordedNanos) {
    this.store = store;
    // typed maps: strings and byte arrays stored as such, not through Java's generic serialization
    this.entries = store == null ? null : store.openMap("entries",
        new MVMap.Builder<String, byte[]>().keyType(StringDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
    this.ids = store == null ? null : store.openMap("ids",
        new MVMap.Builder<String, String>().keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE));
    this.pathsById = Caffeine.newBuilder().maximumSize(16_384)
        .build(id -> Optional.ofNullable(ids == null ? null : ids.get(id.toString())));
    this.previousAvailable = previousAvailable;
    this.unavailableReason = unavailableReason;
    this.temp = temp;
    this.file = file;
    this.recordedNanos = recordedNanos;
  }

  /** {@code $XDG_CACHE_HOME/linksafe}, or {@code ~/.cache/linksafe}. */
  public static Path defaultDirectory() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("linksafe");
  }

  /** The index file of a pair: named by a digest of the two real paths. */
  public static Path location(Path directory, Path source, Path target) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(pairKey(source, target).getBytes(StandardCharsets.UTF_8));
      return directory.resolve(HexFormat.of().formatHex(sha.digest(), 0, 12) + ".index");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  static String pairKey(Path source, Path target) {
    return source.toAbsolutePath().normalize() + "\u0000" + target.toAbsolutePath().normalize();
  }

  /** An index that reads nothing and keeps nothing: for a plain copy or a dry run without one. */
  public static MirrorIndex none(String reason) {
    return new MirrorIndex(null, false, reason, null, null, 0);
  }

  /**
   * Opens the pair's index for this run, which started at {@code recordedNanos}. With
   * {@code readOnly} (a dry run) nothing will be written.
   */
  public static MirrorIndex open(Path file, Path source, Path target, long recordedNanos, boolean readOnly)
      throws IOException {
    String reason = "no index yet";
    if (Files.isRegularFile(file)) {
      MVStore store = null;
      try {
        MVStore.Builder builder = new MVStore.Builder().fileName(file.toString()).cacheSize(READ_CACHE_MB).keysPerPage(KEYS_PER_PAGE);
        store = (readOnly ? builder.readOnly() : builder.autoCommitDisabled()).open();
        MVMap<String, String> meta = store.openMap("meta");
        if (!VERSION.equals(meta.get("version"))) {
          reason = "index of another version (" + meta.get("version") + ")";
        } else if (!pairKey(source, target).equals(meta.get("pair"))) {
          reason = "index of another source and destination";
        } else {
          return new MirrorIndex(store, true, null, null, file, recordedNanos);
        }
      } catch (RuntimeException e) {
        reason = "index unreadable (" + e.getClass().getSimpleName() + ")";
      }
      closeQuietly(store);
    }
    if (readOnly) {
      return none(reason);
    }
    Files.createDirectories(file.getParent());
    removeLeftovers(file);
    Path temp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(temp);
    MVStore store = new MVStore.Builder().fileName(temp.toString()).cacheSize(BUILD_CACHE_MB).keysPerPage(KEYS_PER_PAGE).open();
    MVMap<String, String> meta = store.openMap("meta");
    meta.put("version", VERSION);
    meta.put("pair", pairKey(source, target));
    return new MirrorIndex(store, false, reason, temp, file, recordedNanos);
  }

  /**
   * Removes the indexes that runs on this pair were writing under a temporary name
   * ({@code <index>.<pid>.tmp}) when they were killed: only those whose process is gone.
   */
  static void removeLeftovers(Path file) {
    String prefix = file.getFileName() + ".";
    try (java.nio.file.DirectoryStream<Path> siblings = Files.newDirectoryStream(file.getParent(), prefix + "*.tmp")) {
      for (Path sibling : siblings) {
        String name = sibling.getFileName().toString();
        String pid = name.substring(prefix.length(), name.length() - ".tmp".length());
        if (pid.matches("[0-9]{1,18}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
          Files.deleteIfExists(sibling);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a leftover costs space, never correctness: the next run tries again
    }
  }

  private static void closeQuietly(MVStore store) {
    if (store != null) {
      try {
        store.closeImmediately();
      } catch (RuntimeException ignored) {
        // already damaged or read-only
      }
    }
  }

  /**
   * Whether the last run on this pair did not finish (it was killed, or failed), so that the
   * destination may hold its temporary files. Known from a marker that a run leaves beside the
   * index while it works.
   */
  public static boolean lastRunUnfinished(Path file) {
    return Files.exists(runningMarker(file));
  }

  /** Marks a run on this pair as under way; {@link #commit()} removes the mark. */
  public static void markRunning(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(runningMarker(file), Long.toString(ProcessHandle.current().pid()));
  }

  static Path runningMarker(Path file) {
    return file.resolveSibling(file.getFileName() + ".running");
  }

  /** Whether the previous run's records are there to use. */
  public boolean isPreviousAvailable() {
    return previousAvailable;
  }

  /** Why the previous run's records are not there, when they are not. */
  public String unavailableReason() {
    return unavailableReason;
  }

  /** When this run started; its records carry it. */
  public long recordedNanos() {
    return recordedNanos;
  }

  /**
   * The previous record of a relative path ('/' separators). Read straight from the store: each
   * path is read once a run, so a cache in front would only cost (measured: 2x the lookup time).
   */
  public Optional<IndexRecord> get(String path) {
    if (!previousAvailable) {
      return Optional.empty();
    }
    try {
      byte[] raw = entries.get(path);
      return raw == null ? Optional.empty() : Optional.of(IndexRecord.decode(raw));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // a damaged record costs a direct comparison, nothing more
    }
  }

  /** Where the previous run saw this file object (one of its names, for a group). */
  public Optional<String> pathOf(FileId id) {
    if (!previousAvailable) {
      return Optional.empty();
    }
    try {
      return pathsById.get(id);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Whether a record may prove its file unchanged: its times are safely older than the record. */
  public static boolean trusted(IndexRecord record) {
    long limit = record.recordedNanos() - RACY_WINDOW_NANOS;
    return record.modifiedNanos() < limit && record.changedNanos() < limit;
  }

  /** Records what this run saw and wrote for a path; safe from any thread. */
  public void put(String path, IndexRecord record) {
    if (store == null || store.isReadOnly()) {
      return;
    }
    entries.put(path, record.encode());
    String id = record.sourceId().toString();
    // a file changed in place keeps its identity and path: an equal write would still make
    // its page part of the commit (about a third of what a run of small changes writes)
    if (!previousAvailable || !path.equals(ids.get(id))) {
      ids.put(id, path);
      pathsById.invalidate(record.sourceId());
    }
  }

  /** Forgets a path and everything below it (deleted at the destination). */
  public void remove(String path) {
    if (store == null || store.isReadOnly()) {
      return;
    }
    byte[] removed = entries.remove(path);
    forgetIdentity(removed, path);
    String prefix = path + "/";
    Iterator<String> keys = entries.keyIterator(prefix);
    while (keys.hasNext()) {
      String key = keys.next();
      if (!key.startsWith(prefix)) {
        break;
      }
      forgetIdentity(entries.remove(key), key);
    }
  }

  /** Forgets a path's own record, keeping those below it. */
  public void removeOne(String path) {
    if (store == null || store.isReadOnly()) {
      return;
    }
    forgetIdentity(entries.remove(path), path);
  }

  /** Drops the identity-to-path entry of a removed record, if it still names that path. */
  private void forgetIdentity(byte[] raw, String path) {
    if (raw == null) {
      return;
    }
    try {
      FileId id = IndexRecord.decode(raw).sourceId();
      if (path.equals(ids.get(id.toString()))) {
        ids.remove(id.toString());
        pathsById.invalidate(id);
      }
    } catch (IOException e) {
      // a damaged record: its identity entry is harmless, a move must match size and time too
    }
  }

  /** Makes this run's records the pair's index, atomically. */
  public synchronized void commit() throws IOException {
    if (done || store == null || store.isReadOnly()) {
      return;
    }
    done = true;
    Path written = temp;
    try {
      store.commit();
      if (temp == null && store.getFileStore().getChunksFillRate() < MIN_FILL_PERCENT) {
        written = rewrite();
      } else {
        store.close();
      }
    } catch (RuntimeException e) {
      closeQuietly(store);
      if (written != null) {
        Files.deleteIfExists(written);
      }
      throw new IOException("cannot write the index " + (written != null ? written : file) + ": " + e.getMessage(), e);
    }
    if (written != null) {
      Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.deleteIfExists(runningMarker(file));
  }

  /**
   * Below this share of live data in its chunks, an index updated in place is written anew:
   * MVStore appends each commit's changes and this short-lived process never gives it the
   * time to compact, so the file would grow run after run (measured: 192 MB for 14 MB of
   * records after some forty runs). At half, the file stays within about four times a fresh
   * one (a quarter let it reach eight); with 1% of a tree changing a night, that is one
   * rewrite every few nights.
   */
  static final int MIN_FILL_PERCENT = 50;

  /** Copies the committed index into a new file beside it, returned to be renamed into place. */
  private Path rewrite() {
    Path fresh = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    try {
      Files.deleteIfExists(fresh);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    MVStore copy = new MVStore.Builder().fileName(fresh.toString()).cacheSize(BUILD_CACHE_MB).keysPerPage(KEYS_PER_PAGE).open();
    try {
      MVMap<String, String> meta = store.openMap("meta");
      copy.<String, String>openMap("meta").putAll(meta);
      MVMap<String, byte[]> copiedEntries = copy.openMap("entries",
          new MVMap.Builder<String, byte[]>().keyType(StringDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
      // in key order, each record read where the walk over the pages finds it
      for (org.h2.mvstore.Cursor<String, byte[]> records = entries.cursor(null); records.hasNext(); ) {
        String key = records.next();
        copiedEntries.put(key, records.getValue());
      }
      MVMap<String, String> copiedIds = copy.openMap("ids",
          new MVMap.Builder<String, String>().keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE));
      copiedIds.putAll(ids);
      copy.commit();
      copy.close();
      store.close();
      return fresh;
    } catch (RuntimeException e) {
      closeQuietly(copy);
      throw e;
    }
  }

  /** Releases the index; what was not committed is dropped, and the previous index stays. */
  @Override
  public synchronized void close() {
    if (done || store == null) {
      return;
    }
    done = true;
    if (!store.isReadOnly() && temp == null) {
      try {
        store.rollback();
      } catch (RuntimeException ignored) {
        // closing without commit drops the changes anyway
      }
    }
    closeQuietly(store);
    if (temp != null) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // a leftover temporary index is replaced by the next run's
      }
    }
  }
}
