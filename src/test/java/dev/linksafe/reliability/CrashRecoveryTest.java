package dev.linksafe.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.snapshot.SnapshotInfo;
import dev.linksafe.snapshot.SnapshotRepository;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copy}, {@code mirror} and {@code snapshot} of a link-heavy tree, each killed with SIGKILL
 * at points spread over a whole run (JVM start included), then run again: the result must be
 * identical to the source with the same hard-link partition, with no temporary file and no
 * in-progress snapshot left visible. The number of kill points tried, and how many landed while
 * the run was still working, is printed and written to {@code target/kill-points.txt}.
 */
class CrashRecoveryTest {
  private static final int KILL_POINTS = 8;
  private static final List<String> SUMMARY = new ArrayList<>();
  @TempDir Path base;

  @AfterAll
  static void report() throws IOException {
    String text = String.join(System.lineSeparator(), SUMMARY) + System.lineSeparator();
    System.out.print(text);
    Files.writeString(Path.of("target", "kill-points.txt"), text);
  }

  /** Runs the CLI to the end; returns its wall time in milliseconds. */
  private static long runToEnd(List<String> command) throws Exception {
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), "finished: " + command);
    assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** Starts the CLI, kills it after {@code delayMillis}; returns whether it was still running. */
  private static boolean killAfter(List<String> command, long delayMillis) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    boolean finished = p.waitFor(delayMillis, TimeUnit.MILLISECONDS);
    p.destroyForcibly(); // SIGKILL
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return !finished;
  }

  /** Kill delays spread evenly over a run of {@code millis}, each moved a little at random. */
  private static long[] killDelays(long millis, long seed) {
    Random random = new Random(seed);
    long[] delays = new long[KILL_POINTS];
    for (int i = 0; i < KILL_POINTS; i++) {
      delays[i] = (long) (millis * (i + 0.25 + 0.5 * random.nextDouble()) / KILL_POINTS);
    }
    return delays;
  }

  private static void record(String command, int interrupted) {
    SUMMARY.add(String.format("%-8s %d kill points tried, %d landed while the run was working",
        command, KILL_POINTS, interrupted));
  }

  @Test
  void copyKilledAnywhereThenRerunIsComplete() throws Exception {
    Path src = LinkHeavyTree.create(base.resolve("src"), 1);
    long millis = runToEnd(Privileged.javaCommand("copy", src.toString(), base.resolve("timed").toString()));
    int interrupted = 0;
    long[] delays = killDelays(millis, 2);
    for (int i = 0; i < KILL_POINTS; i++) {
      Path dst = base.resolve("dst" + i);
      String mode = i % 2 == 0 ? "temp" : "in-place";
      List<String> copy = Privileged.javaCommand("copy", "--new-files", mode, src.toString(), dst.toString());
      if (killAfter(copy, delays[i])) {
        interrupted++;
      }
      runToEnd(copy);
      assertComplete(src, dst);
    }
    record("copy", interrupted);
    assertTrue(interrupted >= KILL_POINTS / 2, interrupted + " kills landed inside a run");
  }

  @Test
  void mirrorKilledAnywhereThenRerunIsCompleteWithAUsableIndex() throws Exception {
    Path src = LinkHeavyTree.create(base.resolve("src"), 3);
    Path dst = base.resolve("dst");
    List<String> mirror = Privileged.javaCommand("mirror", "--delete", "--index-dir",
        base.resolve("index").toString(), src.toString(), dst.toString());
    runToEnd(mirror);
    int interrupted = 0;
    Random random = new Random(4);
    for (int i = 0; i < KILL_POINTS; i++) {
      LinkHeavyTree.change(src, random);
      long millis = runToEndOnCopy(src, base.resolve("timing" + i));
      if (killAfter(mirror, killDelays(millis, i)[i])) {
        interrupted++;
      }
      runToEnd(mirror);
      assertComplete(src, dst);
    }
    record("mirror", interrupted);
    assertTrue(interrupted >= KILL_POINTS / 2, interrupted + " kills landed inside a run");
  }

  /** How long a run with changes takes: timed as a mirror of the changed source into a copy. */
  private long runToEndOnCopy(Path src, Path scratch) throws Exception {
    return runToEnd(Privileged.javaCommand("copy", src.toString(), scratch.toString()));
  }

  @Test
  void snapshotKilledAnywhereThenRerunIsCompleteAndNoneIsHalfVisible() throws Exception {
    Path src = LinkHeavyTree.create(base.resolve("src"), 5);
    Path repo = base.resolve("repo");
    List<String> snapshot = Privileged.javaCommand("snapshot", src.toString(), repo.toString());
    long millis = runToEnd(snapshot);
    int interrupted = 0;
    Random random = new Random(6);
    long[] delays = killDelays(millis, 7);
    for (int i = 0; i < KILL_POINTS; i++) {
      LinkHeavyTree.change(src, random);
      int before = new SnapshotRepository(repo).list().size();
      if (killAfter(snapshot, delays[i])) {
        interrupted++;
      }
      runToEnd(snapshot);
      List<SnapshotInfo> all = new SnapshotRepository(repo).list();
      assertTrue(all.size() == before + 1 || all.size() == before + 2, "one new snapshot (two if the"
          + " killed run had finished): " + before + " -> " + all.size());
      Path newest = repo.resolve(all.get(all.size() - 1).name());
      assertComplete(src, newest);
      try (Stream<Path> names = Files.list(repo)) {
        List<String> inProgress = names.map(p -> p.getFileName().toString())
            .filter(n -> n.contains("in-progress") || n.contains("deleting")).toList();
        assertEquals(List.of(), inProgress, "nothing half-made left visible");
      }
    }
    record("snapshot", interrupted);
    assertTrue(interrupted >= KILL_POINTS / 2, interrupted + " kills landed inside a run");
  }

  private static void assertComplete(Path src, Path dst) throws IOException {
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);
    assertEquals(List.of(), Trees.temporaryFiles(dst), "no temporary file left");
    assertFalse(Files.exists(dst.resolve(".linksafe-running")));
  }
}
