package dev.linksafe.model;

import java.util.Arrays;

/**
 * An NTFS reparse point: its tag, the names it carries for the two tags linksafe understands
 * (junctions and Windows symlinks), and the raw buffer so that any tag can be copied verbatim.
 *
 * @param tag the reparse tag (IO_REPARSE_TAG_*)
 * @param substituteName the name the file system follows, e.g. {@code \??\C:\data}; null for opaque tags
 * @param printName the name shown to users; null for opaque tags
 * @param flags SYMLINK_FLAG_RELATIVE for a relative Windows symlink, else 0
 * @param raw the whole REPARSE_DATA_BUFFER
 */
public record ReparsePoint(int tag, String substituteName, String printName, int flags, byte[] raw) {
  public static final int TAG_MOUNT_POINT = 0xA0000003;
  public static final int TAG_SYMLINK = 0xA000000C;
  public static final int SYMLINK_FLAG_RELATIVE = 1;

  public ReparsePoint {
    raw = raw == null ? new byte[0] : raw.clone();
  }

  public boolean isJunction() {
    return tag == TAG_MOUNT_POINT;
  }

  public boolean isSymlink() {
    return tag == TAG_SYMLINK;
  }

  @Override
  public byte[] raw() {
    return raw.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReparsePoint r && r.tag == tag && r.flags == flags
        && java.util.Objects.equals(r.substituteName, substituteName)
        && java.util.Objects.equals(r.printName, printName) && Arrays.equals(r.raw, raw);
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(tag) * 31 + Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return String.format("ReparsePoint[tag=0x%08X, substitute=%s, print=%s]", tag, substituteName, printName);
  }
}
