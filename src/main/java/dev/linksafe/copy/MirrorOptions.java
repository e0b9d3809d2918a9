package dev.linksafe.copy;

import java.nio.file.Path;

/**
 * What makes a copy a mirror: an incremental index, deletion of what left the source, and
 * byte comparison instead of trusting size and times.
 *
 * @param indexDirectory where the pair's index is kept, or null to use none
 * @param delete whether names gone from the source are removed from the destination (excluded
 *     names and names that could not be read at the source are kept)
 * @param checksum whether files of equal size and time are compared byte for byte
 * @param linkDest a previous copy (snapshot) whose files, where unchanged, are hard-linked
 *     instead of copied, or null
 * @param linkDestSince when that copy was started (nanoseconds): only a source file whose
 *     status (ctime) has not changed since may share its inode, so that changed attributes,
 *     ACLs or contents with a restored time are never shared unless their bytes and
 *     attributes are compared equal
 * @param groups where that copy holds each source hard-link group's file, and where to note
 *     where this one does
 */
public record MirrorOptions(Path indexDirectory, boolean delete, boolean checksum, Path linkDest,
    long linkDestSince, GroupLocations groups) {
  /** A plain copy: no index, nothing deleted, size and time trusted. */
  public static final MirrorOptions NONE = new MirrorOptions(null, false, false, null, 0, GroupLocations.NONE);

  public MirrorOptions(Path indexDirectory, boolean delete, boolean checksum) {
    this(indexDirectory, delete, checksum, null, 0, GroupLocations.NONE);
  }
}
