package dev.linksafe.index;

import dev.linksafe.model.FileId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The records of one directory's names for one run: what the previous run left (one stored
 * value, read on the first look-up) and what this run changed (written back as one value when
 * the directory is left). One look-up in the store serves the whole directory, and a name is
 * compared as a name, not as a whole path.
 *
 * <p>A directory of more than {@link #SPLIT_LIMIT} names, or whose value would pass
 * {@link #SPLIT_BYTES} (long symlink targets), is kept name by name instead (its value says so),
 * so that neither a look-up nor a run's changes ever hold more than that of one directory in
 * memory. Safe from any thread: a directory's names are visited in
 * parallel.
 */
public final class DirectoryRecords {
  /**
   * Above this many names a directory's records are stored one by one, keyed by path. At about
   * 35 bytes a record the largest single value is about 600 KB; below it a name costs a binary
   * search in the loaded value, above it a look-up by whole path in the store's tree.
   */
  static final int SPLIT_LIMIT = 16_384;
  /** Above this many bytes too (records with symlink targets of up to 4 KB each). */
  static final int SPLIT_BYTES = 1 << 20;
  private static final byte VALUE_WHOLE = 1;
  private static final byte VALUE_SPLIT = 2;
  /** A name this run removed (an empty array is never an encoded record). */
  private static final byte[] REMOVED = new byte[0];

  private final MirrorIndex index;
  /** The directory's relative path ('/' separators, "" for the root). */
  private final String key;
  /** Whether the walk has entered the directory (else a removal from outside made this). */
  boolean entered;
  /** When the walk entered it: before it listed the directory and looked at any of its names. */
  long enteredNanos;

  private boolean loaded;
  private boolean split;
  /** The previous value and, parsed from it, its names in order and where each record lies. */
  private byte[] value;
  private String[] names;
  private int[] offsets;
  private int[] lengths;
  /** This run's records by name ({@link #REMOVED} for a name that went), at most SPLIT_LIMIT. */
  private final Map<String, byte[]> changes = new HashMap<>();
  /** The bytes of the records in {@link #changes}, counted as they come (an upper bound). */
  private long changedBytes;

  DirectoryRecords(MirrorIndex index, String key) {
    this.index = index;
    this.key = key;
  }

  /** The directory's relative path ('/' separators, "" for the root). */
  public String key() {
    return key;
  }

  /**
   * The time a record of one of its names carries: when the walk entered the directory, which
   * comes before the look at the name that the record keeps. Later than the run's start, it
   * lets the racily-clean rule trust a name sooner; a name changed after the look has a time
   * no older than this (less a clock tick, which the rule's window covers).
   */
  public long recordedNanos() {
    return entered ? enteredNanos : index.recordedNanos();
  }

  /** The path of one of its names, as the identity map and a split directory's records know it. */
  String pathOf(String name) {
    return pathOf(key, name);
  }

  /** The path of {@code name} in the directory {@code directory} ("" for the root). */
  public static String pathOf(String directory, String name) {
    return directory.isEmpty() ? name : directory + "/" + name;
  }

  /**
   * The previous run's record of a name, or this run's when it has written one; null when there
   * is none (no Optional: this is asked once for each of a walk's names).
   */
  public synchronized IndexRecord get(String name) {
    if (!index.isPreviousAvailable()) {
      return null;
    }
    try {
      load();
      if (split) {
        byte[] raw = index.namedRecord(pathOf(name));
        return raw == null ? null : IndexRecord.decode(raw, 0, raw.length);
      }
      byte[] changed = changes.get(name);
      if (changed != null) {
        return changed == REMOVED ? null : IndexRecord.decode(changed, 0, changed.length);
      }
      int at = names == null ? -1 : Arrays.binarySearch(names, name);
      return at < 0 ? null : IndexRecord.decode(value, offsets[at], lengths[at]);
    } catch (IOException | RuntimeException e) {
      return null; // a damaged record costs a direct comparison, nothing more
    }
  }

  /**
   * The name the previous run saw {@code sourceId} under in this directory, if this run has not
   * changed that name's record since; null when none (or the directory is kept name by name).
   * Most moves are renames within a directory: this finds them from the records in memory,
   * where the identity map costs a walk down its tree (a few page reads, cold) per look-up.
   */
  public synchronized String previousNameOf(FileId sourceId) {
    if (!index.isPreviousAvailable()) {
      return null;
    }
    load();
    if (split || names == null) {
      return null;
    }
    if (namesById == null) {
      namesById = new HashMap<>();
      for (int i = 0; i < names.length; i++) {
        try {
          namesById.putIfAbsent(IndexRecord.decode(value, offsets[i], lengths[i]).sourceId(), names[i]);
        } catch (IOException e) {
          // a damaged record: its file is found through the identity map, or copied
        }
      }
    }
    String name = namesById.get(sourceId);
    return name == null || changes.containsKey(name) ? null : name;
  }

  /** The previous value's names by source identity, made on the first {@link #previousNameOf}. */
  private Map<FileId, String> namesById;

  /** Records what this run saw and wrote for a name. */
  public synchronized void put(String name, IndexRecord record) {
    if (!index.isWritable()) {
      return;
    }
    byte[] encoded = record.encode();
    load();
    byte[] before;
    if (split) {
      before = index.putNamed(pathOf(name), encoded);
    } else {
      before = changes.put(name, encoded);
      changedBytes += name.length() + encoded.length;
      if (before == null) {
        before = previous(name);
      }
      if (changes.size() > SPLIT_LIMIT || changedBytes > SPLIT_BYTES) {
        spill();
      }
    }
    // the identity map already leads to a name that keeps its file: looking that up for every
    // record a run writes read pages of the map all over (a third of the index reads of a run)
    if (!sameSource(before, record)) {
      index.noteIdentity(pathOf(name), record);
    }
  }

  private static boolean sameSource(byte[] before, IndexRecord record) {
    try {
      return before != null && before != REMOVED
          && IndexRecord.decode(before, 0, before.length).sourceId().equals(record.sourceId());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Forgets a name's own record, and with {@code identity} its identity entry; returns whether
   * it may have had names below it (it was a directory's, or there was none to tell).
   */
  synchronized boolean remove(String name, boolean identity) {
    if (!index.isWritable()) {
      return true;
    }
    load();
    byte[] removed;
    if (split) {
      removed = index.removeNamed(pathOf(name));
    } else {
      byte[] changed = changes.put(name, REMOVED);
      removed = changed != null ? changed : previous(name);
    }
    if (removed == null || removed == REMOVED) {
      return true;
    }
    if (identity) {
      index.forgetIdentity(removed, 0, removed.length, pathOf(name));
    }
    try {
      return IndexRecord.decode(removed, 0, removed.length).kind() == dev.linksafe.model.EntryKind.DIRECTORY;
    } catch (IOException e) {
      return true;
    }
  }

  private byte[] previous(String name) {
    int at = names == null ? -1 : Arrays.binarySearch(names, name);
    return at < 0 ? null : Arrays.copyOfRange(value, offsets[at], offsets[at] + lengths[at]);
  }

  /** Reads the previous value on first need; a damaged one counts as none. */
  private void load() {
    if (loaded) {
      return;
    }
    loaded = true;
    byte[] raw = index.isPreviousAvailable() ? index.directoryValue(key) : null;
    if (raw == null || raw.length == 0) {
      return;
    }
    if (isSplit(raw)) {
      split = true;
      return;
    }
    try {
      parse(raw);
    } catch (IOException e) {
      value = null;
      names = null; // its records cost a direct comparison, nothing more
    }
  }

  /** Reads a stored value; any damage is an IOException, whoever reads it. */
  private void parse(byte[] raw) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(raw);
    try {
      if (in.get() != VALUE_WHOLE) {
        throw new IOException("directory record of an unknown kind");
      }
      int count = in.getInt();
      if (count < 0 || count > SPLIT_LIMIT) {
        throw new IOException("directory record of " + count + " names");
      }
      String[] parsedNames = new String[count];
      int[] parsedOffsets = new int[count];
      int[] parsedLengths = new int[count];
      for (int i = 0; i < count; i++) {
        int nameLength = in.getShort() & 0xffff;
        parsedNames[i] = new String(raw, in.position(), nameLength, StandardCharsets.UTF_8);
        in.position(in.position() + nameLength);
        parsedLengths[i] = in.getShort() & 0xffff;
        parsedOffsets[i] = in.position();
        in.position(in.position() + parsedLengths[i]);
      }
      value = raw;
      names = parsedNames;
      offsets = parsedOffsets;
      lengths = parsedLengths;
    } catch (RuntimeException e) {
      throw new IOException("directory record cut short", e);
    }
  }

  /** Calls {@code each} with every name of the previous value and its record's bytes. */
  static void forEachIn(byte[] raw, BiConsumer<String, byte[]> each) throws IOException {
    if (raw == null || raw.length == 0 || isSplit(raw)) {
      return;
    }
    DirectoryRecords parsed = new DirectoryRecords(null, "");
    parsed.parse(raw);
    for (int i = 0; i < parsed.names.length; i++) {
      each.accept(parsed.names[i], Arrays.copyOfRange(raw, parsed.offsets[i], parsed.offsets[i] + parsed.lengths[i]));
    }
  }

  /** Calls {@code each} with every record this run holds for the directory and has not written. */
  synchronized void forEachUnwritten(BiConsumer<String, byte[]> each) {
    changes.forEach((name, record) -> {
      if (record != REMOVED) {
        each.accept(name, record);
      }
    });
  }

  /** Whether a stored value holds its names one by one in the index, not in itself. */
  static boolean isSplit(byte[] raw) {
    return raw != null && raw.length > 0 && raw[0] == VALUE_SPLIT;
  }

  /**
   * Writes this run's changes back: the previous records merged with them in one value, or
   * name by name once there are too many. Nothing when nothing changed.
   */
  synchronized void write() {
    if (changes.isEmpty() || !index.isWritable()) {
      return;
    }
    String[] changed = changes.keySet().toArray(new String[0]);
    Arrays.sort(changed);
    int previousCount = names == null ? 0 : names.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 80 * (previousCount + changed.length));
    out.write(VALUE_WHOLE);
    writeInt(out, 0); // the count, set below
    int count = 0;
    int p = 0;
    int c = 0;
    while (p < previousCount || c < changed.length) {
      int order = p == previousCount ? 1 : c == changed.length ? -1 : names[p].compareTo(changed[c]);
      if (order < 0) {
        count += append(out, names[p], value, offsets[p], lengths[p]);
        p++;
      } else {
        byte[] record = changes.get(changed[c]);
        if (record != REMOVED) {
          count += append(out, changed[c], record, 0, record.length);
        }
        c++;
        p += order == 0 ? 1 : 0;
      }
    }
    if (count > SPLIT_LIMIT || out.size() > SPLIT_BYTES) {
      spill();
      return;
    }
    byte[] written = out.toByteArray();
    written[1] = (byte) (count >>> 24);
    written[2] = (byte) (count >>> 16);
    written[3] = (byte) (count >>> 8);
    written[4] = (byte) count;
    if (count == 0) {
      index.removeDirectoryValue(key);
    } else {
      index.putDirectoryValue(key, written);
    }
    changes.clear();
    changedBytes = 0;
    value = written;
    try {
      parse(written);
    } catch (IOException e) {
      throw new IllegalStateException("a value just written reads back", e);
    }
  }

  private static int append(ByteArrayOutputStream out, String name, byte[] record, int offset, int length) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 0xffff || length > 0xffff) {
      return 0; // no file system has such a name; the record is dropped, costing a comparison
    }
    out.write(bytes.length >>> 8);
    out.write(bytes.length);
    out.write(bytes, 0, bytes.length);
    out.write(length >>> 8);
    out.write(length);
    out.write(record, offset, length);
    return 1;
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  /** From now on the directory's records are kept one by one: the previous ones and this run's. */
  private void spill() {
    for (int i = 0; names != null && i < names.length; i++) {
      if (!changes.containsKey(names[i])) {
        index.putNamed(pathOf(names[i]), Arrays.copyOfRange(value, offsets[i], offsets[i] + lengths[i]));
      }
    }
    changes.forEach((name, record) -> {
      if (record == REMOVED) {
        index.removeNamed(pathOf(name));
      } else {
        index.putNamed(pathOf(name), record);
      }
    });
    index.putDirectoryValue(key, new byte[] {VALUE_SPLIT});
    changes.clear();
    changedBytes = 0;
    split = true;
    value = null;
    names = null;
    offsets = null;
    lengths = null;
  }
}
