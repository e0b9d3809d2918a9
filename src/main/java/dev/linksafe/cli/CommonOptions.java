package dev.linksafe.cli;

import dev.linksafe.model.Problem;
import dev.linksafe.scan.ExcludeFilter;
import dev.linksafe.scan.WalkOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by every command that walks a tree. */
final class CommonOptions {
  @Option(names = "--exclude", paramLabel = "GLOB",
      description = "Leave out matching names (repeatable). A pattern with a slash is anchored at "
          + "the root and matched against the whole relative path; one without matches any name; "
          + "a trailing slash matches directories only.")
  List<String> excludes = new ArrayList<>();

  @Option(names = "--exclude-from", paramLabel = "FILE",
      description = "Read exclude patterns from FILE, one per line (# starts a comment).")
  List<Path> excludeFrom = new ArrayList<>();

  @Option(names = "--threads", paramLabel = "N",
      description = "Threads to walk and copy with (default: ${DEFAULT-VALUE}).")
  int threads = WalkOptions.defaultThreads();

  @Option(names = {"-x", "--one-file-system"},
      description = "Do not descend into directories on other volumes (mount points are still reported).")
  boolean oneFileSystem;

  @Option(names = "--config", paramLabel = "FILE",
      description = "Read defaults from FILE (default: ~/.config/linksafe/linksafe.conf). Flags win.")
  Path config;

  WalkOptions walkOptions(Configuration configuration, String command) throws IOException {
    if (threads < 1 || threads > 256) {
      throw new UsageException("--threads must be between 1 and 256, was " + threads);
    }
    List<String> patterns = new ArrayList<>(configuration.excludes(command));
    patterns.addAll(excludes);
    for (Path file : excludeFrom) {
      try {
        patterns.addAll(ExcludeFilter.readPatterns(file));
      } catch (IOException e) {
        throw new UsageException("cannot read --exclude-from " + file + ": " + Problem.reason(e));
      }
    }
    try {
      return new WalkOptions(ExcludeFilter.of(patterns), oneFileSystem, true, threads);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
