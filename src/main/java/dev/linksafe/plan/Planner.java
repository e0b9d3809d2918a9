package dev.linksafe.plan;

import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.nio.file.Path;

/**
 * Decides the step for one source entry from what stands at its destination name. Pure: it
 * reads no files, so it is tested on records alone.
 */
public final class Planner {
  private Planner() {}

  /**
   * The step for a directory, a file that is not a later name of a hard-link group, a symlink
   * or a special file.
   *
   * @param existing what stands at {@code target}, or null when nothing does
   * @param existingSymlinkTarget the target of the existing symlink, when it is one
   */
  public static Action plan(Entry entry, Path target, FileStatus existing, String existingSymlinkTarget) {
    return plan(entry, target, existing, existingSymlinkTarget, 1);
  }

  /**
   * As {@link #plan(Entry, Path, FileStatus, String)}, for a destination that keeps modification
   * times only to {@code granularity} nanoseconds (100 on NTFS).
   */
  public static Action plan(Entry entry, Path target, FileStatus existing, String existingSymlinkTarget,
      long granularity) {
    EntryKind kind = entry.kind();
    if (kind == EntryKind.DIRECTORY) {
      if (existing == null) {
        return new Action(Action.Kind.CREATE_DIRECTORY, entry, target, null);
      }
      return new Action(existing.kind() == EntryKind.DIRECTORY
          ? Action.Kind.KEEP_DIRECTORY : Action.Kind.REPLACE_WITH_DIRECTORY, entry, target, null);
    }
    if (existing != null && existing.kind() == EntryKind.DIRECTORY) {
      return new Action(Action.Kind.CONFLICT, entry, target, null);
    }
    switch (kind) {
      case REGULAR_FILE:
        if (existing == null) {
          return new Action(Action.Kind.COPY_FILE, entry, target, null);
        }
        return new Action(sameFile(entry.status(), existing, granularity) && !wronglyLinked(entry, existing)
            ? Action.Kind.UNCHANGED : Action.Kind.REPLACE_FILE, entry, target, null);
      case SYMLINK:
      case REPARSE_POINT:
        if (existing == null) {
          return new Action(Action.Kind.CREATE_SYMLINK, entry, target, null);
        }
        boolean same = existing.kind() == EntryKind.SYMLINK && entry.symlink() != null
            && entry.symlink().target().equals(existingSymlinkTarget)
            && sameTime(existing.modifiedNanos(), entry.status().modifiedNanos(), granularity)
            && !(kind == EntryKind.SYMLINK && wronglyLinked(entry, existing));
        return new Action(same ? Action.Kind.UNCHANGED : Action.Kind.REPLACE_SYMLINK, entry, target, null);
      default:
        if (existing == null) {
          return new Action(Action.Kind.CREATE_SPECIAL, entry, target, null);
        }
        boolean sameSpecial = existing.kind() == kind && existing.rdev() == entry.status().rdev()
            && !wronglyLinked(entry, existing);
        return new Action(sameSpecial ? Action.Kind.UNCHANGED : Action.Kind.REPLACE_SPECIAL, entry, target, null);
    }
  }

  /**
   * Whether the destination's name is linked to something the source does not link it to: then
   * it is replaced, never left sharing an inode the source does not share.
   */
  private static boolean wronglyLinked(Entry entry, FileStatus existing) {
    return entry.status().linkCount() == 1 && existing.linkCount() > 1;
  }

  /**
   * The step for a later name of a hard-link group whose first name was written to
   * {@code firstTarget}, the file {@code firstId}.
   */
  public static Action planLink(Entry entry, Path target, FileStatus existing, Path firstTarget,
      FileId firstId) {
    if (existing == null) {
      return new Action(Action.Kind.LINK, entry, target, firstTarget);
    }
    if (existing.kind() == EntryKind.DIRECTORY) {
      return new Action(Action.Kind.CONFLICT, entry, target, null);
    }
    return new Action(existing.id().equals(firstId) ? Action.Kind.UNCHANGED : Action.Kind.RELINK,
        entry, target, firstTarget);
  }

  /**
   * The quick check of rsync: a regular file of equal size and modification time is taken as the
   * same; times are compared to the {@code granularity} the destination keeps them at.
   */
  public static boolean sameFile(FileStatus source, FileStatus existing, long granularity) {
    return existing.kind() == EntryKind.REGULAR_FILE
        && existing.size() == source.size()
        && sameTime(existing.modifiedNanos(), source.modifiedNanos(), granularity);
  }

  /** Whether two times are one where times are kept to {@code granularity} nanoseconds. */
  public static boolean sameTime(long a, long b, long granularity) {
    return granularity <= 1 ? a == b : Math.floorDiv(a, granularity) == Math.floorDiv(b, granularity);
  }
}
