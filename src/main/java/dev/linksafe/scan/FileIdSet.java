package dev.linksafe.scan;

import dev.linksafe.model.FileId;

/**
 * A set of file identities held in primitive arrays (open addressing, two longs a slot), so that
 * millions of them cost no object each: the directories a walk visited, or the inodes a snapshot
 * reused.
 */
public final class FileIdSet {
  private long[] slots = new long[2 * 1024];
  private boolean[] used = new boolean[1024];
  private int size;

  /** Adds the id; returns false when it was already present. */
  public synchronized boolean add(FileId id) {
    if (size * 2 >= used.length) {
      grow();
    }
    return insert(slots, used, id.volume(), id.object());
  }

  private boolean insert(long[] s, boolean[] u, long volume, long object) {
    int mask = u.length - 1;
    int i = Long.hashCode(object * 0x9E3779B97F4A7C15L ^ volume) & mask;
    while (u[i]) {
      if (s[2 * i] == volume && s[2 * i + 1] == object) {
        return false;
      }
      i = (i + 1) & mask;
    }
    u[i] = true;
    s[2 * i] = volume;
    s[2 * i + 1] = object;
    if (s == slots) {
      size++;
    }
    return true;
  }

  private void grow() {
    long[] oldSlots = slots;
    boolean[] oldUsed = used;
    long[] newSlots = new long[oldSlots.length * 2];
    boolean[] newUsed = new boolean[oldUsed.length * 2];
    for (int i = 0; i < oldUsed.length; i++) {
      if (oldUsed[i]) {
        insert(newSlots, newUsed, oldSlots[2 * i], oldSlots[2 * i + 1]);
      }
    }
    slots = newSlots;
    used = newUsed;
  }
}
