package dev.linksafe.model;

/** Where a link leads, judged by resolving it fully. */
public enum SymlinkClass {
  /** The final target exists inside the scanned tree. */
  INNER,
  /** The final target exists outside the scanned tree. */
  OUTER,
  /** The target, or a link on the way to it, does not exist. */
  DANGLING,
  /** Resolution runs in a cycle. */
  LOOP
}
