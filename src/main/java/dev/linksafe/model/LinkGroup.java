package dev.linksafe.model;

import java.nio.file.Path;
import java.util.List;

/**
 * A hard-link group: one file object and the names it has inside the scanned tree.
 *
 * @param id the file object
 * @param linkCount how many names it has in all, inside the tree or not
 * @param size its size in bytes
 * @param names its names inside the tree, in the order found
 */
public record LinkGroup(FileId id, int linkCount, long size, List<Path> names) {
  public LinkGroup {
    names = List.copyOf(names);
    if (names.isEmpty() || names.size() > linkCount) {
      throw new IllegalArgumentException("a group has between one and linkCount names: " + id);
    }
  }

  /** Whether every name of the file lies inside the tree. */
  public boolean isComplete() {
    return names.size() == linkCount;
  }
}
