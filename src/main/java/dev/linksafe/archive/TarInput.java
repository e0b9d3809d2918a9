package dev.linksafe.archive;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream entry by entry: ustar, GNU and pax headers, GNU long names ('L', 'K'),
 * global pax headers, and GNU sparse files in every form tar and bsdtar write them (the old
 * GNU 'S' type with its extension blocks, pax sparse 0.0, 0.1 and 1.0). Names and link targets
 * stay the archive's bytes, whatever their encoding.
 *
 * <p>Written here rather than through Commons Compress's {@code TarArchiveInputStream}, which
 * decodes every name (losing the bytes of one that is not UTF-8), parses pax times with
 * BigDecimal, skips through several layers of streams, and calls itself once per extended
 * header; reading and parsing was most of the extracting thread's own work.
 *
 * <p>Memory is bounded whatever the archive says: one entry's headers (extended headers and
 * sparse map together) may take {@value #HEADER_LIMIT} bytes, and data is read in pieces.
 * Anything malformed or cut short is an {@link CorruptArchive} that says what was wrong.
 */
final class TarInput {
  static final int BLOCK = 512;
  /**
   * The most an entry's headers may take: its pax and GNU long-name headers and its sparse map.
   * A sparse file with a million data runs needs about 16 MiB; a crafted map of hundreds of
   * millions came in a 1 MB gzip.
   */
  static final long HEADER_LIMIT = 16 << 20;
  /** Extended headers one entry may have in a row: a writer needs one or two of each kind. */
  static final int EXTENDED_HEADER_LIMIT = 1024;
  /** Data runs of one sparse file: 16 MiB of map. */
  static final int SPARSE_RUN_LIMIT = 1 << 20;

  /** The archive is malformed or cut short; the message says how. */
  static final class CorruptArchive extends IOException {
    CorruptArchive(String message) {
      super(message);
    }
  }

  private final InputStream in;
  private final byte[] buffer = new byte[64 * 1024];
  private int bufferAt;
  private int bufferEnd;
  private long position;
  private final byte[] block = new byte[BLOCK];

  /** Global pax records ('g'), applied to every entry after them. */
  private final Map<String, byte[]> globalRecords = new HashMap<>();
  /** Data bytes of the current entry not yet read, and the padding after them. */
  private long left;
  private long padding;
  private TarEntry current;
  private boolean ended;
  /** The pax 0.0 sparse map of the entry being read. */
  private SparseRecords sparse00;

  TarInput(InputStream in) {
    this.in = in;
  }

  /** Bytes of the tar stream read so far (decompressed). */
  long position() {
    return position;
  }

  /**
   * The next entry, the rest of the current one skipped; null at the end of the archive (its
   * zero blocks, or the end of the stream right after an entry as some writers leave it).
   */
  TarEntry next() throws IOException {
    if (ended) {
      return null;
    }
    if (current != null) {
      skipData();
      current = null;
    }
    long headersFrom = position;
    int extended = 0;
    boolean pending = false; // an extended header read that belongs to an entry still to come
    sparse00 = new SparseRecords();
    Map<String, byte[]> records = null;
    long[] oldSparse = null;
    byte[] longName = null;
    byte[] longLink = null;
    while (true) {
      int n = readBlock();
      if (n == 0) {
        if (position == 0) {
          throw new CorruptArchive("not a tar archive: it is empty");
        }
        ended = true;
        if (pending) {
          throw new CorruptArchive("archive is truncated or corrupt: it ends after an extended header, without its entry");
        }
        return null;
      }
      if (n < BLOCK) {
        throw new CorruptArchive("archive is truncated or corrupt: it ends inside a header block");
      }
      if (isZero(block, 0, BLOCK)) {
        ended = true;
        if (pending) {
          throw new CorruptArchive("archive is truncated or corrupt: it ends after an extended header, without its entry");
        }
        return null;
      }
      if (!checksumHolds(block)) {
        throw new CorruptArchive(position == BLOCK
            ? "not a tar archive, or a corrupt one: its first header's checksum does not match"
            : "archive is truncated or corrupt: a header's checksum does not match; stopped there");
      }
      byte type = block[156];
      long size = number(block, 124, 12);
      if (size < 0) {
        throw new CorruptArchive("archive is corrupt: a header gives a negative size");
      }
      // 'X': the pax header of Solaris tar and star before POSIX named it 'x'
      if (type == 'x' || type == 'X' || type == 'g' || type == 'L' || type == 'K') {
        if (++extended > EXTENDED_HEADER_LIMIT) {
          throw new CorruptArchive("archive is corrupt: too many extended headers in a row");
        }
        checkHeaderLimit(headersFrom, size);
        if ((type == 'L' || type == 'K') && size > NAME_LIMIT + 1) {
          throw new CorruptArchive("archive is corrupt: a name or link target of more than " + NAME_LIMIT + " bytes");
        }
        byte[] data = readExactly(size, "an extended header");
        skipExactly(paddingOf(size), "an extended header");
        switch (type) {
          case 'x', 'X' -> records = parseRecords(data, records == null ? new HashMap<>() : records);
          case 'g' -> parseRecords(data, globalRecords);
          case 'L' -> longName = name(untilNul(data));
          default -> longLink = name(untilNul(data));
        }
        pending |= type != 'g';
        continue;
      }
      if (type == 'S') {
        oldSparse = oldGnuSparseMap(headersFrom);
      }
      return entry(type, size, records, longName, longLink, oldSparse, headersFrom);
    }
  }

  /** Builds the entry of the header in {@link #block}, extended headers applied. */
  private TarEntry entry(byte type, long headerSize, Map<String, byte[]> local, byte[] longName,
      byte[] longLink, long[] oldSparse, long headersFrom) throws IOException {
    Records r = new Records(local, globalRecords);
    boolean posix = startsWith(block, 257, "ustar\0");
    boolean gnu = startsWith(block, 257, "ustar ");
    byte[] name = name(r.bytes("path"));
    if (name == null) {
      name = longName != null ? longName : ustarName(posix);
    }
    byte[] sparseName = name(r.bytes("GNU.sparse.name"));
    if (sparseName != null) {
      name = sparseName;
    }
    byte[] linkName = name(r.bytes("linkpath"));
    if (linkName == null) {
      linkName = longLink != null ? longLink : field(block, 157, 100);
    }
    int mode = (int) (number(block, 100, 8) & 07777);
    long uid = r.id("uid", number(block, 108, 8));
    long gid = r.id("gid", number(block, 116, 8));
    long size = r.decimal("size", headerSize);
    long modified = r.time("mtime", saturatedNanos(number(block, 136, 12), 0));
    long devMajor = posix || gnu ? r.decimal("SCHILY.devmajor", number(block, 329, 8)) : 0;
    long devMinor = posix || gnu ? r.decimal("SCHILY.devminor", number(block, 337, 8)) : 0;
    byte[] reparse = r.bytes(TarWriter.REPARSE_HEADER);
    if (size < 0 || uid < 0 || gid < 0) {
      throw new CorruptArchive("archive is corrupt: negative size or owner for " + new String(name, StandardCharsets.UTF_8));
    }
    left = size;
    padding = paddingOf(size);
    long realSize = size;
    long[] sparse = null;
    if (type == 'S') {
      type = '0';
      sparse = oldSparse;
      realSize = number(block, 483, 12);
    } else if (type == '0' || type == 0 || type == '7') {
      if ("1".equals(r.text("GNU.sparse.major")) && "0".equals(r.text("GNU.sparse.minor"))) {
        sparse = sparseMapInData(headersFrom, size);
        realSize = r.decimal("GNU.sparse.realsize", size);
      } else if (r.text("GNU.sparse.map") != null) {
        sparse = commaSeparatedMap(r.text("GNU.sparse.map"));
        realSize = r.decimal("GNU.sparse.size", size);
      } else if (sparse00.count > 0) {
        if (sparse00.count % 2 != 0) {
          throw new CorruptArchive("archive is corrupt: its sparse map is malformed");
        }
        sparse = Arrays.copyOf(sparse00.values, sparse00.count);
        realSize = r.decimal("GNU.sparse.size", size);
      }
    }
    if (sparse != null) {
      checkSparseMap(sparse, left, realSize, name);
    }
    current = new TarEntry(name, linkName, type, mode, uid, gid, modified, left, realSize, devMajor, devMinor,
        sparse, reparse == null ? null : new String(reparse, StandardCharsets.ISO_8859_1), xattrs(local));
    return current;
  }

  /** The extended attributes among an entry's own pax records (an empty value is a value). */
  private static Map<String, byte[]> xattrs(Map<String, byte[]> local) {
    if (local == null) {
      return Map.of();
    }
    Map<String, byte[]> xattrs = null;
    for (Map.Entry<String, byte[]> r : local.entrySet()) {
      if (r.getKey().startsWith(XATTR) && r.getKey().length() > XATTR.length()) {
        if (xattrs == null) {
          xattrs = new java.util.TreeMap<>();
        }
        // names are bytes in the archive (kept as ISO-8859-1 text, so the same bytes come back),
        // with '%XX' for a byte GNU tar ('%', '=') or bsdtar (those, controls, non-ASCII) escaped
        byte[] name = percentDecoded(r.getKey().substring(XATTR.length()).getBytes(StandardCharsets.ISO_8859_1));
        xattrs.put(dev.linksafe.platform.RawNames.text(name), r.getValue());
      }
    }
    return xattrs == null ? Map.of() : xattrs;
  }

  private static byte[] percentDecoded(byte[] b) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(b.length);
    for (int i = 0; i < b.length; i++) {
      int high = i + 2 < b.length && b[i] == '%' ? Character.digit(b[i + 1], 16) : -1;
      int low = high >= 0 ? Character.digit(b[i + 2], 16) : -1;
      if (low >= 0) {
        out.write(high << 4 | low);
        i += 2;
      } else {
        out.write(b[i]);
      }
    }
    return out.toByteArray();
  }

  /** Reads the current entry's data; -1 at its end. Cut short: EOFException. */
  int read(byte[] b, int off, int len) throws IOException {
    if (left == 0) {
      return -1;
    }
    int want = (int) Math.min(len, left);
    int n;
    if (bufferAt < bufferEnd) {
      n = Math.min(want, bufferEnd - bufferAt);
      System.arraycopy(buffer, bufferAt, b, off, n);
      bufferAt += n;
    } else if (want >= buffer.length) {
      n = in.read(b, off, want);
    } else {
      n = fill() ? Math.min(want, bufferEnd - bufferAt) : -1;
      if (n > 0) {
        System.arraycopy(buffer, bufferAt, b, off, n);
        bufferAt += n;
      }
    }
    if (n <= 0) {
      throw new EOFException("archive is truncated inside " + new String(current.name(), StandardCharsets.UTF_8));
    }
    position += n;
    left -= n;
    return n;
  }

  /** Reads the first {@code length} bytes of what is left of the current entry's data into {@code into}. */
  void readFully(byte[] into, int length) throws IOException {
    int at = 0;
    while (at < length) {
      int n = read(into, at, length - at);
      if (n < 0) {
        throw new EOFException("the entry holds less data than it announced");
      }
      at += n;
    }
  }

  /** Skips {@code n} bytes of the current entry's data (at most what is left). */
  void skip(long n) throws IOException {
    long skip = Math.min(n, left);
    skipExactly(skip, "an entry's data");
    left -= skip;
  }

  private void skipData() throws IOException {
    skipExactly(left, "an entry's data");
    left = 0;
    skipExactly(padding, "a block");
    padding = 0;
  }

  private static long paddingOf(long size) {
    return (BLOCK - size % BLOCK) % BLOCK;
  }

  private void checkHeaderLimit(long headersFrom, long more) throws CorruptArchive {
    if (position - headersFrom + more > HEADER_LIMIT) {
      throw new CorruptArchive("archive is corrupt: an entry's headers take more than " + (HEADER_LIMIT >> 20)
          + " MiB (a crafted sparse map or extended header?)");
    }
  }

  // ---- bytes from the stream

  private boolean fill() throws IOException {
    bufferAt = 0;
    bufferEnd = 0;
    int n = in.read(buffer, 0, buffer.length);
    if (n <= 0) {
      return false;
    }
    bufferEnd = n;
    return true;
  }

  /** Reads a block into {@link #block}: the bytes read, fewer than a block only at the end. */
  private int readBlock() throws IOException {
    int n = 0;
    while (n < BLOCK) {
      if (bufferAt == bufferEnd && !fill()) {
        break;
      }
      int k = Math.min(BLOCK - n, bufferEnd - bufferAt);
      System.arraycopy(buffer, bufferAt, block, n, k);
      bufferAt += k;
      n += k;
    }
    position += n;
    return n;
  }

  private byte[] readExactly(long size, String what) throws IOException {
    byte[] data = new byte[(int) size]; // within HEADER_LIMIT, checked by the caller
    int n = 0;
    while (n < data.length) {
      if (bufferAt == bufferEnd && !fill()) {
        throw new CorruptArchive("archive is truncated or corrupt: it ends inside " + what);
      }
      int k = Math.min(data.length - n, bufferEnd - bufferAt);
      System.arraycopy(buffer, bufferAt, data, n, k);
      bufferAt += k;
      n += k;
    }
    position += n;
    return data;
  }

  private void skipExactly(long size, String what) throws IOException {
    long n = 0;
    while (n < size) {
      if (bufferAt == bufferEnd && !fill()) {
        if (current != null && left > 0) {
          throw new CorruptArchive("archive is truncated inside " + new String(current.name(), StandardCharsets.UTF_8));
        }
        throw new CorruptArchive("archive is truncated or corrupt: it ends inside " + what);
      }
      int k = (int) Math.min(size - n, bufferEnd - bufferAt);
      bufferAt += k;
      n += k;
      position += k;
    }
  }

  // ---- header fields

  private static boolean isZero(byte[] b, int from, int length) {
    for (int i = from; i < from + length; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(byte[] b, int at, String ascii) {
    for (int i = 0; i < ascii.length(); i++) {
      if (b[at + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code block} is a tar header: its checksum holds. */
  static boolean isHeader(byte[] block) {
    try {
      return checksumHolds(block);
    } catch (CorruptArchive e) {
      return false;
    }
  }

  /** Whether the checksum field matches the block's bytes, summed unsigned or signed as tar allows. */
  private static boolean checksumHolds(byte[] b) throws CorruptArchive {
    long stored;
    try {
      stored = number(b, 148, 8);
    } catch (CorruptArchive notANumber) {
      return false;
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte x = i >= 148 && i < 156 ? (byte) ' ' : b[i];
      unsigned += x & 0xff;
      signed += x;
    }
    return stored == unsigned || stored == signed;
  }

  /** A NUL-terminated (or full) field's bytes. */
  private static byte[] field(byte[] b, int from, int length) {
    int n = 0;
    while (n < length && b[from + n] != 0) {
      n++;
    }
    return Arrays.copyOfRange(b, from, from + n);
  }

  private static byte[] untilNul(byte[] data) {
    return field(data, 0, data.length);
  }

  /** The most bytes a name or link target may have: no file system takes more than a few KiB. */
  static final int NAME_LIMIT = 1 << 20;

  private static byte[] name(byte[] name) throws CorruptArchive {
    if (name != null && name.length > NAME_LIMIT) {
      throw new CorruptArchive("archive is corrupt: a name or link target of more than " + NAME_LIMIT + " bytes");
    }
    return name;
  }

  /** The name field, after the ustar prefix field when there is one. */
  private byte[] ustarName(boolean posix) {
    byte[] name = field(block, 0, 100);
    if (!posix || block[345] == 0) {
      return name;
    }
    byte[] prefix = field(block, 345, 155);
    byte[] joined = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
    joined[prefix.length] = '/';
    System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
    return joined;
  }

  /**
   * A numeric field: octal digits (leading spaces or NULs, ended by a space or NUL, empty as 0),
   * or GNU's base-256 form (the first byte's high bit set; 0xff starts a negative number).
   */
  static long number(byte[] b, int from, int length) throws CorruptArchive {
    if ((b[from] & 0x80) != 0) {
      if (b[from] != (byte) 0x80 && b[from] != (byte) 0xff) {
        throw new CorruptArchive("archive is corrupt: a header field that should be a number is not");
      }
      boolean negative = b[from] == (byte) 0xff;
      long value = negative ? -1 : 0;
      for (int i = 0; i < length; i++) {
        int x = i == 0 && !negative ? b[from] & 0x7f : b[from + i] & 0xff;
        if ((value >> 55) != (negative ? -1 : 0)) {
          throw new CorruptArchive("archive is corrupt: a header's number is too large");
        }
        value = value << 8 | x;
      }
      return value;
    }
    int i = from;
    int end = from + length;
    while (i < end && (b[i] == ' ' || b[i] == 0)) {
      i++;
    }
    long value = 0;
    for (; i < end && b[i] >= '0' && b[i] <= '7'; i++) {
      if (value >>> 60 != 0) {
        throw new CorruptArchive("archive is corrupt: a header's number is too large");
      }
      value = value << 3 | (b[i] - '0');
    }
    for (; i < end; i++) {
      if (b[i] != ' ' && b[i] != 0) {
        throw new CorruptArchive("archive is corrupt: a header field that should be a number is not");
      }
    }
    return value;
  }

  static long saturatedNanos(long seconds, long nanos) {
    if (seconds > Long.MAX_VALUE / 1_000_000_000L - 1) {
      return Long.MAX_VALUE;
    }
    if (seconds < Long.MIN_VALUE / 1_000_000_000L + 1) {
      return Long.MIN_VALUE;
    }
    return seconds * 1_000_000_000L + nanos;
  }

  // ---- pax records

  /** Parses {@code "<length> <key>=<value>\n"} records into {@code into} (a key met again wins). */
  private Map<String, byte[]> parseRecords(byte[] data, Map<String, byte[]> into) throws CorruptArchive {
    int p = 0;
    while (p < data.length) {
      if (data[p] == 0) {
        break; // some writers pad the records with NULs
      }
      int q = p;
      long length = 0;
      while (q < data.length && data[q] >= '0' && data[q] <= '9' && length <= data.length) {
        length = length * 10 + (data[q++] - '0');
      }
      if (q == p || q >= data.length || data[q] != ' ' || length <= q - p + 1 || p + length > data.length
          || data[(int) (p + length - 1)] != '\n') {
        throw new CorruptArchive("archive is corrupt: a pax header's records are malformed");
      }
      int end = (int) (p + length - 1);
      int equals = q + 1;
      while (equals < end && data[equals] != '=') {
        equals++;
      }
      if (equals >= end) {
        throw new CorruptArchive("archive is corrupt: a pax record has no '='");
      }
      String key = new String(data, q + 1, equals - q - 1, StandardCharsets.ISO_8859_1);
      if (end - equals - 1 > NAME_LIMIT && (key.equals("path") || key.equals("linkpath") || key.equals("GNU.sparse.name"))) {
        throw new CorruptArchive("archive is corrupt: a name or link target of more than " + NAME_LIMIT + " bytes");
      }
      byte[] value = Arrays.copyOfRange(data, equals + 1, end);
      if (into != globalRecords && (key.equals("GNU.sparse.offset") || key.equals("GNU.sparse.numbytes"))) {
        // sparse 0.0: the map as repeated records, in order
        sparse00.add(key.equals("GNU.sparse.offset"), decimal(value, "a sparse map"));
      } else if (into == globalRecords ? KEYS.contains(key) && !key.startsWith("GNU.sparse.")
          : KEYS.contains(key) || key.startsWith(XATTR)) {
        into.put(key, value); // (the others, comments and times linksafe does not set, are let go)
      }
      p = end + 1;
    }
    return into;
  }

  /** The prefix of pax records holding extended attributes, as GNU tar and bsdtar write them. */
  static final String XATTR = "SCHILY.xattr.";

  /** The pax records linksafe reads; others are not kept. */
  private static final java.util.Set<String> KEYS = java.util.Set.of("path", "linkpath", "size", "mtime", "uid",
      "gid", "SCHILY.devmajor", "SCHILY.devminor", "GNU.sparse.major", "GNU.sparse.minor", "GNU.sparse.name",
      "GNU.sparse.realsize", "GNU.sparse.size", "GNU.sparse.map", TarWriter.REPARSE_HEADER);

  /** A pax 0.0 sparse map, gathered from repeated offset and length records in order. */
  private static final class SparseRecords {
    long[] values = new long[0];
    int count;

    void add(boolean offset, long value) throws CorruptArchive {
      if (offset != (count % 2 == 0)) {
        throw new CorruptArchive("archive is corrupt: its sparse map is malformed");
      }
      if (count / 2 >= SPARSE_RUN_LIMIT) {
        throw new CorruptArchive("archive is corrupt: a sparse map of more than " + SPARSE_RUN_LIMIT + " runs");
      }
      if (count == values.length) {
        values = Arrays.copyOf(values, Math.max(16, count * 2));
      }
      values[count++] = value;
    }
  }

  static long decimal(byte[] value, String what) throws CorruptArchive {
    if (value.length == 0 || value.length > 19) {
      throw new CorruptArchive("archive is corrupt: " + what + " holds a malformed number");
    }
    long n = 0;
    for (byte b : value) {
      if (b < '0' || b > '9') {
        throw new CorruptArchive("archive is corrupt: " + what + " holds a malformed number");
      }
      n = n * 10 + (b - '0');
    }
    if (n < 0) {
      throw new CorruptArchive("archive is corrupt: " + what + " holds a number too large");
    }
    return n;
  }

  /** A pax time: seconds, a sign allowed, and up to nine digits of fraction kept (more ignored). */
  static long time(byte[] value) throws CorruptArchive {
    int i = 0;
    boolean negative = value.length > 0 && value[0] == '-';
    if (negative) {
      i++;
    }
    long seconds = 0;
    int digits = 0;
    for (; i < value.length && value[i] >= '0' && value[i] <= '9'; i++, digits++) {
      seconds = seconds > Long.MAX_VALUE / 10 - 1 ? Long.MAX_VALUE / 10 : seconds * 10 + (value[i] - '0');
    }
    long nanos = 0;
    int fraction = 0;
    if (i < value.length && value[i] == '.') {
      for (i++; i < value.length && value[i] >= '0' && value[i] <= '9'; i++, fraction++) {
        if (fraction < 9) {
          nanos = nanos * 10 + (value[i] - '0');
        }
      }
      for (int f = fraction; f < 9; f++) {
        nanos *= 10;
      }
    }
    if (i != value.length || digits + fraction == 0) {
      throw new CorruptArchive("archive is corrupt: a pax time is malformed");
    }
    long t = saturatedNanos(seconds, nanos);
    return negative ? -t : t;
  }

  /** The records of one entry: its own pax header's over the global ones; an empty value unsets. */
  private static final class Records {
    final Map<String, byte[]> local;
    final Map<String, byte[]> global;

    Records(Map<String, byte[]> local, Map<String, byte[]> global) {
      this.local = local;
      this.global = global;
    }

    byte[] bytes(String key) {
      byte[] v = local != null && local.containsKey(key) ? local.get(key) : global.get(key);
      return v == null || v.length == 0 ? null : v;
    }

    String text(String key) {
      byte[] v = bytes(key);
      return v == null ? null : new String(v, StandardCharsets.ISO_8859_1);
    }

    long decimal(String key, long otherwise) throws CorruptArchive {
      byte[] v = bytes(key);
      return v == null ? otherwise : TarInput.decimal(v, "pax record " + key);
    }

    /** An owner: a value beyond what an id holds (2^32 - 2) leaves the header's. */
    long id(String key, long otherwise) throws CorruptArchive {
      long id = decimal(key, otherwise);
      return id >= 0xFFFFFFFFL ? otherwise : id;
    }

    long time(String key, long otherwise) throws CorruptArchive {
      byte[] v = bytes(key);
      return v == null ? otherwise : TarInput.time(v);
    }
  }

  // ---- sparse maps

  /** The map of an old GNU sparse header ('S') in {@link #block} and its extension blocks. */
  private long[] oldGnuSparseMap(long headersFrom) throws IOException {
    long[] runs = new long[8];
    int count = readOldSparseRuns(block, 386, 4, runs, 0);
    boolean extended = block[482] != 0;
    byte[] header = block.clone(); // the extension blocks are read into block
    while (extended) {
      checkHeaderLimit(headersFrom, BLOCK);
      if (readBlock() < BLOCK) {
        throw new CorruptArchive("archive is truncated or corrupt: it ends inside a sparse header");
      }
      if (count + 21 > SPARSE_RUN_LIMIT) {
        throw new CorruptArchive("archive is corrupt: a sparse map of more than " + SPARSE_RUN_LIMIT + " runs");
      }
      if (runs.length < (count + 21) * 2) {
        runs = Arrays.copyOf(runs, Math.max(runs.length * 2, (count + 21) * 2));
      }
      count = readOldSparseRuns(block, 0, 21, runs, count);
      extended = block[504] != 0;
    }
    System.arraycopy(header, 0, block, 0, BLOCK);
    return Arrays.copyOf(runs, count * 2);
  }

  private static int readOldSparseRuns(byte[] b, int from, int slots, long[] runs, int count) throws CorruptArchive {
    for (int i = 0; i < slots; i++) {
      int at = from + i * 24;
      if (b[at] == 0) {
        break; // an unused slot
      }
      runs[count * 2] = number(b, at, 12);
      runs[count * 2 + 1] = number(b, at + 12, 12);
      count++;
    }
    return count;
  }

  /** A pax 0.1 map: "offset,length,offset,length...". */
  private static long[] commaSeparatedMap(String map) throws CorruptArchive {
    int numbers = 1;
    for (int i = 0; i < map.length(); i++) {
      numbers += map.charAt(i) == ',' ? 1 : 0;
    }
    if (numbers % 2 != 0 || numbers / 2 > SPARSE_RUN_LIMIT) {
      throw new CorruptArchive(numbers / 2 > SPARSE_RUN_LIMIT
          ? "archive is corrupt: a sparse map of more than " + SPARSE_RUN_LIMIT + " runs"
          : "archive is corrupt: its sparse map is malformed");
    }
    long[] runs = new long[numbers];
    int from = 0;
    for (int i = 0; i < numbers; i++) {
      int comma = map.indexOf(',', from);
      int end = comma < 0 ? map.length() : comma;
      runs[i] = decimal(map.substring(from, end).getBytes(StandardCharsets.ISO_8859_1), "a sparse map");
      from = end + 1;
    }
    return runs;
  }

  /**
   * A pax 1.0 map, at the start of the entry's data: the number of runs, then each run's offset
   * and length, each a decimal line, padded to a whole block. The data left is the runs'.
   */
  private long[] sparseMapInData(long headersFrom, long dataSize) throws IOException {
    long count = mapNumber(headersFrom);
    if (count > SPARSE_RUN_LIMIT) {
      throw new CorruptArchive("archive is corrupt: a sparse map of more than " + SPARSE_RUN_LIMIT + " runs");
    }
    long[] runs = new long[(int) count * 2];
    for (int i = 0; i < runs.length; i++) {
      runs[i] = mapNumber(headersFrom);
    }
    long used = (dataSize - left) % BLOCK; // the map's bytes, read so far
    long pad = used == 0 ? 0 : BLOCK - used;
    if (pad > left) {
      throw new CorruptArchive("archive is corrupt: a sparse map runs past its entry's data");
    }
    skipExactly(pad, "a sparse map");
    left -= pad;
    return runs;
  }

  private long mapNumber(long headersFrom) throws IOException {
    long n = 0;
    int digits = 0;
    while (true) {
      if (left == 0) {
        throw new CorruptArchive("archive is corrupt: a sparse map runs past its entry's data");
      }
      if (bufferAt == bufferEnd && !fill()) {
        throw new CorruptArchive("archive is truncated or corrupt: it ends inside a sparse map");
      }
      byte b = buffer[bufferAt++];
      position++;
      left--;
      if (b == '\n') {
        break;
      }
      if (b < '0' || b > '9' || ++digits > 18) {
        throw new CorruptArchive("archive is corrupt: its sparse map is malformed");
      }
      n = n * 10 + (b - '0');
    }
    if (digits == 0) {
      throw new CorruptArchive("archive is corrupt: its sparse map is malformed");
    }
    checkHeaderLimit(headersFrom, 0);
    return n;
  }

  /** A map's runs must come in order, not overlap, and fit the data and the file's size. */
  private static void checkSparseMap(long[] runs, long data, long realSize, byte[] name) throws CorruptArchive {
    long end = 0;
    long total = 0;
    for (int i = 0; i < runs.length; i += 2) {
      long offset = runs[i];
      long length = runs[i + 1];
      if (offset < end || length < 0 || offset > Long.MAX_VALUE - length) {
        throw new CorruptArchive("archive is corrupt: the sparse map of " + new String(name, StandardCharsets.UTF_8)
            + " goes backwards");
      }
      end = offset + length;
      total += length;
    }
    if (total > data || end > realSize || realSize < 0) {
      throw new CorruptArchive("archive is corrupt: the sparse map of " + new String(name, StandardCharsets.UTF_8)
          + " does not fit its data or its size");
    }
  }
}
