package dev.linksafe.cli;

import dev.linksafe.platform.RawNames;
import dev.linksafe.snapshot.SnapshotRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restores a snapshot to DST with the guarantees of 'copy'. SNAPSHOT is "
        + "REPO/<name>, or REPO alone for the latest. Options after DST are those of 'copy'."},
    footer = ExitCodes.HELP_FOOTER)
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REPO[/SNAPSHOT]", description = "The repository, or one snapshot in it.")
  Path from;

  @Parameters(index = "1", paramLabel = "DST", description = "Where to restore to.")
  Path target;

  @Unmatched
  List<String> copyOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Arguments.existingDirectory(from, "REPO[/SNAPSHOT]");
    Path absolute = from.toAbsolutePath().normalize();
    Path snapshot;
    try {
      // a snapshot first: one of a tree that was itself a repository holds .linksafe too
      Path parent = absolute.getParent();
      SnapshotRepository above = parent != null && SnapshotRepository.isRepository(parent)
          ? new SnapshotRepository(parent) : null;
      String name = absolute.getFileName() == null ? "" : absolute.getFileName().toString();
      if (above != null && above.names().contains(name)) {
        snapshot = above.resolve(name);
      } else if (SnapshotRepository.isRepository(absolute)) {
        snapshot = new SnapshotRepository(absolute).resolve(null);
      } else if (above != null) {
        snapshot = above.resolve(name); // no such snapshot: says which there are
      } else {
        throw new UsageException("not a snapshot repository, nor a snapshot in one: " + from);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    // as text that keeps the bytes of a name that is not valid in the name encoding
    List<String> args = new ArrayList<>(List.of(RawNames.text(snapshot), RawNames.text(target)));
    args.addAll(copyOptions);
    CommandLine copy = Main.configured(new CommandLine(new CopyCommand()),
        spec.commandLine().getOut(), spec.commandLine().getErr());
    copy.setDefaultValueProvider(spec.commandLine().getDefaultValueProvider());
    return copy.execute(args.toArray(String[]::new));
  }
}
