package dev.linksafe.copy;

import dev.linksafe.platform.FileSystemAccess.ReflinkMode;
import dev.linksafe.scan.WalkOptions;

/**
 * How {@link CopyEngine} copies.
 *
 * @param walk how the source is walked (excludes, threads, one file system)
 * @param dryRun plan and report only; write nothing
 * @param reflink whether file contents are cloned where the volume can
 * @param owners whether to set owner and group (needs privileges)
 * @param xattrs whether to copy extended attributes
 * @param newFilesInPlace whether a file that does not exist at the destination yet is written at
 *     its final name (its final modification time set last, so a partial one is recognised and
 *     replaced by the next run) instead of under a temporary name; an existing file is always
 *     replaced through a temporary name
 * @param reparse how junctions and Windows symlinks are copied
 * @param mirror index, deletion and comparison for {@code mirror}; {@link MirrorOptions#NONE} for a copy
 */
public record CopyOptions(WalkOptions walk, boolean dryRun, ReflinkMode reflink, boolean owners,
    boolean xattrs, boolean newFilesInPlace, ReparsePolicy reparse, MirrorOptions mirror) {
  public CopyOptions {
    if (walk == null || reflink == null || reparse == null || mirror == null) {
      throw new IllegalArgumentException("walk options, reflink mode, reparse and mirror policies are required");
    }
  }

  /**
   * Defaults: a real copy; contents through copy_file_range, which shares extents where the
   * volume can (as cp does by default); owners when privileged; extended attributes.
   */
  public static CopyOptions defaults(boolean privileged) {
    return new CopyOptions(WalkOptions.defaults().withClassifySymlinks(false), false,
        ReflinkMode.AUTO, privileged, true, false, ReparsePolicy.DEFAULT, MirrorOptions.NONE);
  }

  public CopyOptions withWalk(WalkOptions w) {
    return new CopyOptions(w, dryRun, reflink, owners, xattrs, newFilesInPlace, reparse, mirror);
  }

  public CopyOptions withDryRun(boolean d) {
    return new CopyOptions(walk, d, reflink, owners, xattrs, newFilesInPlace, reparse, mirror);
  }

  public CopyOptions withReflink(ReflinkMode r) {
    return new CopyOptions(walk, dryRun, r, owners, xattrs, newFilesInPlace, reparse, mirror);
  }

  public CopyOptions withNewFilesInPlace(boolean b) {
    return new CopyOptions(walk, dryRun, reflink, owners, xattrs, b, reparse, mirror);
  }

  public CopyOptions withReparse(ReparsePolicy r) {
    return new CopyOptions(walk, dryRun, reflink, owners, xattrs, newFilesInPlace, r, mirror);
  }

  public CopyOptions withMirror(MirrorOptions m) {
    return new CopyOptions(walk, dryRun, reflink, owners, xattrs, newFilesInPlace, reparse, m);
  }
}
