package dev.linksafe.archive;

import dev.linksafe.platform.RawNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A POSIX (pax) tar stream, written block by block: each entry a ustar header, preceded by a
 * pax extended header when something does not fit the ustar fields (a name that is long, not
 * ASCII or not valid UTF-8, a time with a fraction of a second, a size from 8 GiB, large ids),
 * then its data padded to whole blocks; two zero blocks at the end.
 *
 * <p>Written here rather than through Commons Compress's {@code TarArchiveOutputStream}, which
 * builds an entry object, a map and several encoders per entry and cannot carry a
 * nanosecond time or a raw name itself (so linksafe had to write a second pax header in front
 * of it): formatting headers was most of the writing thread's own work. Compression stays with
 * Commons Compress; {@link TarInput} reads these streams back.
 *
 * <p>The entry data is written through this stream itself; an entry must receive exactly the
 * size its header announced before {@link #closeEntry()}.
 */
final class TarOutput extends OutputStream {
  static final int BLOCK = 512;
  /** The largest value of an 8-byte octal field (mode, ids, device numbers). */
  static final long MAX_ID = 07777777L;
  /** The largest value of a 12-byte octal field (size, time). */
  static final long MAX_SIZE = 077777777777L;

  private static final byte[] ZEROS = new byte[BLOCK * 2];

  private final OutputStream out;
  private final byte[] header = new byte[BLOCK];
  /** Data bytes the open entry still expects, or -1 between entries. */
  private long left = -1;
  private long entrySize;

  TarOutput(OutputStream out) {
    this.out = out;
  }

  /**
   * What one entry's header says. Names are as {@link RawNames} gives them (bytes that are not
   * UTF-8 escaped); {@code extra} holds pax records of the caller's own, already formatted.
   */
  record Header(String name, byte type, int mode, long uid, long gid, long modifiedNanos, long size,
      String linkName, int devMajor, int devMinor, byte[] extra, boolean extraIsBinary) {
    Header(String name, byte type, int mode, long uid, long gid, long modifiedNanos, long size, String linkName) {
      this(name, type, mode, uid, gid, modifiedNanos, size, linkName, 0, 0, null, false);
    }
  }

  /** Writes the headers of an entry and opens it for its {@code size} bytes of data. */
  void putEntry(Header h) throws IOException {
    if (left >= 0) {
      throw new IllegalStateException("the previous entry is still open");
    }
    long seconds = Math.floorDiv(h.modifiedNanos(), 1_000_000_000L);
    int nanos = (int) Math.floorMod(h.modifiedNanos(), 1_000_000_000L);
    byte[] name = RawNames.bytes(h.name());
    byte[] link = h.linkName() == null ? null : RawNames.bytes(h.linkName());
    boolean nameFits = fitsUstar(name);
    boolean linkFits = link == null || fitsUstar(link);
    long uid = Math.max(0, h.uid());
    long gid = Math.max(0, h.gid());
    long devMajor = Integer.toUnsignedLong(h.devMajor());
    long devMinor = Integer.toUnsignedLong(h.devMinor());

    ByteArrayOutputStream records = null;
    if (!nameFits || !linkFits || nanos != 0 || seconds < 0 || seconds > MAX_SIZE || h.size() > MAX_SIZE
        || uid > MAX_ID || gid > MAX_ID || devMajor > MAX_ID || devMinor > MAX_ID || h.extra() != null) {
      records = new ByteArrayOutputStream(128);
      boolean binary = h.extraIsBinary() || (!nameFits && RawNames.hasEscapes(h.name()))
          || (!linkFits && RawNames.hasEscapes(h.linkName()));
      if (binary) {
        // as GNU tar writes them: the names are bytes, not UTF-8
        record(records, "hdrcharset", ascii("BINARY"));
      }
      if (!nameFits) {
        record(records, "path", name);
      }
      if (!linkFits) {
        record(records, "linkpath", link);
      }
      if (nanos != 0 || seconds < 0 || seconds > MAX_SIZE) {
        record(records, "mtime", ascii(decimalSeconds(seconds, nanos)));
      }
      if (h.size() > MAX_SIZE) {
        record(records, "size", ascii(Long.toString(h.size())));
      }
      if (uid > MAX_ID) {
        record(records, "uid", ascii(Long.toString(uid)));
      }
      if (gid > MAX_ID) {
        record(records, "gid", ascii(Long.toString(gid)));
      }
      if (devMajor > MAX_ID) {
        record(records, "SCHILY.devmajor", ascii(Long.toString(devMajor)));
      }
      if (devMinor > MAX_ID) {
        record(records, "SCHILY.devminor", ascii(Long.toString(devMinor)));
      }
      if (h.extra() != null) {
        records.write(h.extra(), 0, h.extra().length);
      }
      long headerSeconds = Math.max(0, Math.min(seconds, MAX_SIZE));
      writeHeader(ascii("././@PaxHeader"), (byte) 'x', 0644, 0, 0, headerSeconds, records.size(), null, 0, 0);
      records.writeTo(out);
      pad(records.size());
    }
    writeHeader(nameFits ? name : ascii(standIn(h.name())), h.type(), h.mode() & 07777,
        uid > MAX_ID ? 0 : uid, gid > MAX_ID ? 0 : gid, Math.max(0, Math.min(seconds, MAX_SIZE)),
        h.size() > MAX_SIZE ? 0 : h.size(), link == null ? null : linkFits ? link : ascii(standIn(h.linkName())),
        devMajor > MAX_ID ? 0 : devMajor, devMinor > MAX_ID ? 0 : devMinor);
    left = h.size();
    entrySize = h.size();
  }

  @Override
  public void write(int b) throws IOException {
    if (left <= 0) {
      throw new IOException(left < 0 ? "no entry is open" : "more data than the entry's size");
    }
    out.write(b);
    left--;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len > left) {
      throw new IOException(left < 0 ? "no entry is open" : "more data than the entry's size");
    }
    out.write(b, off, len);
    left -= len;
  }

  /** Ends the open entry, which must have received all its data, padding it to a block. */
  void closeEntry() throws IOException {
    if (left != 0) {
      throw new IOException(left < 0 ? "no entry is open"
          : "entry closed " + left + " bytes short of the " + entrySize + " its header announced");
    }
    pad(entrySize);
    left = -1;
  }

  /** Writes the end of the archive (two zero blocks) and flushes; the stream stays open. */
  void finish() throws IOException {
    if (left >= 0) {
      throw new IllegalStateException("an entry is still open");
    }
    out.write(ZEROS, 0, ZEROS.length);
    out.flush();
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(ZEROS, 0, BLOCK - rest);
    }
  }

  /** Whether a name can stand in the ustar field itself: short, and ASCII without NUL. */
  private static boolean fitsUstar(byte[] name) {
    if (name.length > 100) {
      return false;
    }
    for (byte b : name) {
      if (b <= 0) {
        return false; // NUL, or a byte from 0x80: UTF-8 or raw, carried by a pax record
      }
    }
    return true;
  }

  private void writeHeader(byte[] name, byte type, int mode, long uid, long gid, long seconds, long size,
      byte[] link, long devMajor, long devMinor) throws IOException {
    byte[] h = header;
    Arrays.fill(h, (byte) 0);
    System.arraycopy(name, 0, h, 0, Math.min(name.length, 100));
    octal(h, 100, 8, mode);
    octal(h, 108, 8, uid);
    octal(h, 116, 8, gid);
    octal(h, 124, 12, size);
    octal(h, 136, 12, seconds);
    h[156] = type;
    if (link != null) {
      System.arraycopy(link, 0, h, 157, Math.min(link.length, 100));
    }
    // "ustar\0" "00": the POSIX magic and version
    h[257] = 'u';
    h[258] = 's';
    h[259] = 't';
    h[260] = 'a';
    h[261] = 'r';
    h[263] = '0';
    h[264] = '0';
    octal(h, 329, 8, devMajor);
    octal(h, 337, 8, devMinor);
    Arrays.fill(h, 148, 156, (byte) ' ');
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    octal(h, 148, 7, sum); // six digits and a NUL, the space after it stays
    out.write(h, 0, BLOCK);
  }

  /** A field of {@code length - 1} octal digits (zero-padded) and a NUL. */
  private static void octal(byte[] h, int offset, int length, long value) {
    int end = offset + length - 1;
    h[end] = 0;
    for (int i = end - 1; i >= offset; i--) {
      h[i] = (byte) ('0' + (value & 7));
      value >>>= 3;
    }
  }

  /** {@code seconds.nnnnnnnnn} as GNU tar writes pax times; negative times count down from 0. */
  static String decimalSeconds(long seconds, int nanos) {
    if (nanos == 0) {
      return Long.toString(seconds);
    }
    boolean negative = seconds < 0;
    long whole = negative ? -(seconds + 1) : seconds;
    int fraction = negative ? 1_000_000_000 - nanos : nanos;
    String digits = Integer.toString(fraction);
    return (negative ? "-" : "") + whole + "." + "000000000".substring(digits.length()) + digits;
  }

  /** One pax record, {@code "<length> <key>=<value>\n"}, the length counting itself. */
  static void record(ByteArrayOutputStream out, String key, byte[] value) {
    record(out, ascii(key), value);
  }

  /** A pax record whose key is these bytes (an extended attribute's name need not be ASCII). */
  static void record(ByteArrayOutputStream out, byte[] key, byte[] value) {
    int rest = 1 + key.length + 1 + value.length + 1; // space, key, '=', value, newline
    int length = rest + Integer.toString(rest).length();
    if (Integer.toString(length).length() != Integer.toString(rest).length()) {
      length++;
    }
    byte[] head = ascii(length + " ");
    out.write(head, 0, head.length);
    out.write(key, 0, key.length);
    out.write('=');
    out.write(value, 0, value.length);
    out.write('\n');
  }

  /**
   * A short ASCII name for the ustar field of an entry whose real name is in a pax record. A
   * name cut short must not end in '/', which marks a directory (and a size of zero).
   */
  static String standIn(String name) {
    boolean directory = name.endsWith("/");
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < name.length() && b.length() < 90; i++) {
      char c = name.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '_');
    }
    while (b.length() > 0 && b.charAt(b.length() - 1) == '/') {
      b.setLength(b.length() - 1);
    }
    if (b.length() == 0) {
      b.append('_');
    }
    if (directory) {
      b.append('/');
    }
    return b.toString();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
