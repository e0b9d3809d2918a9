package dev.linksafe.model;

/**
 * Identity of a file object on its volume: device and inode on POSIX, volume serial number and
 * file index on Windows. Two names with equal {@code FileId} are hard links to one file.
 *
 * @param volume the device or volume serial number
 * @param object the inode number or file index within that volume
 */
public record FileId(long volume, long object) {
  @Override
  public String toString() {
    return Long.toUnsignedString(volume, 16) + ":" + Long.toUnsignedString(object);
  }
}
