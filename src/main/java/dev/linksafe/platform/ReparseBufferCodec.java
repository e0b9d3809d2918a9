package dev.linksafe.platform;

import dev.linksafe.model.ReparsePoint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes the NTFS REPARSE_DATA_BUFFER. Junctions (IO_REPARSE_TAG_MOUNT_POINT) and
 * Windows symlinks (IO_REPARSE_TAG_SYMLINK) are decoded into their substitute and print names;
 * every other tag is kept as opaque bytes. A malformed buffer gives a
 * {@link MalformedReparseDataException} that names the path, never an index error.
 *
 * <pre>
 * ULONG  ReparseTag; USHORT ReparseDataLength; USHORT Reserved;
 * USHORT SubstituteNameOffset, SubstituteNameLength, PrintNameOffset, PrintNameLength;
 * ULONG  Flags;                      (symlinks only)
 * WCHAR  PathBuffer[];               (offsets and lengths in bytes, relative to PathBuffer)
 * </pre>
 */
public final class ReparseBufferCodec {
  private static final int HEADER = 8;
  /** The largest buffer NTFS accepts (MAXIMUM_REPARSE_DATA_BUFFER_SIZE). */
  public static final int MAXIMUM_SIZE = 16 * 1024;

  private ReparseBufferCodec() {}

  /** Thrown for a buffer that does not hold what its header claims. */
  public static final class MalformedReparseDataException extends java.io.IOException {
    MalformedReparseDataException(String path, String reason) {
      super(path + ": malformed reparse data: " + reason);
    }
  }

  /** Decodes {@code raw}, read from {@code path} (named in errors only). */
  public static ReparsePoint decode(byte[] raw, String path) throws MalformedReparseDataException {
    if (raw == null || raw.length < HEADER) {
      throw new MalformedReparseDataException(path, "shorter than its 8-byte header ("
          + (raw == null ? 0 : raw.length) + " bytes)");
    }
    if (raw.length > MAXIMUM_SIZE) {
      throw new MalformedReparseDataException(path, "larger than " + MAXIMUM_SIZE + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    int tag = b.getInt(0);
    int dataLength = b.getShort(4) & 0xffff;
    if (HEADER + dataLength > raw.length) {
      throw new MalformedReparseDataException(path, String.format(
          "tag 0x%08X claims %d data bytes, %d present", tag, dataLength, raw.length - HEADER));
    }
    if (tag != ReparsePoint.TAG_MOUNT_POINT && tag != ReparsePoint.TAG_SYMLINK) {
      return new ReparsePoint(tag, null, null, 0, raw);
    }
    boolean symlink = tag == ReparsePoint.TAG_SYMLINK;
    int fixed = symlink ? 12 : 8;
    if (dataLength < fixed) {
      throw new MalformedReparseDataException(path, String.format(
          "tag 0x%08X needs %d bytes of name offsets, has %d", tag, fixed, dataLength));
    }
    int pathBuffer = HEADER + fixed;
    int end = HEADER + dataLength;
    String substitute = name(b, pathBuffer, end, b.getShort(8) & 0xffff, b.getShort(10) & 0xffff,
        "substitute", path);
    String print = name(b, pathBuffer, end, b.getShort(12) & 0xffff, b.getShort(14) & 0xffff,
        "print", path);
    int flags = symlink ? b.getInt(16) : 0;
    return new ReparsePoint(tag, substitute, print, flags, java.util.Arrays.copyOf(raw, end));
  }

  private static String name(ByteBuffer b, int pathBuffer, int end, int offset, int length,
      String which, String path) throws MalformedReparseDataException {
    if ((offset & 1) != 0 || (length & 1) != 0) {
      throw new MalformedReparseDataException(path, which + " name has an odd offset or length ("
          + offset + ", " + length + ")");
    }
    int start = pathBuffer + offset;
    if (start + length > end) {
      throw new MalformedReparseDataException(path, which + " name (offset " + offset
          + ", length " + length + ") runs past the end of the buffer");
    }
    return new String(b.array(), start, length, StandardCharsets.UTF_16LE);
  }

  /** A junction: substitute name such as {@code \??\C:\data}, print name such as {@code C:\data}. */
  public static ReparsePoint junction(String substituteName, String printName) {
    return encode(ReparsePoint.TAG_MOUNT_POINT, substituteName, printName, 0);
  }

  /** A Windows symlink; {@code relative} sets SYMLINK_FLAG_RELATIVE. */
  public static ReparsePoint symlink(String substituteName, String printName, boolean relative) {
    return encode(ReparsePoint.TAG_SYMLINK, substituteName, printName,
        relative ? ReparsePoint.SYMLINK_FLAG_RELATIVE : 0);
  }

  /** The same kind of reparse point as {@code original}, with other names. */
  public static ReparsePoint withNames(ReparsePoint original, String substituteName, String printName) {
    if (!original.isJunction() && !original.isSymlink()) {
      throw new IllegalArgumentException("names of an opaque reparse point cannot be changed");
    }
    return encode(original.tag(), substituteName, printName, original.flags());
  }

  private static ReparsePoint encode(int tag, String substituteName, String printName, int flags) {
    byte[] sub = substituteName.getBytes(StandardCharsets.UTF_16LE);
    byte[] print = printName.getBytes(StandardCharsets.UTF_16LE);
    boolean symlink = tag == ReparsePoint.TAG_SYMLINK;
    // junctions carry a NUL after each name, as Windows writes them; symlinks do not
    int terminator = symlink ? 0 : 2;
    int fixed = symlink ? 12 : 8;
    int dataLength = fixed + sub.length + terminator + print.length + terminator;
    if (HEADER + dataLength > MAXIMUM_SIZE) {
      throw new IllegalArgumentException("names too long for a reparse point: " + substituteName);
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER + dataLength).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(tag).putShort((short) dataLength).putShort((short) 0);
    b.putShort((short) 0).putShort((short) sub.length);
    b.putShort((short) (sub.length + terminator)).putShort((short) print.length);
    if (symlink) {
      b.putInt(flags);
    }
    b.put(sub).position(b.position() + terminator);
    b.put(print).position(b.position() + terminator);
    return new ReparsePoint(tag, substituteName, printName, flags, b.array());
  }
}
