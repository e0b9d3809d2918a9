package dev.linksafe.model;

import java.nio.file.Path;

/**
 * One name found in a tree, with what it is and, for links, where it points. Entries stream from
 * the scanner to later stages; none of them is kept for the whole tree.
 *
 * @param relative the name relative to the scanned root (empty for the root itself)
 * @param status the platform's view of the name
 * @param symlink the symlink's target and class, for {@link EntryKind#SYMLINK}; else null
 * @param reparsePoint the reparse data, for a reparse point; else null
 * @param mountPoint whether this directory lies on another volume than its parent
 */
public record Entry(Path relative, FileStatus status, Symlink symlink, ReparsePoint reparsePoint,
    boolean mountPoint) {
  public Entry {
    if (relative == null || status == null) {
      throw new IllegalArgumentException("relative path and status are required");
    }
    if (relative.isAbsolute()) {
      throw new IllegalArgumentException("entry path must be relative: " + relative);
    }
  }

  public EntryKind kind() {
    return status.kind();
  }

  public FileId id() {
    return status.id();
  }
}
