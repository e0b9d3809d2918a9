package dev.linksafe.cli;

import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.model.Problem;
import dev.linksafe.model.ProgressListener;
import dev.linksafe.platform.Platforms;
import dev.linksafe.snapshot.SnapshotRepository;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "snapshot", mixinStandardHelpOptions = true,
    description = {"Takes a Time-Machine-style snapshot of SRC into REPO: a complete tree at "
        + "REPO/<UTC time>/ whose files unchanged since the previous snapshot are hard links to "
        + "it, so it costs only what changed. Hard-link groups, symlinks and junctions are kept "
        + "as 'copy' keeps them. The snapshot appears only when complete; an interrupted one is "
        + "resumed by the next run. REPO/latest points at the newest.", ""},
    footer = ExitCodes.HELP_FOOTER)
final class SnapshotCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "SRC", description = "The directory to snapshot.")
  Path source;

  @Parameters(index = "1", paramLabel = "REPO", description = "The snapshot repository (created if missing).")
  Path repository;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Arguments.existingDirectory(source, "SRC");
    Arguments.destination(repository, "REPO");
    CopyOptions options = CopyOptions.defaults(Platforms.isPrivileged())
        .withWalk(common.walkOptions(Main.configuration(), "snapshot").withClassifySymlinks(false));
    SnapshotRepository.Created created;
    try (ProgressDisplay progress = ProgressDisplay.open("snapshot", -1, !json)) {
      created = new SnapshotRepository(repository).create(source, options, Instant.now(),
          progress.isShown() ? progress : ProgressListener.NONE);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    CopyReport r = created.report();
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>(created.info().toMap());
      m.put("path", created.path().toString());
      m.put("resumed", created.resumed());
      m.put("copy", r.toMap());
      m.put("problems", r.problems().stream().map(p -> Map.of("path", p.path(), "message", p.message())).toList());
      Output.json(out, m);
    } else {
      for (Problem p : r.problems()) {
        spec.commandLine().getErr().printf("linksafe: %s%n", p);
      }
      out.printf("snapshot %s%s%n", created.path(), created.resumed() ? " (resumed an interrupted one)" : "");
      out.printf("  copied %,d files (%s), linked %,d unchanged files to the previous snapshot, %,d errors%n",
          r.filesCopied(), Output.bytes(r.bytesCopied()), r.linkedToPrevious(), r.errors());
    }
    return r.errors() > 0 ? ExitCodes.PROBLEMS : ExitCodes.OK;
  }
}
