package dev.linksafe.index;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.linksafe.model.FileId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * The index of one (source, destination) pair, kept in an H2 MVStore file in the user's cache
 * directory. A run reads the previous index through a bounded Caffeine cache and writes a new
 * one beside it, which replaces the old one by an atomic rename only when the run completes: a
 * killed run leaves the previous index as it was. An index that is missing, damaged, of another
 * version or for another pair is ignored, and the run compares with the destination directly.
 */
public final class MirrorIndex {
  static final String VERSION = "linksafe-index-1";
  /**
   * Times within this span of the moment a record was taken cannot prove a file unchanged: a
   * write in the same clock tick leaves the time as it was (git's "racy clean" problem). Two
   * seconds covers file systems with whole-second (and FAT's two-second) times.
   */
  static final long RACY_WINDOW_NANOS = 2_000_000_000L;

  private MirrorIndex() {}

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

  /** Opens the previous index of a pair for reading, or explains why there is none to use. */
  public static Previous openPrevious(Path file, Path source, Path target) {
    if (!Files.isRegularFile(file)) {
      return Previous.unavailable("no index yet");
    }
    MVStore store = null;
    try {
      store = new MVStore.Builder().fileName(file.toString()).readOnly().cacheSize(8).open();
      MVMap<String, String> meta = store.openMap("meta");
      if (!VERSION.equals(meta.get("version"))) {
        store.close();
        return Previous.unavailable("index of another version (" + meta.get("version") + ")");
      }
      if (!pairKey(source, target).equals(meta.get("pair"))) {
        store.close();
        return Previous.unavailable("index of another source and destination");
      }
      long recordedAt = Long.parseLong(meta.get("recordedAt"));
      return new Previous(store, recordedAt);
    } catch (RuntimeException e) {
      if (store != null) {
        try {
          store.close();
        } catch (RuntimeException ignored) {
          // already damaged
        }
      }
      return Previous.unavailable("index unreadable (" + e.getClass().getSimpleName() + "): it is rebuilt");
    }
  }

  /** Starts the index this run writes; it replaces the previous one at {@link Next#commit()}. */
  public static Next createNext(Path file, Path source, Path target, long recordedAt) throws IOException {
    Files.createDirectories(file.getParent());
    Path temp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(temp);
    MVStore store = new MVStore.Builder().fileName(temp.toString()).cacheSize(8).open();
    MVMap<String, String> meta = store.openMap("meta");
    meta.put("version", VERSION);
    meta.put("pair", pairKey(source, target));
    meta.put("recordedAt", Long.toString(recordedAt));
    return new Next(store, temp, file);
  }

  /** The previous run's index, read through a bounded cache. */
  public static final class Previous implements AutoCloseable {
    private final MVStore store;
    private final MVMap<String, byte[]> entries;
    private final MVMap<String, String> ids;
    private final long recordedAt;
    private final String unavailableReason;
    private final LoadingCache<String, Optional<IndexRecord>> cache;

    private Previous(MVStore store, long recordedAt) {
      this.store = store;
      this.entries = store.openMap("entries");
      this.ids = store.openMap("ids");
      this.recordedAt = recordedAt;
      this.unavailableReason = null;
      this.cache = Caffeine.newBuilder().maximumSize(65_536).build(this::load);
    }

    private Previous(String reason) {
      this.store = null;
      this.entries = null;
      this.ids = null;
      this.recordedAt = 0;
      this.unavailableReason = reason;
      this.cache = null;
    }

    public static Previous unavailable(String reason) {
      return new Previous(reason);
    }

    /** Whether there is a previous index to use. */
    public boolean isAvailable() {
      return store != null;
    }

    /** Why there is none, when there is none. */
    public String unavailableReason() {
      return unavailableReason;
    }

    private Optional<IndexRecord> load(String path) {
      byte[] raw = entries.get(path);
      if (raw == null) {
        return Optional.empty();
      }
      try {
        return Optional.of(IndexRecord.decode(raw));
      } catch (IOException e) {
        return Optional.empty(); // a damaged record costs a direct comparison, nothing more
      }
    }

    /** The record of a relative path ('/' separators), if the previous run saw it. */
    public Optional<IndexRecord> get(String path) {
      if (store == null) {
        return Optional.empty();
      }
      try {
        return cache.get(path);
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }

    /** Where the previous run saw this file object (one of its names, for a group). */
    public Optional<String> pathOf(FileId id) {
      if (store == null) {
        return Optional.empty();
      }
      try {
        return Optional.ofNullable(ids.get(id.toString()));
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }

    /** Whether a record may prove its file unchanged: its time is safely older than the record. */
    public boolean trusted(IndexRecord record) {
      return record.modifiedNanos() < recordedAt - RACY_WINDOW_NANOS
          && record.changedNanos() < recordedAt - RACY_WINDOW_NANOS;
    }

    @Override
    public void close() {
      if (store != null) {
        try {
          store.close();
        } catch (RuntimeException ignored) {
          // read-only: nothing to lose
        }
      }
    }
  }

  /** The index being written by this run. */
  public static final class Next implements AutoCloseable {
    private final MVStore store;
    private final MVMap<String, byte[]> entries;
    private final MVMap<String, String> ids;
    private final Path temp;
    private final Path file;
    private boolean done;

    private Next(MVStore store, Path temp, Path file) {
      this.store = store;
      this.entries = store.openMap("entries");
      this.ids = store.openMap("ids");
      this.temp = temp;
      this.file = file;
    }

    /** Records what this run saw and wrote for a path; safe from any thread. */
    public void put(String path, IndexRecord record) {
      entries.put(path, record.encode());
      ids.put(record.sourceId().toString(), path);
    }

    /** Makes this index the pair's index, atomically. */
    public synchronized void commit() throws IOException {
      if (done) {
        return;
      }
      done = true;
      try {
        store.close();
      } catch (RuntimeException e) {
        Files.deleteIfExists(temp);
        throw new IOException("cannot write the index " + temp + ": " + e.getMessage(), e);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Drops this index; the previous one stays. */
    @Override
    public synchronized void close() {
      if (done) {
        return;
      }
      done = true;
      try {
        store.closeImmediately();
      } catch (RuntimeException ignored) {
        // being thrown away
      }
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
