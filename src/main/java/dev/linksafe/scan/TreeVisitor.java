package dev.linksafe.scan;

import dev.linksafe.model.Entry;
import dev.linksafe.model.Problem;

/**
 * Receives what {@link TreeWalker} finds. Calls arrive from several threads at once, but for a
 * directory, {@link #enterDirectory} comes before any of its children and {@link #leaveDirectory}
 * after all of them have returned.
 *
 * @param <D> what the visitor keeps for a directory while it is being walked
 */
public interface TreeVisitor<D> {

  /**
   * A directory, before its children (also the root, whose relative path is empty), with the
   * state of its parent (null for the root). Returns the state to keep for it, or null not to
   * descend into it.
   */
  D enterDirectory(D parent, Entry directory);

  /** Any entry that is not a directory, with the state of its directory. */
  void visit(D parent, Entry entry);

  /** A directory, after all its children were visited; not called when enter returned null. */
  default void leaveDirectory(D directory) {}

  /** A name that could not be read; the walk goes on. */
  void problem(Problem problem);

  /**
   * Whether the walk should end early (the destination filled up): once true, no further
   * directory is entered and no further entry handed out; work under way finishes.
   */
  default boolean stopped() {
    return false;
  }

  /**
   * A directory reached a second time under the same identity (bind mount, directory hard
   * link): it is not descended again.
   */
  default void revisitedDirectory(D parent, Entry directory) {}
}
