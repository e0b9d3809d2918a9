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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;

/**
 * The index of one (source, destination) pair, an H2 MVStore file in the user's cache
 * directory: per directory the {@link IndexRecord}s of its names ({@link DirectoryRecords}), and
 * per source file identity one of its paths (to find renames).
 *
 * <p>A run that finds a usable index updates it in place and commits once, at the end; MVStore
 * keeps the last commit intact through a crash, so a killed run leaves the previous index as it
 * was. A run that finds none (missing, damaged, of another version or pair) says so, builds a
 * new one under a temporary name with intermediate commits (bounded memory), and renames it into
 * place at the end. Unchanged names cost a read and no write.
 */
public final class MirrorIndex implements AutoCloseable {
  static final String VERSION = "linksafe-index-4";
  /**
   * Times within this span of the moment a record was taken cannot prove a file unchanged: a
   * write in the same clock tick leaves the time as it was (git's "racy clean" problem). Two
   * seconds covers file systems with whole-second (and FAT's two-second) times.
   */
  static final long RACY_WINDOW_NANOS = 2_000_000_000L;

  /**
   * MVStore's page cache for an index that a run reads: a run looks each directory up once, in
   * nearly key order, so each leaf page is wanted for a moment and only the inner pages stay
   * hot. A larger cache only keeps pages alive for the collector to copy (measured on the 100k
   * tree, idle run: 1 MB 1.85-1.90 s, 16 MB 1.98-2.01 s; collector pauses 180 against 270 ms).
   */
  static final int READ_CACHE_MB = 1;
  /**
   * Keys per page (MVStore's default is 48; its split by size does not bite on these pages). A
   * commit writes every page a run changed, whole, and the changes of a nightly run are
   * scattered over the tree: smaller pages write less (measured, 100k tree, 1% of the files
   * changed and 1% renamed: 3.5 MB a run with 4 keys, 5.3 MB with 16, which was already less
   * than 48), so the index is written anew less often (every fifth such run instead of every
   * third; eight runs 17.9 s against 18.7 s); an idle run reads as fast.
   */
  static final int KEYS_PER_PAGE = 4;

  /** The page cache while an index is built: a new index's pages are rewritten as it grows. */
  static final int BUILD_CACHE_MB = 16;

  private final MVStore store;
  /** Per directory ("" for the root) one value holding the records of its names. */
  private final MVMap<String, byte[]> directories;
  /** The records of a directory too large for one value, by relative path. */
  private final MVMap<String, byte[]> named;
  private final MVMap<String, String> ids;
  /**
   * Identity lookups repeat (a group's names, a moved tree): the hot part, cached and bounded.
   * Made on the first lookup: a run in which nothing moved makes none, and building the cache
   * costs about 20 ms of a start-up.
   */
  private volatile LoadingCache<FileId, Optional<String>> pathsById;
  /**
   * The directories this run holds records of: each one the walk is in, and a few more that a
   * removal from outside touched (written back when there are too many, and at the commit).
   */
  private final ConcurrentHashMap<String, DirectoryRecords> open = new ConcurrentHashMap<>();
  private final AtomicInteger detached = new AtomicInteger();
  private final boolean previousAvailable;
  private final String unavailableReason;
  private final Path temp;
  private final Path file;
  private final long recordedNanos;
  private boolean done;

  /** Directories not entered by the walk that may hold records in memory at once. */
  static final int MAX_DETACHED = 64;

  private MirrorIndex(MVStore store, boolean previousAvailable, String unavailableReason, Path temp,
      Path file, long recordedNanos, AtomicReference<String> failure) {
    this.store = store;
    this.failure = failure;
    this.directories = store == null ? null : openBytes(store, "directories");
    this.named = store == null ? null : openBytes(store, "named");
    this.ids = store == null ? null : openStrings(store, "ids");
    this.previousAvailable = previousAvailable;
    this.unavailableReason = unavailableReason;
    this.temp = temp;
    this.file = file;
    this.recordedNanos = recordedNanos;
  }

  // typed maps: strings and byte arrays stored as such, not through Java's generic serialization
  private static MVMap<String, byte[]> openBytes(MVStore store, String name) {
    return store.openMap(name,
        new MVMap.Builder<String, byte[]>().keyType(StringDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
  }

  private static MVStore.Builder builder(Path file, int cacheMegabytes, AtomicReference<String> failure) {
    // a store that cannot write (its volume full) fails in its own writer thread: noted, not printed
    return new MVStore.Builder().fileName(file.toString()).cacheSize(cacheMegabytes).keysPerPage(KEYS_PER_PAGE)
        .backgroundExceptionHandler((thread, e) -> failed(failure, e));
  }

  /**
   * Why the store stopped working during this run (its volume full, say), or null. From then on
   * the index neither proves nor records anything: the run compares with DST directly, and its
   * commit reports the failure instead of writing.
   */
  private final AtomicReference<String> failure;

  /** Records the store's first failure; from then on look-ups and records find nothing to use. */
  public void failed(Throwable e) {
    failed(failure, e);
  }

  private static void failed(AtomicReference<String> failure, Throwable e) {
    failure.compareAndSet(null, rootReason(e));
  }

  private static MVMap<String, String> openStrings(MVStore store, String name) {
    return store.openMap(name,
        new MVMap.Builder<String, String>().keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE));
  }

  /**
   * {@code $XDG_CACHE_HOME/linksafe}, or {@code $HOME/.cache/linksafe} (the home the password
   * database names when HOME is not set), as the launcher keeps its class archive.
   */
  public static Path defaultDirectory() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    String home = System.getenv("HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
        : Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".cache");
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

  /**
   * The pair, by the bytes of its paths: two sources whose names show the same U+FFFD (bytes
   * that are not valid in the name encoding) are two pairs. Such a byte is written as NUL and two
   * hex digits (no path holds a NUL, and the NUL between the two paths is followed by '/'), so
   * that the key is valid text for the digest and the store.
   */
  static String pairKey(Path source, Path target) {
    return keyText(source) + "\u0000" + keyText(target);
  }

  private static String keyText(Path path) {
    return dev.linksafe.platform.RawNames.replaceEscapes(
        dev.linksafe.platform.RawNames.text(path.toAbsolutePath().normalize()), b -> String.format("\u0000%02x", b));
  }

  /** An index that reads nothing and keeps nothing: for a plain copy or a dry run without one. */
  public static MirrorIndex none(String reason) {
    return new MirrorIndex(null, false, reason, null, null, 0, new AtomicReference<>());
  }

  /**
   * Opens the pair's index for this run, which started at {@code recordedNanos}. With
   * {@code readOnly} (a dry run) nothing will be written.
   */
  public static MirrorIndex open(Path file, Path source, Path target, long recordedNanos, boolean readOnly)
      throws IOException {
    String reason = "no index yet";
    AtomicReference<String> failure = new AtomicReference<>();
    if (Files.isRegularFile(file)) {
      MVStore store = null;
      try {
        MVStore.Builder builder = builder(file, READ_CACHE_MB, failure);
        store = (readOnly ? builder.readOnly() : builder.autoCommitDisabled()).open();
        MVMap<String, String> meta = store.openMap("meta");
        if (!VERSION.equals(meta.get("version"))) {
          reason = "index of another version (" + meta.get("version") + ")";
        } else if (!pairKey(source, target).equals(meta.get("pair"))) {
          reason = "index of another source and destination";
        } else {
          return new MirrorIndex(store, true, null, null, file, recordedNanos, failure);
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
    Path temp = temporary(file, "");
    Files.deleteIfExists(temp);
    MVStore store = builder(temp, BUILD_CACHE_MB, failure).open();
    MVMap<String, String> meta = store.openMap("meta");
    meta.put("version", VERSION);
    meta.put("pair", pairKey(source, target));
    return new MirrorIndex(store, false, reason, temp, file, recordedNanos, failure);
  }

  /**
   * Removes the indexes that runs on this pair were writing under a temporary name
   * ({@code <index>.<pid>.tmp} or {@code <index>.<pid>.<what>.tmp}) when they were killed:
   * only those whose process is gone.
   */
  static void removeLeftovers(Path file) {
    String prefix = file.getFileName() + ".";
    try (java.nio.file.DirectoryStream<Path> siblings = Files.newDirectoryStream(file.getParent(), prefix + "*.tmp")) {
      for (Path sibling : siblings) {
        String name = sibling.getFileName().toString();
        String rest = name.substring(prefix.length(), name.length() - ".tmp".length());
        String pid = rest.indexOf('.') < 0 ? rest : rest.substring(0, rest.indexOf('.'));
        if (pid.matches("[0-9]{1,18}") && ProcessHandle.of(Long.parseLong(pid)).isEmpty()) {
          Files.deleteIfExists(sibling);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a leftover costs space, never correctness: the next run tries again
    }
  }

  /** A name beside the index for a file this process writes, to be renamed into place. */
  private static Path temporary(Path file, String what) {
    return file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid()
        + (what.isEmpty() ? "" : "." + what) + ".tmp");
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

  /** Whether the previous run's records are there to use (and the store still works). */
  public boolean isPreviousAvailable() {
    return previousAvailable && failure.get() == null;
  }

  /** Why the previous run's records are not there, when they are not. */
  public String unavailableReason() {
    return unavailableReason;
  }

  /**
   * When the last committed run, which left every destination directory it walked with no name
   * that its source lacked except those {@code deletion} (this run's way of deleting: see
   * {@link #noteLeftComplete}) keeps, made its commit; {@link Long#MIN_VALUE} when it did not
   * (or deleted another way). Only a DST directory unchanged since then (its change time, which
   * no other run or tool can set back, older than this) may skip the listing that finds names
   * to delete: a run without --delete, with other exclude patterns, or with a failure may have
   * left names that this one must remove.
   */
  public long leftComplete(String deletion) {
    if (!previousAvailable) {
      return Long.MIN_VALUE;
    }
    try {
      MVMap<String, String> meta = store.openMap("meta");
      String at = meta.get(LEFT_COMPLETE_AT);
      return deletion.equals(meta.get(LEFT_COMPLETE)) && at != null ? Long.parseLong(at) : Long.MIN_VALUE;
    } catch (RuntimeException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * Records with this run's commit, and the time of it, whether it left every directory with no
   * name its source lacks but those {@code deletion} keeps ({@code null}: it may have left some).
   */
  public void noteLeftComplete(String deletion) {
    if (!isWritable()) {
      return;
    }
    MVMap<String, String> meta = store.openMap("meta");
    if (deletion == null) {
      meta.remove(LEFT_COMPLETE);
      meta.remove(LEFT_COMPLETE_AT);
    } else {
      meta.put(LEFT_COMPLETE, deletion);
      meta.put(LEFT_COMPLETE_AT, Long.toString(nowNanos()));
    }
  }

  private static final String LEFT_COMPLETE = "leftComplete";
  private static final String LEFT_COMPLETE_AT = "leftCompleteAt";

  /** When this run started; records made outside the walk's directories carry it. */
  public long recordedNanos() {
    return recordedNanos;
  }

  /** The wall clock in nanoseconds since the epoch, as file times count. */
  public static long nowNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /**
   * The records of a directory's names, for the walk while it is in that directory; hand them
   * back with {@link #leave} once it is done there.
   *
   * @param directory the directory's relative path ('/' separators, "" for the root)
   */
  public DirectoryRecords enter(String directory) {
    return open.compute(directory, (key, held) -> {
      if (held == null) {
        held = new DirectoryRecords(this, key);
      } else if (!held.entered) {
        detached.decrementAndGet();
      }
      if (!held.entered) {
        held.entered = true;
        held.enteredNanos = nowNanos();
      }
      return held;
    });
  }

  /** Writes back what this run changed in a directory the walk is done with. */
  public void leave(DirectoryRecords records) {
    open.computeIfPresent(records.key(), (key, held) -> {
      held.write();
      return null;
    });
  }

  /**
   * Applies {@code action} to the records of a directory: the walk's own when it is in there,
   * else ones held until there are too many or the commit.
   */
  private void inDirectory(String directory, java.util.function.Consumer<DirectoryRecords> action) {
    open.compute(directory, (key, held) -> {
      if (held == null) {
        held = new DirectoryRecords(this, key);
        detached.incrementAndGet();
      }
      action.accept(held);
      return held;
    });
    if (detached.get() > MAX_DETACHED) {
      writeDetached();
    }
  }

  /** Writes back and lets go the records of every directory the walk is not in. */
  private void writeDetached() {
    for (String key : open.keySet()) {
      open.computeIfPresent(key, (k, held) -> {
        if (held.entered) {
          return held;
        }
        held.write();
        detached.decrementAndGet();
        return null;
      });
    }
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  /** The last name of a relative path ('/' separators). */
  public static String nameOf(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The previous record of a relative path ('/' separators), or this run's. */
  public Optional<IndexRecord> get(String path) {
    if (!previousAvailable) {
      return Optional.empty();
    }
    DirectoryRecords held = open.get(parentOf(path));
    return Optional.ofNullable((held != null ? held : new DirectoryRecords(this, parentOf(path))).get(nameOf(path)));
  }

  /** Records what this run saw and wrote for a path, outside the walk's own directories. */
  public void put(String path, IndexRecord record) {
    if (isWritable()) {
      inDirectory(parentOf(path), held -> held.put(nameOf(path), record));
    }
  }

  /** Where the previous run saw this file object (one of its names, for a group). */
  public Optional<String> pathOf(FileId id) {
    if (!previousAvailable) {
      return Optional.empty();
    }
    try {
      return pathsById().get(id);
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private LoadingCache<FileId, Optional<String>> pathsById() {
    LoadingCache<FileId, Optional<String>> cache = pathsById;
    if (cache == null) {
      synchronized (this) {
        cache = pathsById;
        if (cache == null) {
          cache = Caffeine.newBuilder().maximumSize(16_384)
              .build(id -> Optional.ofNullable(ids == null ? null : ids.get(id.toString())));
          pathsById = cache;
        }
      }
    }
    return cache;
  }

  /** Drops what the cache holds for {@code id}; a cache not yet made holds nothing. */
  private void invalidate(FileId id) {
    LoadingCache<FileId, Optional<String>> cache = pathsById;
    if (cache != null) {
      cache.invalidate(id);
    }
  }

  /** Whether a record may prove its file unchanged: its times are safely older than the record. */
  public static boolean trusted(IndexRecord record) {
    long limit = record.recordedNanos() - RACY_WINDOW_NANOS;
    return record.modifiedNanos() < limit && record.changedNanos() < limit;
  }

  /** Forgets a path and everything below it (deleted at the destination). */
  public void remove(String path) {
    remove(path, true);
  }

  /**
   * Forgets the records of a path and everything below it that the destination renamed
   * elsewhere, but not where their files are: the walk records them again at their new paths,
   * which takes their identity entries there (and each forgetting cost a walk down the identity
   * map: most of what a rename cost).
   */
  public void removeMoved(String path) {
    remove(path, false);
  }

  private void remove(String path, boolean identities) {
    if (!isWritable()) {
      return;
    }
    boolean[] mayHoldNames = {true};
    inDirectory(parentOf(path), held -> mayHoldNames[0] = held.remove(nameOf(path), identities));
    if (!mayHoldNames[0]) {
      return; // a file's or link's record: nothing lies below it (a rename costs no more look-ups)
    }
    forgetDirectory(path, identities);
    String prefix = path + "/";
    // what lies below is never entered again by this run: the walk has left it, or never will;
    // from the prefix on, as "a/b c" sorts between "a/b" and "a/b/"
    for (Iterator<String> keys = directories.keyIterator(prefix); keys.hasNext(); ) {
      String key = keys.next();
      if (!key.startsWith(prefix)) {
        break;
      }
      forgetDirectory(key, identities);
    }
    for (String key : open.keySet()) {
      if (key.startsWith(prefix)) {
        forgetDirectory(key, identities); // held by this run and not written yet
      }
    }
    for (Iterator<String> keys = named.keyIterator(prefix); keys.hasNext(); ) {
      String key = keys.next();
      if (!key.startsWith(prefix)) {
        break;
      }
      byte[] raw = named.remove(key);
      if (raw != null && identities) {
        forgetIdentity(raw, 0, raw.length, key);
      }
    }
  }

  /** Drops the value of a directory's names and, with {@code identities}, the identity entries that name them. */
  private void forgetDirectory(String key, boolean identities) {
    DirectoryRecords held = open.remove(key);
    if (held != null) {
      if (!held.entered) {
        detached.decrementAndGet();
      }
      if (identities) {
        held.forEachUnwritten((name, raw) -> forgetIdentity(raw, 0, raw.length, held.pathOf(name)));
      }
    }
    byte[] value = directories.remove(key);
    if (!identities) {
      return;
    }
    try {
      DirectoryRecords.forEachIn(value, (name, raw) -> forgetIdentity(raw, 0, raw.length,
          DirectoryRecords.pathOf(key, name)));
    } catch (IOException e) {
      // a damaged value: its identity entries are harmless, a move must match size and time too
    }
  }

  /** Forgets a path's own record, keeping those below it. */
  public void removeOne(String path) {
    if (isWritable()) {
      inDirectory(parentOf(path), held -> held.remove(nameOf(path), true));
    }
  }

  // ---- for DirectoryRecords

  /** Whether this run's records are kept (not a dry run, an index that could not be made, or a failed store). */
  public boolean isWritable() {
    return store != null && !store.isReadOnly() && failure.get() == null;
  }

  byte[] directoryValue(String directory) {
    return directories.get(directory);
  }

  void putDirectoryValue(String directory, byte[] value) {
    directories.put(directory, value);
  }

  void removeDirectoryValue(String directory) {
    directories.remove(directory);
  }

  byte[] namedRecord(String path) {
    return named.get(path);
  }

  /** Returns the record it replaces, or null. */
  byte[] putNamed(String path, byte[] record) {
    return named.put(path, record);
  }

  byte[] removeNamed(String path) {
    return named.remove(path);
  }

  /** Keeps where a record's source file object is, to find it there if it moves. */
  void noteIdentity(String path, IndexRecord record) {
    ids.put(record.sourceId().toString(), path);
    invalidate(record.sourceId());
  }

  /** Drops the identity-to-path entry of a removed record, if it still names that path. */
  void forgetIdentity(byte[] raw, int offset, int length, String path) {
    try {
      FileId id = IndexRecord.decode(raw, offset, length).sourceId();
      if (path.equals(ids.get(id.toString()))) {
        ids.remove(id.toString());
        invalidate(id);
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
    if (failure.get() != null) {
      close(); // the previous index stays as it was; a new one is not kept
      throw new IOException("cannot write the index " + file + ": " + failure.get());
    }
    done = true;
    Path written = temp;
    try {
      for (DirectoryRecords held : open.values()) {
        held.write(); // the walk is over: only ones a removal from outside touched are left
      }
      open.clear();
      store.commit();
      // a new index is always written anew: see rewrite()
      if (temp != null || store.getFileStore().getChunksFillRate() < MIN_FILL_PERCENT) {
        written = rewrite();
        if (temp != null) {
          Files.deleteIfExists(temp);
        }
      } else {
        store.close();
      }
    } catch (IOException | RuntimeException e) {
      closeQuietly(store);
      if (written != null) {
        Files.deleteIfExists(written);
      }
      if (temp != null) {
        Files.deleteIfExists(temp);
      }
      throw new IOException("cannot write the index " + (written != null ? written : file) + ": " + rootReason(e), e);
    }
    if (written != null) {
      Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
    Files.deleteIfExists(runningMarker(file));
  }

  /** What the store's nested exceptions come down to: the deepest one's message (no space left, say). */
  private static String rootReason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root instanceof Exception r && root != e ? dev.linksafe.model.Problem.reason(r)
        : String.valueOf(e.getMessage());
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

  /**
   * Copies the committed index into a new file beside it, returned to be renamed into place.
   * Also the last step of building an index: the build's intermediate commits leave its pages
   * scattered and partly old (100k tree: 17.9 MB at 83% live, where a copy takes 15.6 MB), and
   * the first runs with changes after it then wrote more than twice as much as later ones
   * (7.2 MB against 3.2 MB), writing the whole index anew at the third. The first run, a whole
   * copy, takes the copy's half second instead.
   */
  private Path rewrite() {
    Path fresh = temporary(file, "copy");
    try {
      Files.deleteIfExists(fresh);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    MVStore copy = builder(fresh, BUILD_CACHE_MB, failure).open();
    try {
      MVMap<String, String> meta = store.openMap("meta");
      copy.<String, String>openMap("meta").putAll(meta);
      copyAll(directories, openBytes(copy, "directories"));
      copyAll(named, openBytes(copy, "named"));
      copyAll(ids, openStrings(copy, "ids"));
      copy.commit();
      copy.close();
      store.close();
      return fresh;
    } catch (RuntimeException e) {
      closeQuietly(copy);
      try {
        Files.deleteIfExists(fresh);
      } catch (IOException ignored) {
        // a leftover of this process: the next run removes it
      }
      throw e;
    }
  }

  /** Copies a map in key order, each value read where the walk over the pages finds it. */
  private static <K, V> void copyAll(MVMap<K, V> from, MVMap<K, V> to) {
    for (org.h2.mvstore.Cursor<K, V> cursor = from.cursor(null); cursor.hasNext(); ) {
      K key = cursor.next();
      to.put(key, cursor.getValue());
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
