package dev.linksafe.copy;

/**
 * How junctions and Windows symlinks are copied.
 *
 * @param outer what to do with a junction whose target lies outside the source
 * @param retargetSymlinks whether absolute Windows symlinks into the source are retargeted like
 *     junctions (by default symlinks are stored exactly as they are)
 * @param destinationAs the Windows path by which the destination will be known when in use
 *     (for a disk migrated under another letter), or null to use the destination's own path
 * @param sourceDriveLetter the drive letter of the source volume, or null to read it from the
 *     volume's {@code .NTFS-3G/X:} link
 * @param destinationDriveLetter the same for the destination volume
 */
public record ReparsePolicy(Outer outer, boolean retargetSymlinks, String destinationAs,
    Character sourceDriveLetter, Character destinationDriveLetter) {

  public static final ReparsePolicy DEFAULT = new ReparsePolicy(Outer.KEEP, false, null, null, null);

  public ReparsePolicy {
    if (outer == null) {
      throw new IllegalArgumentException("an outer-junction policy is required");
    }
  }

  /** What to do with a junction that points outside the source. */
  public enum Outer {
    /** Recreate it with its target unchanged, and report it. */
    KEEP,
    /** Leave it out, and report it. */
    SKIP,
    /** Copy what it points to as a real directory (guarded against loops). */
    UNROLL
  }
}
