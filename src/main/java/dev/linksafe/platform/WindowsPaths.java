package dev.linksafe.platform;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The pure parts of the Windows platform: long-path names and file information records. */
public final class WindowsPaths {
  /** 100-ns intervals between 1601-01-01 and 1970-01-01. */
  private static final long EPOCH_DIFFERENCE = 116_444_736_000_000_000L;

  private WindowsPaths() {}

  /**
   * The extended-length form of an absolute path, which lifts the 260-character limit:
   * {@code C:\a} becomes {@code \\?\C:\a}, {@code \\server\share} becomes
   * {@code \\?\UNC\server\share}; a name already in that form is left alone.
   */
  public static String extendedLength(String path) {
    String p = path.replace('/', '\\');
    if (p.startsWith("\\\\?\\") || p.startsWith("\\??\\")) {
      return p;
    }
    if (p.startsWith("\\\\")) {
      return "\\\\?\\UNC\\" + p.substring(2);
    }
    if (p.length() >= 2 && p.charAt(1) == ':') {
      return "\\\\?\\" + p;
    }
    throw new IllegalArgumentException("not an absolute Windows path: " + path);
  }

  /** A FILETIME (100-ns intervals since 1601) as nanoseconds since 1970. */
  public static long fileTimeToNanos(long fileTime) {
    return (fileTime - EPOCH_DIFFERENCE) * 100;
  }

  /** Nanoseconds since 1970 as a FILETIME. */
  public static long nanosToFileTime(long nanos) {
    return Math.floorDiv(nanos, 100) + EPOCH_DIFFERENCE;
  }

  /** Reads the 52-byte BY_HANDLE_FILE_INFORMATION into a status. */
  public static FileStatus fileStatus(byte[] information) {
    if (information.length < 52) {
      throw new IllegalArgumentException("BY_HANDLE_FILE_INFORMATION is 52 bytes, got " + information.length);
    }
    ByteBuffer b = ByteBuffer.wrap(information).order(ByteOrder.LITTLE_ENDIAN);
    int attributes = b.getInt(0);
    long accessed = fileTimeToNanos(b.getLong(12));
    long written = fileTimeToNanos(b.getLong(20));
    long volume = Integer.toUnsignedLong(b.getInt(28));
    long size = (Integer.toUnsignedLong(b.getInt(32)) << 32) | Integer.toUnsignedLong(b.getInt(36));
    int links = b.getInt(40);
    long index = (Integer.toUnsignedLong(b.getInt(44)) << 32) | Integer.toUnsignedLong(b.getInt(48));
    EntryKind kind = (attributes & WindowsKernel32.FILE_ATTRIBUTE_REPARSE_POINT) != 0 ? EntryKind.REPARSE_POINT
        : (attributes & WindowsKernel32.FILE_ATTRIBUTE_DIRECTORY) != 0 ? EntryKind.DIRECTORY
        : EntryKind.REGULAR_FILE;
    // read-only attribute as the closest POSIX bits
    int mode = (attributes & 0x1) != 0 ? 0555 : 0777;
    return new FileStatus(kind, new FileId(volume, index), size, written, accessed, written, links,
        mode, -1, -1, 0);
  }

  /** Whether the attribute word says directory. */
  static boolean isDirectory(byte[] information) {
    return (ByteBuffer.wrap(information).order(ByteOrder.LITTLE_ENDIAN).getInt(0)
        & WindowsKernel32.FILE_ATTRIBUTE_DIRECTORY) != 0;
  }
}
