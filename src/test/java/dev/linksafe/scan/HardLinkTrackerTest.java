package dev.linksafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.FileId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bookkeeping of hard-link groups while names stream past. */
class HardLinkTrackerTest {
  private static final FileId A = new FileId(1, 100);
  private static final FileId B = new FileId(1, 200);

  private final HardLinkTracker<String> tracker = new HardLinkTracker<>();

  private HardLinkTracker.Sighting<String> sight(FileId id, int linkCount, String state) {
    return tracker.sight(id, linkCount, () -> state);
  }

  private Map<FileId, HardLinkTracker.OpenGroup<String>> open() {
    Map<FileId, HardLinkTracker.OpenGroup<String>> m = new HashMap<>();
    tracker.forEachOpen(g -> m.put(g.id(), g));
    return m;
  }

  @Test
  void firstNameIsFirstAndNotLast() {
    HardLinkTracker.Sighting<String> s = sight(A, 3, "a");
    assertTrue(s.first());
    assertFalse(s.last());
    assertEquals(1, s.seen());
    assertEquals("a", s.state());
  }

  @Test
  void middleNameIsNeitherFirstNorLastAndSharesTheFirstState() {
    sight(A, 3, "a");
    HardLinkTracker.Sighting<String> s = sight(A, 3, "never used");
    assertFalse(s.first());
    assertFalse(s.last());
    assertEquals(2, s.seen());
    assertEquals("a", s.state());
  }

  @Test
  void lastNameIsLastWhenSeenReachesTheLinkCount() {
    sight(A, 2, "a");
    HardLinkTracker.Sighting<String> s = sight(A, 2, "x");
    assertFalse(s.first());
    assertTrue(s.last());
    assertEquals(2, s.seen());
    assertEquals("a", s.state());
  }

  @Test
  void stateIsMadeOnlyForTheFirstName() {
    AtomicInteger made = new AtomicInteger();
    for (int i = 0; i < 4; i++) {
      tracker.sight(A, 4, () -> "s" + made.incrementAndGet());
    }
    assertEquals(1, made.get());
  }

  @Test
  void groupIsDroppedAfterItsLastName() {
    sight(A, 2, "a");
    assertEquals(1, tracker.openGroups());
    sight(A, 2, "a");
    assertEquals(0, tracker.openGroups());
    assertTrue(open().isEmpty());
  }

  @Test
  void groupSeenAgainAfterClosingStartsAfresh() {
    sight(A, 2, "old");
    sight(A, 2, "old");
    HardLinkTracker.Sighting<String> s = sight(A, 2, "new");
    assertTrue(s.first(), "an inode reused after the group closed is a new group");
    assertEquals("new", s.state());
  }

  @Test
  void groupsOfDifferentFilesAreKeptApart() {
    sight(A, 2, "a");
    HardLinkTracker.Sighting<String> s = sight(B, 2, "b");
    assertTrue(s.first());
    assertEquals("b", s.state());
    assertEquals(2, tracker.openGroups());
  }

  @Test
  void partialGroupsRemainOpenWithTheirCounts() {
    sight(A, 3, "a");
    sight(A, 3, "a");
    sight(B, 2, "b");
    sight(B, 2, "b");
    sight(new FileId(2, 100), 5, "c");
    Map<FileId, HardLinkTracker.OpenGroup<String>> open = open();
    assertEquals(2, open.size());
    HardLinkTracker.OpenGroup<String> a = open.get(A);
    assertEquals("a", a.state());
    assertEquals(2, a.seen());
    assertEquals(3, a.linkCount());
    assertEquals(1, open.get(new FileId(2, 100)).seen());
    assertEquals(5, open.get(new FileId(2, 100)).linkCount());
  }

  @Test
  void aLargerLinkCountSeenLaterKeepsTheGroupOpen() {
    sight(A, 2, "a");
    HardLinkTracker.Sighting<String> s = sight(A, 3, "a");
    assertFalse(s.last(), "a link made during the walk raises the count");
    assertTrue(sight(A, 3, "a").last());
  }

  @Test
  void aSmallerLinkCountSeenLaterDoesNotCloseTheGroupEarly() {
    sight(A, 3, "a");
    assertFalse(sight(A, 2, "a").last());
    assertTrue(sight(A, 2, "a").last());
  }

  @Test
  void concurrentSightingsCountExactly() throws Exception {
    int threads = 8;
    int groups = 2_000;
    int linkCount = threads;
    AtomicInteger firsts = new AtomicInteger();
    AtomicInteger lasts = new AtomicInteger();
    AtomicInteger states = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Callable<Void> work = () -> {
          start.await();
          for (int g = 0; g < groups; g++) {
            HardLinkTracker.Sighting<String> s = tracker.sight(new FileId(7, g), linkCount,
                () -> "state-" + states.incrementAndGet());
            if (s.first()) {
              firsts.incrementAndGet();
            }
            if (s.last()) {
              lasts.incrementAndGet();
              assertEquals(linkCount, s.seen());
            }
          }
          return null;
        };
        done.add(pool.submit(work));
      }
      start.countDown();
      for (Future<Void> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(groups, firsts.get(), "exactly one first name per group");
    assertEquals(groups, lasts.get(), "exactly one last name per group");
    assertEquals(groups, states.get(), "exactly one state made per group");
    assertEquals(0, tracker.openGroups());
  }

  @Test
  void concurrentSightingsOfPartialGroupsLeaveThemOpenWithExactCounts() throws Exception {
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          for (int g = 0; g < 500; g++) {
            tracker.sight(new FileId(9, g), threads + 1, () -> "p");
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<FileId, HardLinkTracker.OpenGroup<String>> open = open();
    assertEquals(500, open.size());
    open.values().forEach(g -> assertEquals(threads, g.seen(), g.id().toString()));
    assertSame("p", open.get(new FileId(9, 0)).state());
  }
}
