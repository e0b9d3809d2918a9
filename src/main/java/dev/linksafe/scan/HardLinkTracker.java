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
    final S state;
    int linkCount;
    int seen;

    Group(S state, int linkCount) {
      this.state = state;
      this.linkCount = linkCount;
    }
  }

  private final Map<FileId, Group<S>> open = new ConcurrentHashMap<>();

  /**
   * Records one name of the file {@code id}, which has {@code linkCount} names in all. The state
   * is made by {@code newState} for the group's first name.
   */
  public Sighting<S> sight(FileId id, int linkCount, Supplier<S> newState) {
    return sight(id, linkCount, newState, state -> { });
  }

  /**
   * As {@link #sight(FileId, int, Supplier)}, and records this name into the group's state with
   * {@code record} atomically with the count, so that whoever sees the last name sees every name.
   */
  public Sighting<S> sight(FileId id, int linkCount, Supplier<S> newState, Consumer<S> record) {
    Object[] result = new Object[1];
    open.compute(id, (key, group) -> {
      boolean first = group == null;
      if (first) {
        group = new Group<>(newState.get(), linkCount);
      }
      // a link made during the walk raises the count; trust the largest one seen
      group.linkCount = Math.max(group.linkCount, linkCount);
      group.seen++;
      record.accept(group.state);
      boolean last = group.seen >= group.linkCount;
      result[0] = new Sighting<>(group.state, first, last, group.seen, group.linkCount);
      return last ? null : group;
    });
    @SuppressWarnings("unchecked")
    Sighting<S> sighting = (Sighting<S>) result[0];
    return sighting;
  }

  /** How many groups are open now. */
  public int openGroups() {
    return open.size();
  }

  /** Calls {@code action} for each group still open; at the end of a walk, the partial ones. */
  public void forEachOpen(Consumer<OpenGroup<S>> action) {
    open.forEach((id, g) -> action.accept(new OpenGroup<>(id, g.state, g.seen, g.linkCount)));
  }
}
