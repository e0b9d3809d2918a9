package dev.linksafe.cli;

import dev.linksafe.snapshot.SnapshotInfo;
import dev.linksafe.snapshot.SnapshotRepository;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "snapshots", mixinStandardHelpOptions = true,
    description = {"Lists the snapshots in REPO with their time, files and bytes added, from their "
        + "manifests (the trees are not walked)."},
    footer = ExitCodes.HELP_FOOTER)
final class SnapshotsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REPO", description = "The snapshot repository.")
  Path repository;

  @Option(names = "--json", description = "Print the list as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Arguments.repository(repository);
    List<SnapshotInfo> list = new SnapshotRepository(repository).list();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Output.json(out, Map.of("snapshots", list.stream().map(SnapshotInfo::toMap).toList()));
    } else {
      out.printf("%-24s %12s %12s %12s%n", "snapshot", "files", "copied", "bytes added");
      for (SnapshotInfo s : list) {
        // a snapshot whose manifest is lost shows what it can: its name
        out.printf("%-24s %12s %12s %12s%n", s.name(), s.files() < 0 ? "?" : Output.count(s.files()),
            s.filesCopied() < 0 ? "?" : Output.count(s.filesCopied()),
            s.bytesAdded() < 0 ? "?" : Output.bytes(s.bytesAdded()));
      }
    }
    return ExitCodes.OK;
  }
}
