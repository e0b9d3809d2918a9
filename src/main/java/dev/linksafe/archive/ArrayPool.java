package dev.linksafe.archive;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Arrays for the bytes of small files on their way between threads, reused. An array of its
 * own for each file came to every byte of the tree's small files in garbage (425 MB for the
 * benchmark tree), and the young collections that copied the arrays still in flight took a
 * quarter of an archive's time. Arrays come in power-of-two sizes from 4 KiB, so one may be up
 * to twice the bytes it holds; the pool keeps at most {@code limit} bytes of free arrays.
 */
final class ArrayPool {
  private static final int SMALLEST_SHIFT = 12;
  private static final byte[] EMPTY = new byte[0];

  private final ConcurrentLinkedQueue<byte[]>[] free;
  private final AtomicLong kept = new AtomicLong();
  private final long limit;

  /** @param largest the largest size asked for; @param limit the most bytes kept free */
  @SuppressWarnings("unchecked")
  ArrayPool(int largest, long limit) {
    this.free = new ConcurrentLinkedQueue[sizeClass(largest) + 1];
    for (int i = 0; i < free.length; i++) {
      free[i] = new ConcurrentLinkedQueue<>();
    }
    this.limit = limit;
  }

  /** An array of at least {@code size} bytes, holding whatever it held before. */
  byte[] take(int size) {
    if (size == 0) {
      return EMPTY;
    }
    int c = sizeClass(size);
    if (c >= free.length) {
      return new byte[size];
    }
    byte[] b = free[c].poll();
    if (b != null) {
      kept.addAndGet(-b.length);
      return b;
    }
    return new byte[1 << (c + SMALLEST_SHIFT)];
  }

  /** Takes an array back for reuse (one {@link #take} gave; null and others are let go). */
  void give(byte[] b) {
    if (b == null || b.length == 0) {
      return;
    }
    int c = sizeClass(b.length);
    if (c >= free.length || (1 << (c + SMALLEST_SHIFT)) != b.length) {
      return; // not one of the pool's sizes
    }
    if (kept.addAndGet(b.length) <= limit) {
      free[c].offer(b);
    } else {
      kept.addAndGet(-b.length);
    }
  }

  private static int sizeClass(int size) {
    int bits = 32 - Integer.numberOfLeadingZeros(Math.max(size, 1 << SMALLEST_SHIFT) - 1);
    return bits - SMALLEST_SHIFT;
  }
}
