package dev.linksafe.cli;

import dev.linksafe.snapshot.RetentionPolicy;
import dev.linksafe.snapshot.SnapshotRepository;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true,
    description = {"Removes the snapshots that no retention rule keeps. A snapshot is kept when it "
        + "is among the last N, or the newest of one of the last N hours, days, ISO weeks or "
        + "months that have snapshots (UTC). Removing a snapshot never harms another: files they "
        + "share stay while any name remains. Snapshots in progress are never touched."},
    footer = ExitCodes.HELP_FOOTER)
final class PruneCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REPO", description = "The snapshot repository.")
  Path repository;

  @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest snapshots.")
  int last;

  @Option(names = "--keep-hourly", paramLabel = "N", description = "Keep the newest of each of the last N hours.")
  int hourly;

  @Option(names = "--keep-daily", paramLabel = "N", description = "Keep the newest of each of the last N days.")
  int daily;

  @Option(names = "--keep-weekly", paramLabel = "N", description = "Keep the newest of each of the last N weeks.")
  int weekly;

  @Option(names = "--keep-monthly", paramLabel = "N", description = "Keep the newest of each of the last N months.")
  int monthly;

  @Option(names = {"-n", "--dry-run"}, description = "Print what would be removed; remove nothing.")
  boolean dryRun;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Arguments.repository(repository);
    RetentionPolicy policy;
    try {
      policy = new RetentionPolicy(last, hourly, daily, weekly, monthly);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    SnapshotRepository.Pruned pruned = new SnapshotRepository(repository).prune(policy, dryRun);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("dryRun", dryRun);
      m.put("kept", pruned.kept());
      m.put("removed", pruned.removed());
      Output.json(out, m);
    } else {
      pruned.kept().forEach(n -> out.printf("keep   %s%n", n));
      pruned.removed().forEach(n -> out.printf("%s %s%n", dryRun ? "would remove" : "remove", n));
    }
    return ExitCodes.OK;
  }
}
