package dev.linksafe.snapshot;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Which snapshots to keep, by the rules people know from borg, rsnapshot and Time Machine: the
 * last N; and for each of the last N hours, days, ISO weeks and months that have snapshots, the
 * newest of that period. A snapshot kept by any rule is kept. Periods are in UTC. Pure: it
 * decides from times alone.
 */
public record RetentionPolicy(int last, int hourly, int daily, int weekly, int monthly) {
  public RetentionPolicy {
    if (last < 0 || hourly < 0 || daily < 0 || weekly < 0 || monthly < 0) {
      throw new IllegalArgumentException("keep counts cannot be negative");
    }
    if (last + hourly + daily + weekly + monthly == 0) {
      throw new IllegalArgumentException("a policy that keeps nothing would delete every snapshot: "
          + "give at least one --keep-* count");
    }
  }

  /** The times to keep, out of {@code times}. */
  public Set<Instant> keep(List<Instant> times) {
    List<Instant> newestFirst = new ArrayList<>(times);
    newestFirst.sort(Comparator.reverseOrder());
    Set<Instant> kept = new LinkedHashSet<>(newestFirst.subList(0, Math.min(last, newestFirst.size())));
    kept.addAll(newestPerPeriod(newestFirst, hourly, t -> utc(t).truncatedTo(ChronoUnit.HOURS).toString()));
    kept.addAll(newestPerPeriod(newestFirst, daily, t -> utc(t).toLocalDate().toString()));
    kept.addAll(newestPerPeriod(newestFirst, weekly, t -> utc(t).get(IsoFields.WEEK_BASED_YEAR)
        + "-W" + utc(t).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)));
    kept.addAll(newestPerPeriod(newestFirst, monthly, t -> utc(t).getYear() + "-" + utc(t).getMonthValue()));
    return kept;
  }

  private static List<Instant> newestPerPeriod(List<Instant> newestFirst, int periods,
      Function<Instant, String> period) {
    List<Instant> result = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Instant t : newestFirst) {
      if (result.size() == periods) {
        break;
      }
      if (seen.add(period.apply(t))) {
        result.add(t);
      }
    }
    return result;
  }

  private static ZonedDateTime utc(Instant t) {
    return t.atZone(ZoneOffset.UTC);
  }
}
