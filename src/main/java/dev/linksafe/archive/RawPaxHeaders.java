package dev.linksafe.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The tar stream as Commons Compress reads it, its last bytes kept so that the pax header
 * before an entry can be read again as bytes. Commons Compress decodes pax values as UTF-8,
 * which loses the bytes of a name that is not valid UTF-8; a header that says
 * {@code hdrcharset=BINARY} (as linksafe and bsdtar write for such names) is read here instead.
 * Memory is the fixed window: a header larger than it is reported as unreadable.
 */
final class RawPaxHeaders extends FilterInputStream {
  private static final int BLOCK = 512;
  /** Bytes kept: a pax header with a name and a link target fits many times over. */
  private static final int WINDOW = 256 * 1024;

  private final byte[] window = new byte[WINDOW];
  private long position;

  /**
   * The most an entry's headers may take: its pax and GNU long-name headers and a sparse map,
   * all of which Commons Compress reads into memory before it returns the entry (a map of N
   * runs becomes N objects). A sparse file with a million data runs needs about 16 MiB; a
   * crafted map of hundreds of millions came in a 1 MB gzip and exhausted any heap.
   */
  static final long HEADER_LIMIT = 16 << 20;
  /** Where the headers being read began, or -1 while an entry's data is read. */
  private long headersFrom = -1;

  RawPaxHeaders(InputStream in) {
    super(in);
  }

  @Override
  public int read() throws IOException {
    int b = in.read();
    if (b >= 0) {
      window[(int) (position++ % WINDOW)] = (byte) b;
      checkHeaders();
    }
    return b;
  }

  /** The next bytes are headers (up to the next entry's data), limited to {@link #HEADER_LIMIT}. */
  void readingHeaders() {
    headersFrom = position;
  }

  /** The next bytes are an entry's data, as long as it is. */
  void readingData() {
    headersFrom = -1;
  }

  private void checkHeaders() throws IOException {
    if (headersFrom >= 0 && position - headersFrom > HEADER_LIMIT) {
      throw new IOException("an entry's headers take more than " + (HEADER_LIMIT >> 20)
          + " MiB (a crafted sparse map or extended header?)");
    }
  }

  /**
   * Reads {@code len} bytes, fewer only at the end of the stream. Commons Compress takes a short
   * read inside a sparse entry's data run for the end of that run and goes on with the next
   * hole: the rest of the run came out as zeros and every later entry was read out of step
   * (a decompressor or a buffered pipe returns short reads wherever its buffer ends).
   */
  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = 0;
    boolean end = false;
    while (n < len) {
      int r = in.read(b, off + n, len - n);
      if (r <= 0) {
        end = r < 0;
        break;
      }
      n += r;
    }
    if (n > 0) {
      keep(b, off, n);
      checkHeaders();
    }
    return n == 0 && end ? -1 : n;
  }

  /** Appends bytes to the window, in at most two copies. */
  private void keep(byte[] b, int off, int n) {
    if (n > WINDOW) {
      off += n - WINDOW;
      position += n - WINDOW;
      n = WINDOW;
    }
    int at = (int) (position % WINDOW);
    int first = Math.min(n, WINDOW - at);
    System.arraycopy(b, off, window, at, first);
    System.arraycopy(b, off + first, window, 0, n - first);
    position += n;
  }

  /** Bytes of the tar stream read so far (decompressed). */
  long position() {
    return position;
  }

  @Override
  public long skip(long n) throws IOException {
    // read, not skipped, so that the window stays whole
    byte[] buffer = new byte[(int) Math.min(n, 8192)];
    long done = 0;
    while (done < n) {
      int r = read(buffer, 0, (int) Math.min(buffer.length, n - done));
      if (r < 0) {
        break;
      }
      done += r;
    }
    return done;
  }

  /**
   * Never says how much could be read without blocking: Commons Compress asks after every entry,
   * and a file's stream answers with two system calls (its size and its position) each time.
   */
  @Override
  public int available() {
    return 0;
  }

  private byte at(long absolute) {
    return window[(int) (absolute % WINDOW)];
  }

  /**
   * The records of the pax header ('x') just before the entry header read last, by key, their
   * values as raw bytes; null when it is not in the window.
   */
  Map<String, byte[]> lastHeader() {
    long entryHeader = entryHeader();
    if (entryHeader < 0) {
      return null; // not where Commons Compress leaves the stream after a header: nothing trusted
    }
    long header = extendedHeaderEndingAt(entryHeader, "x", false);
    return header < 0 ? null : records(header + BLOCK, octal(header + 124, 12));
  }

  /**
   * Where an extended header of one of {@code types} ('x' pax, 'L' long name, 'K' long link)
   * starts whose data ends at {@code end}, searched back through the window; -1 when none does.
   *
   * @param checked whether the header's checksum must hold too
   */
  private long extendedHeaderEndingAt(long end, String types, boolean checked) {
    for (long header = end - BLOCK; header >= 0 && position - header <= WINDOW; header -= BLOCK) {
      if (types.indexOf(at(header + 156)) < 0) {
        continue;
      }
      long size = octal(header + 124, 12);
      if (size >= 0 && header + BLOCK + (size + BLOCK - 1) / BLOCK * BLOCK == end
          && (!checked || checksumHolds(header))) {
        return header;
      }
    }
    return -1;
  }

  /**
   * Whether the archive, read to its end, ends with an extended header (pax, GNU long name or
   * link) that no entry follows: the zero blocks that end it come right after that header's
   * data. Commons Compress takes such an archive for a whole one.
   */
  boolean endsAfterAnExtendedHeader() {
    long zeros = position - position % BLOCK;
    while (zeros >= BLOCK && position - (zeros - BLOCK) <= WINDOW && zeroBlock(zeros - BLOCK)) {
      zeros -= BLOCK;
    }
    return extendedHeaderEndingAt(zeros, "LKx", true) >= 0;
  }

  private boolean zeroBlock(long from) {
    for (int i = 0; i < BLOCK; i++) {
      if (at(from + i) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The GNU long name ('L') and long link name ('K') entries just before the entry header read
   * last (GNU tar's default format keeps names over 100 bytes there), their data as raw bytes up
   * to the first NUL; null where there are none, an element null where that one is missing.
   */
  byte[][] lastGnuLongNames() {
    long next = entryHeader();
    if (next < 0) {
      return null;
    }
    byte[] name = null;
    byte[] link = null;
    // walk back over the meta entries (long names, pax headers) that end where the next begins
    for (long header = extendedHeaderEndingAt(next, "LKx", true); header >= 0;
        header = extendedHeaderEndingAt(header, "LKx", true)) {
      byte type = at(header + 156);
      int size = (int) Math.min(octal(header + 124, 12), WINDOW);
      if (type == 'L' && name == null) {
        name = field(header + BLOCK, size);
      } else if (type == 'K' && link == null) {
        link = field(header + BLOCK, size);
      }
    }
    return name == null && link == null ? null : new byte[][] {name, link};
  }

  /**
   * The name (with a ustar prefix) and the link name of the entry header read last, as raw
   * bytes, or null where the header has none (empty link name).
   */
  byte[][] lastUstarNames() {
    long header = entryHeader();
    if (header < 0) {
      return null;
    }
    byte[] name = field(header, 100);
    byte[] link = field(header + 157, 100);
    boolean ustar = at(header + 257) == 'u' && at(header + 258) == 's' && at(header + 259) == 't'
        && at(header + 260) == 'a' && at(header + 261) == 'r';
    byte[] prefix = ustar ? field(header + 345, 155) : new byte[0];
    if (prefix.length > 0) {
      byte[] joined = new byte[prefix.length + 1 + name.length];
      System.arraycopy(prefix, 0, joined, 0, prefix.length);
      joined[prefix.length] = '/';
      System.arraycopy(name, 0, joined, prefix.length + 1, name.length);
      name = joined;
    }
    return new byte[][] {name, link.length == 0 ? null : link};
  }

  /**
   * Where the entry header read last starts: the block just read, or for a GNU sparse 1.0 entry,
   * whose map Commons Compress reads on with the header, the last block before it whose checksum
   * holds (a map is decimal text, which no checksum fits); -1 when none is in the window.
   */
  private long entryHeader() {
    if (position < BLOCK || position % BLOCK != 0) {
      return -1;
    }
    for (long header = position - BLOCK; header >= 0 && position - header <= WINDOW; header -= BLOCK) {
      if (checksumHolds(header)) {
        return header;
      }
    }
    return -1;
  }

  /** Whether a block's checksum field matches its bytes, summed unsigned or signed as tar allows. */
  private boolean checksumHolds(long header) {
    long stored = octal(header + 148, 8);
    if (stored < 0) {
      return false;
    }
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = i >= 148 && i < 156 ? (byte) ' ' : at(header + i);
      unsigned += b & 0xff;
      signed += b;
    }
    return stored == unsigned || stored == signed;
  }

  /** A NUL-terminated (or full) header field's bytes. */
  private byte[] field(long from, int length) {
    int n = 0;
    while (n < length && at(from + n) != 0) {
      n++;
    }
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = at(from + i);
    }
    return b;
  }

  private long octal(long from, int length) {
    long value = 0;
    boolean digits = false;
    for (int i = 0; i < length; i++) {
      byte b = at(from + i);
      if (b >= '0' && b <= '7') {
        value = value * 8 + (b - '0');
        digits = true;
      } else if (b == 0 || b == ' ') {
        if (digits) {
          break;
        }
      } else {
        return -1;
      }
    }
    return digits ? value : -1;
  }

  /** Parses {@code "<length> <key>=<value>\n"} records; null when they do not add up. */
  private Map<String, byte[]> records(long from, long size) {
    Map<String, byte[]> records = new HashMap<>();
    long p = from;
    long end = from + size;
    while (p < end) {
      long length = 0;
      long q = p;
      while (q < end && at(q) >= '0' && at(q) <= '9' && length < Integer.MAX_VALUE) {
        length = length * 10 + (at(q) - '0');
        q++;
      }
      if (q >= end || at(q) != ' ' || length <= q - p + 1 || p + length > end || at(p + length - 1) != '\n') {
        return null;
      }
      long keyStart = q + 1;
      long equals = keyStart;
      while (equals < p + length - 1 && at(equals) != '=') {
        equals++;
      }
      if (equals >= p + length - 1) {
        return null;
      }
      byte[] key = new byte[(int) (equals - keyStart)];
      for (int i = 0; i < key.length; i++) {
        key[i] = at(keyStart + i);
      }
      byte[] value = new byte[(int) (p + length - 1 - (equals + 1))];
      for (int i = 0; i < value.length; i++) {
        value[i] = at(equals + 1 + i);
      }
      records.put(new String(key, StandardCharsets.UTF_8), value);
      p += length;
    }
    return records;
  }
}
