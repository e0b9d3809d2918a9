package dev.linksafe.scan;

import dev.linksafe.model.Entry;
import dev.linksafe.model.LinkGroup;

/**
 * Receives the members the scan lists on request, from any thread. Complete groups arrive as
 * soon as their last name is seen; partial groups at the end.
 */
public interface ScanListener {
  ScanListener NONE = new ScanListener() { };

  default void group(LinkGroup group) {}

  default void link(Entry link) {}

  /** A junction, with whether its target lies inside the tree. */
  default void junction(Entry junction, boolean inner) {}

  default void mountPoint(Entry directory) {}

  /** A directory already visited under another name (bind mount, directory hard link): not descended again. */
  default void revisitedDirectory(Entry directory) {}
}
