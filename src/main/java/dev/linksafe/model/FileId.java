package dev.linksafe.model;

/**
 * Identity of a file object on its volume: device and inode on POSIX, volume serial number and
 * file index on Windows. Two names with equal {@code FileId} are hard links to one file.
 *
 * @param volume the device or volume serial number
 * @param object the inode number or file index within that volume
 */
public record FileId(long volume, long object) {
  // written out: a record's generated equals and hashCode go through method handles, which
  // the client compiler leaves slow, and these are called for every name (hash keys, compares)
  @Override
  public boolean equals(Object o) {
    return o instanceof FileId other && other.volume == volume && other.object == object;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(object * 31 + volume);
  }

  @Override
  public String toString() {
    return Long.toUnsignedString(volume, 16) + ":" + Long.toUnsignedString(object);
  }
}
