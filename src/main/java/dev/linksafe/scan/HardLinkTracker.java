package dev.linksafe.scan;

import dev.linksafe.model.FileId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Follows hard-link groups while names stream past: a group's bookkeeping exists from its first
 * name until its last, so memory is bounded by the groups still open, not by the tree. What is
 * left open at the end are the partial groups, whose other names lie outside the tree.
 *
 * @param <S> what a caller keeps per open group (its names, or where its first copy went)
 */
public final class HardLinkTracker<S> {

  /**
   * One name of a group seen: the group's state, where this name stands in it, and the largest
   * link count seen for the group.
   */
  public record Sighting<S>(S state, boolean first, boolean last, int seen, int linkCount) {}

  /** A group still open: its state, how many names were seen and how many it has in all. */
  public record OpenGroup<S>(FileId id, S state, int seen, int linkCount) {}

  private static final class Group<S> {
    S state;
    int linkCount;
    int seen;
    /** Its last name was seen and it left the map: a later sighting starts a new group. */
    boolean closed;

    Group() {}
  }

  private final Map<FileId, Group<S>> open = new ConcurrentHashMap<>();

  /**
   * Records one name of the file {@code id}, which has {@code linkCount} names in all. The state
   * is made by {@code newState} for the group's first name.
   */
  public Sighting<S> sight(FileId id, int linkCount, Supplier<S> newState) {
    return sight(id, linkCount, newState, NOTHING_RECORDED);
  }

  private static final Consumer<Object> NOTHING_RECORDED = state -> { };

  /**
   * As {@link #sight(FileId, int, Supplier)}, and records this name into the group's state with
   * {@code record} atomically with the count, so that whoever sees the last name sees every name.
   */
  public Sighting<S> sight(FileId id, int linkCount, Supplier<S> newState, Consumer<? super S> record) {
    // a look-up and a lock on the group rather than ConcurrentHashMap.compute: compute needs a
    // capturing function and a holder for its result, made anew for each of a walk's names
    while (true) {
      Group<S> group = open.get(id);
      if (group == null) {
        // its count is set under the lock with its first sighting: whoever locks first is first
        Group<S> made = new Group<>();
        group = open.putIfAbsent(id, made);
        if (group == null) {
          group = made;
        }
      }
      synchronized (group) {
        if (group.closed) {
          continue;
        }
        boolean first = group.seen == 0;
        if (first) {
          try {
            group.state = newState.get();
          } catch (RuntimeException | Error e) {
            group.closed = true; // no group is left behind without a name
            open.remove(id, group);
            throw e;
          }
        }
        // a link made during the walk raises the count; trust the largest one seen
        group.linkCount = Math.max(group.linkCount, linkCount);
        group.seen++;
        record.accept(group.state);
        boolean last = group.seen >= group.linkCount;
        if (last) {
          group.closed = true;
          open.remove(id, group);
        }
        return new Sighting<>(group.state, first, last, group.seen, group.linkCount);
      }
    }
  }

  /** How many groups are open now. */
  public int openGroups() {
    return open.size();
  }

  /** Calls {@code action} for each group still open; at the end of a walk, the partial ones. */
  public void forEachOpen(Consumer<OpenGroup<S>> action) {
    open.forEach((id, g) -> {
      OpenGroup<S> group;
      synchronized (g) {
        group = g.closed || g.seen == 0 ? null : new OpenGroup<>(id, g.state, g.seen, g.linkCount);
      }
      if (group != null) {
        action.accept(group);
      }
    });
  }
}
