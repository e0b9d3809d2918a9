package dev.linksafe.cli;

import dev.linksafe.archive.ArchiveReport;
import dev.linksafe.archive.TarExtractor;
import dev.linksafe.model.Problem;
import dev.linksafe.platform.Platforms;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "extract", mixinStandardHelpOptions = true,
    description = {"Extracts a tar archive (plain, gzip, xz, zstd or bzip2, detected) into DST with its "
        + "hard links and symlinks, and refuses to write outside DST: names with '..' or absolute "
        + "names, hard links to names outside DST, and entries that would be written through a "
        + "symlink are each refused with their name (exit 1), and the rest extracted. FILE '-' is "
        + "standard input."},
    footer = ExitCodes.HELP_FOOTER)
final class ExtractCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The archive, or - for standard input (not a terminal).")
  String file;

  @Parameters(index = "1", paramLabel = "DST", description = "Where to extract to (created if missing).")
  Path target;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Option(names = "--xattrs", description = "Set the extended attributes the archive holds (SCHILY.xattr.* "
      + "records of linksafe, GNU tar --xattrs and bsdtar) on files and directories: those in the "
      + "user namespace, and those --xattrs-include names.")
  boolean xattrs;

  @Option(names = "--xattrs-include", paramLabel = "PATTERN", description = "Also set the extended "
      + "attributes whose names match PATTERN ('*' any text, '?' one character), e.g. 'security.*' "
      + "or '*'; implies --xattrs. Attributes such as security.capability give a file powers: set "
      + "them only from an archive you trust. Repeatable.")
  java.util.List<String> xattrsInclude = new java.util.ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (file.equals("-") && System.console() != null) {
      throw new UsageException("refusing to read the archive from a terminal: redirect standard input, or give FILE");
    }
    // as tar reads -f: a file, or a FIFO, a device or a pipe given as /dev/fd/N (<(zcat ...))
    if (!file.equals("-") && Files.isDirectory(dev.linksafe.platform.RawNames.path(file))) {
      throw new UsageException(file + " is a directory, not an archive");
    }
    if (!file.equals("-") && !Files.exists(dev.linksafe.platform.RawNames.path(file))) {
      throw new UsageException("archive not found: " + file);
    }
    Arguments.destination(target, "DST");
    ArchiveReport report;
    try (InputStream in = file.equals("-") ? new FileInputStream(java.io.FileDescriptor.in)
        : Files.newInputStream(dev.linksafe.platform.RawNames.path(file))) {
      report = new TarExtractor(Platforms.isPrivileged(), xattrFilter()).extract(in, target);
    }
    if (json) {
      Output.json(spec.commandLine().getOut(), report.toMap());
    } else {
      for (Problem p : report.problems()) {
        spec.commandLine().getErr().printf("linksafe: %s%n", p);
      }
      spec.commandLine().getOut().printf("extracted %,d entries (%,d files, %,d hard links, %,d symlinks), %,d refused or failed%n",
          report.entries(), report.files(), report.hardLinks(), report.symlinks(), report.errors());
    }
    return report.errors() > 0 ? ExitCodes.PROBLEMS : ExitCodes.OK;
  }

  /** The extended attributes to set, by name, or null for none. */
  private java.util.function.Predicate<String> xattrFilter() {
    if (!xattrs && xattrsInclude.isEmpty()) {
      return null;
    }
    java.util.List<java.util.regex.Pattern> patterns = new java.util.ArrayList<>();
    patterns.add(glob("user.*"));
    for (String p : xattrsInclude) {
      patterns.add(glob(p));
    }
    return name -> patterns.stream().anyMatch(p -> p.matcher(name).matches());
  }

  private static java.util.regex.Pattern glob(String pattern) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
    }
    return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.DOTALL);
  }
}
