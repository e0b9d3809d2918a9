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
 */
public record MirrorOptions(Path indexDirectory, boolean delete, boolean checksum, Path linkDest) {
  /** A plain copy: no index, nothing deleted, size and time trusted. */
  public static final MirrorOptions NONE = new MirrorOptions(null, false, false, null);

  public MirrorOptions(Path indexDirectory, boolean delete, boolean checksum) {
    this(indexDirectory, delete, checksum, null);
  }
}
