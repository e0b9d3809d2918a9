package dev.linksafe.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Retention on a synthetic calendar: snapshots every 30 minutes for 90 days. */
class RetentionPolicyTest {
  private static final Instant END = Instant.parse("2026-11-24T20:30:00Z");

  private static List<Instant> everyHalfHourFor90Days() {
    List<Instant> times = new ArrayList<>();
    for (Instant t = END.minus(Duration.ofDays(90)); !t.isAfter(END); t = t.plus(Duration.ofMinutes(30))) {
      times.add(t);
    }
    return times;
  }

  private static Set<Instant> kept(RetentionPolicy p) {
    return new TreeSet<>(p.keep(everyHalfHourFor90Days()));
  }

  @Test
  void keepLastKeepsTheNewest() {
    assertEquals(Set.of(END, END.minus(Duration.ofMinutes(30)), END.minus(Duration.ofMinutes(60))),
        kept(new RetentionPolicy(3, 0, 0, 0, 0)));
  }

  @Test
  void hourlyKeepsTheNewestOfEachOfTheLastHours() {
    Set<Instant> k = kept(new RetentionPolicy(0, 24, 0, 0, 0));
    assertEquals(24, k.size());
    assertEquals(END, ((TreeSet<Instant>) k).last());
    // 20:30 for its hour, then 19:30, 18:30, ...: the newest of each hour
    assertEquals(END.minus(Duration.ofHours(23)), ((TreeSet<Instant>) k).first());
  }

  @Test
  void dailyKeepsTheLastSnapshotOfEachDay() {
    TreeSet<Instant> k = (TreeSet<Instant>) kept(new RetentionPolicy(0, 0, 7, 0, 0));
    assertEquals(7, k.size());
    assertEquals(END, k.last()); // today's newest
    assertEquals(Instant.parse("2026-11-23T23:30:00Z"), k.lower(END)); // yesterday's last
    assertEquals(Instant.parse("2026-11-18T23:30:00Z"), k.first());
  }

  @Test
  void weeklyAndMonthlyUseIsoWeeksAndCalendarMonths() {
    TreeSet<Instant> weekly = (TreeSet<Instant>) kept(new RetentionPolicy(0, 0, 0, 4, 0));
    assertEquals(4, weekly.size());
    // 2026-11-22 is a Sunday: the end of ISO week 47
    assertEquals(Instant.parse("2026-11-22T23:30:00Z"), weekly.lower(END));
    TreeSet<Instant> monthly = (TreeSet<Instant>) kept(new RetentionPolicy(0, 0, 0, 0, 3));
    assertEquals(Set.of(END, Instant.parse("2026-10-31T23:30:00Z"), Instant.parse("2026-09-30T23:30:00Z")),
        monthly);
  }

  @Test
  void rulesAddUpAndOverlapOnce() {
    Set<Instant> k = kept(new RetentionPolicy(2, 24, 7, 4, 3));
    Set<Instant> expected = new TreeSet<>();
    expected.addAll(kept(new RetentionPolicy(2, 0, 0, 0, 0)));
    expected.addAll(kept(new RetentionPolicy(0, 24, 0, 0, 0)));
    expected.addAll(kept(new RetentionPolicy(0, 0, 7, 0, 0)));
    expected.addAll(kept(new RetentionPolicy(0, 0, 0, 4, 0)));
    expected.addAll(kept(new RetentionPolicy(0, 0, 0, 0, 3)));
    assertEquals(expected, k);
  }

  @Test
  void aPolicyThatKeepsNothingIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RetentionPolicy(0, 0, 0, 0, 0));
  }
}
