package dev.linksafe.model;

/**
 * What the platform reports for one name, without following it (lstat). Times are nanoseconds
 * since the epoch.
 *
 * @param kind what the name is
 * @param id the file object's identity
 * @param size the size in bytes (for a symlink, the length of its target)
 * @param modifiedNanos last modification time
 * @param accessedNanos last access time
 * @param changedNanos last status change time (ctime), or the modification time where unknown
 * @param linkCount the number of names of the file object, on every volume
 * @param mode the POSIX permission bits (07777), 0 where unknown
 * @param uid the owner, -1 where unknown
 * @param gid the group, -1 where unknown
 * @param rdev the device number of a device node, 0 otherwise
 * @param allocatedBytes the bytes the volume holds for it (st_blocks times 512): less than its
 *     size for a file with holes; its size where unknown
 */
public record FileStatus(
    EntryKind kind,
    FileId id,
    long size,
    long modifiedNanos,
    long accessedNanos,
    long changedNanos,
    int linkCount,
    int mode,
    int uid,
    int gid,
    long rdev,
    long allocatedBytes) {

  /** A status whose allocated bytes are not known: taken to be its size. */
  public FileStatus(EntryKind kind, FileId id, long size, long modifiedNanos, long accessedNanos,
      long changedNanos, int linkCount, int mode, int uid, int gid, long rdev) {
    this(kind, id, size, modifiedNanos, accessedNanos, changedNanos, linkCount, mode, uid, gid, rdev, size);
  }

  public FileStatus {
    if (kind == null || id == null) {
      throw new IllegalArgumentException("kind and id are required");
    }
    if (size < 0 || linkCount < 0) {
      throw new IllegalArgumentException("negative size or link count");
    }
  }

  /**
   * Whether this has more than one name: a regular file, or a symlink, FIFO or device node
   * (Linux links those themselves; {@code cp -al} and snapshot tools do it to symlinks).
   */
  public boolean isHardLinked() {
    return linkCount > 1 && (kind == EntryKind.REGULAR_FILE || kind == EntryKind.SYMLINK
        || kind == EntryKind.FIFO || kind == EntryKind.CHARACTER_DEVICE || kind == EntryKind.BLOCK_DEVICE);
  }
}
