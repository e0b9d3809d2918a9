package dev.linksafe.cli;

import dev.linksafe.verify.Difference;
import dev.linksafe.verify.TreeComparator;
import dev.linksafe.verify.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Compares two trees: names and kinds, sizes, modification times, permission "
        + "bits, symlink targets (and bytes with --content), and the hard-link topology: names "
        + "linked together on one side must be linked together on the other.",
        "Exit code 0 when identical, 1 when not."},
    footer = ExitCodes.HELP_FOOTER)
final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "A", description = "The first tree (usually the source).")
  Path a;

  @Parameters(index = "1", paramLabel = "B", description = "The second tree (usually the copy).")
  Path b;

  @Option(names = "--content", description = "Compare the bytes of regular files too.")
  boolean content;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Option(names = "--modify-window", paramLabel = "SECONDS",
      description = "Count modification times this far apart as equal (e.g. 0.0000001 for a "
          + "copy through a format that keeps 100 ns). Default: as finely as the coarser of the "
          + "two volumes keeps them (to the nanosecond on most Linux file systems, 100 ns on NTFS, 2 s on FAT).")
  java.math.BigDecimal modifyWindow = java.math.BigDecimal.ZERO;

  @Override
  public Integer call() throws Exception {
    Arguments.existingDirectory(a, "A");
    Arguments.existingDirectory(b, "B");
    if (modifyWindow.signum() < 0) {
      throw new UsageException("--modify-window cannot be negative");
    }
    VerifyReport report = new TreeComparator(content, modifyWindow.movePointRight(9).longValue()).compare(a, b);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Output.json(out, report.toMap());
    } else {
      for (Difference d : report.differences()) {
        out.println(d);
      }
      out.printf("%s: %,d entries compared, %,d differences%n",
          report.identical() ? "identical" : "different", report.entries(), report.differences().size());
    }
    return report.identical() ? ExitCodes.OK : ExitCodes.PROBLEMS;
  }
}
