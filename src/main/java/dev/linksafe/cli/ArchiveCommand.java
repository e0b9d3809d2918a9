package dev.linksafe.cli;

import dev.linksafe.archive.ArchiveReport;
import dev.linksafe.archive.Compression;
import dev.linksafe.archive.TarWriter;
import dev.linksafe.model.Problem;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "archive", mixinStandardHelpOptions = true,
    description = {"Writes SRC as a POSIX (pax) tar archive with its links intact: each "
        + "hard-link group's first name as a file and the others as hard links, symlinks with "
        + "their exact targets, times to the nanosecond, modes and owners; junctions as symlinks "
        + "carrying their reparse buffer (pax header LINKSAFE.reparse); files with holes as GNU "
        + "sparse entries, their data only; with --xattrs, extended attributes. FILE '-' is "
        + "standard output. GNU tar and bsdtar read it."},
    footer = ExitCodes.HELP_FOOTER)
final class ArchiveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "SRC", description = "The directory to archive.")
  Path source;

  @Parameters(index = "1", paramLabel = "FILE", description = "The archive to write, or - for standard output (not a terminal).")
  String file;

  @Option(names = "--compress", paramLabel = "HOW",
      description = "gzip, xz, zstd or none (default: from FILE's ending, .tar.gz, .tar.xz, .tar.zst; else none).")
  Compression compression;

  @Option(names = "--json", description = "Print the report as JSON (to standard error when FILE is -).")
  boolean json;

  @Option(names = "--xattrs", description = "Keep the extended attributes of files and directories "
      + "(SCHILY.xattr.* pax records, as GNU tar --xattrs and bsdtar write them).")
  boolean xattrs;

  @Override
  public Integer call() throws Exception {
    Arguments.existingDirectory(source, "SRC");
    Compression c = compression != null ? compression : file.equals("-") ? Compression.NONE : Compression.forName(file);
    var excludes = common.walkOptions(Main.configuration(), "archive").excludes();
    ArchiveReport report;
    if (file.equals("-")) {
      if (System.console() != null) {
        // as GNU tar does: an archive on the screen helps no one
        throw new UsageException("refusing to write the archive to a terminal: redirect standard output, or give FILE");
      }
      report = new TarWriter(excludes, null, xattrs).write(source, new FileOutputStream(java.io.FileDescriptor.out), c);
    } else {
      // written beside its final name and renamed: an interrupted run leaves no half archive
      Path target = Path.of(file).toAbsolutePath();
      if (Files.isDirectory(target)) {
        throw new UsageException(file + " is a directory: give the archive's file name");
      }
      Path temp = target.resolveSibling(".~linksafe." + target.getFileName() + ".tmp");
      try (OutputStream out = create(temp, target)) {
        // an archive written inside the tree leaves itself out
        var self = dev.linksafe.platform.Platforms.forPath(temp).stat(temp).id();
        report = new TarWriter(excludes, self, xattrs).write(source, out, c);
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw new FileSystemException(target.toString(), null, "cannot write the archive: " + Problem.reason(e));
        }
      } finally {
        deleteQuietly(temp);
      }
    }
    var err = spec.commandLine().getErr();
    var out = file.equals("-") ? err : spec.commandLine().getOut();
    if (json) {
      Output.json(out, report.toMap());
    } else {
      for (Problem p : report.problems()) {
        err.printf("linksafe: %s%n", p);
      }
      out.printf("archived %,d entries (%,d files, %,d hard links, %,d symlinks, %s)%n", report.entries(),
          report.files(), report.hardLinks(), report.symlinks(), Output.bytes(report.bytes()));
    }
    return report.errors() > 0 ? ExitCodes.PROBLEMS : ExitCodes.OK;
  }

  /** Removes the temporary file of a failed run, if it was made; never masks that failure. */
  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // not made (its directory is missing or not one): nothing to remove
    }
  }

  /** Opens the temporary file; a failure names the archive asked for, not the temporary name. */
  private static OutputStream create(Path temp, Path target) throws IOException {
    try {
      return Files.newOutputStream(temp);
    } catch (IOException e) {
      throw new FileSystemException(target.toString(), null,
          "cannot write the archive: " + Problem.reason(e));
    }
  }
}
