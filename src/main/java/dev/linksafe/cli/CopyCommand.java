package dev.linksafe.cli;

import dev.linksafe.copy.ActionListener;
import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.copy.ReparsePolicy;
import dev.linksafe.model.Problem;
import dev.linksafe.model.ProgressListener;
import dev.linksafe.plan.Action;
import dev.linksafe.platform.FileSystemAccess.ReflinkMode;
import dev.linksafe.platform.Platforms;
import dev.linksafe.scan.Scanner;
import dev.linksafe.scan.TreeWalker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "copy", mixinStandardHelpOptions = true,
    description = {"Copies SRC to DST faithfully: every hard-link group becomes one file with all "
        + "its names inside DST, symlinks keep their exact targets, and modes, times (with "
        + "nanoseconds), owners (as root) and extended attributes are kept.",
        "Files are written under temporary names and renamed into place; names already "
        + "identical at DST (same size and modification time) are left alone, so running the "
        + "same copy again after an interruption finishes it. Nothing is written through a "
        + "link that stands in DST.", ""},
    footer = ExitCodes.HELP_FOOTER)
class CopyCommand implements Callable<Integer> {
  /** Notes (partial groups, kept outer junctions) are many on some trees: a screenful is shown. */
  private static final int NOTES_SHOWN = 20;

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "SRC", description = "The directory to copy.")
  Path source;

  @Parameters(index = "1", paramLabel = "DST",
      description = "Where SRC's contents go; created if missing (like rsync SRC/ DST/).")
  Path target;

  @Option(names = {"-n", "--dry-run"}, description = "Print what would be done; write nothing.")
  boolean dryRun;

  @Option(names = "--list", description = "List each step (with --dry-run: what would be done).")
  boolean list;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Option(names = "--reflink", paramLabel = "WHEN",
      description = "Share file contents with the source on btrfs/xfs: auto (where the volume can, "
          + "as cp does), always (clone or report the file), never (write every byte). "
          + "Default: ${DEFAULT-VALUE}.")
  ReflinkMode reflink = ReflinkMode.AUTO;

  @Option(names = "--no-xattrs", description = "Do not copy extended attributes.")
  boolean noXattrs;

  @Option(names = "--outer", paramLabel = "WHAT",
      description = "A junction whose target lies outside SRC: keep (recreate it with its target "
          + "unchanged), skip, or unroll (copy what it points to as a real directory). Each one is "
          + "reported. Default: ${DEFAULT-VALUE}.")
  ReparsePolicy.Outer outer = ReparsePolicy.Outer.KEEP;

  @Option(names = "--retarget-symlinks",
      description = "Retarget absolute Windows symlinks into SRC like junctions (by default "
          + "symlinks are stored exactly as they are).")
  boolean retargetSymlinks;

  @Option(names = "--dest-as", paramLabel = "PATH",
      description = "The Windows path by which DST will be known when in use, e.g. C:\\ when "
          + "copying C:\\ to a new disk that will boot as C:. Inner junctions are retargeted "
          + "to it instead of DST's own path.")
  String destinationAs;

  @Option(names = "--drive-letter", paramLabel = "X:",
      description = "The drive letter of SRC's NTFS volume, where its root has no .NTFS-3G/X: link.")
  String sourceDrive;

  @Option(names = "--dest-drive-letter", paramLabel = "X:",
      description = "The drive letter of DST's NTFS volume, where its root has no .NTFS-3G/X: link.")
  String destinationDrive;

  @Option(names = "--new-files", paramLabel = "HOW",
      description = "How a file new at DST is written: 'temp' (under a temporary name, then "
          + "renamed) or 'in-place' (at its final name, its modification time set last, so a "
          + "partial one is recognised and replaced). Replacing always uses a temporary name. "
          + "Default: ${DEFAULT-VALUE}.")
  String newFiles = "temp";

  @Override
  public Integer call() throws Exception {
    Arguments.existingDirectory(source, "SRC");
    Arguments.destination(target, "DST");
    PrintWriter out = spec.commandLine().getOut();
    CopyOptions options = new CopyOptions(
        common.walkOptions(Main.configuration(), "copy").withClassifySymlinks(false),
        dryRun, reflink, Platforms.isPrivileged(), !noXattrs, newFilesInPlace(),
        new ReparsePolicy(outer, retargetSymlinks, windowsPath(destinationAs),
            driveLetter(sourceDrive, "--drive-letter"), driveLetter(destinationDrive, "--dest-drive-letter")),
        mirrorOptions());
    ActionListener listener = list ? action -> printAction(out, action) : ActionListener.NONE;
    CopyReport report;
    try (ProgressDisplay progress = ProgressDisplay.open(dryRun ? "plan" : "copy", -1, !json && !list)) {
      Thread counter = progress.isShown() ? countInBackground(progress, options) : null;
      try {
        report = new CopyEngine(options, listener, progress.isShown() ? progress : ProgressListener.NONE)
            .copy(source, target);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      } finally {
        if (counter != null) {
          counter.interrupt();
        }
      }
    }
    if (json) {
      Map<String, Object> m = jsonReport(report);
      m.put("problems", report.problems().stream().map(CopyCommand::problemMap).toList());
      m.put("notes", report.notes().stream().map(CopyCommand::problemMap).toList());
      Output.json(out, m);
    } else {
      printText(out, report);
    }
    return report.errors() > 0 ? ExitCodes.PROBLEMS : ExitCodes.OK;
  }

  /** What makes this command a mirror; a copy keeps no index and deletes nothing. */
  MirrorOptions mirrorOptions() {
    return MirrorOptions.NONE;
  }

  /** The report as JSON. */
  Map<String, Object> jsonReport(CopyReport report) {
    return new LinkedHashMap<>(report.toMap());
  }

  static Character driveLetter(String value, String option) {
    if (value == null) {
      return null;
    }
    if (!value.matches("[A-Za-z]:?")) {
      throw new UsageException(option + " must be a drive letter such as D:, was '" + value + "'");
    }
    return Character.toUpperCase(value.charAt(0));
  }

  static String windowsPath(String value) {
    if (value == null) {
      return null;
    }
    if (!value.matches("[A-Za-z]:([\\\\/].*)?")) {
      throw new UsageException("--dest-as must be an absolute Windows path such as E:\\data, was '" + value + "'");
    }
    String p = value.replace('/', '\\');
    return p.length() == 2 ? p + "\\" : p;
  }

  private boolean newFilesInPlace() {
    switch (newFiles) {
      case "temp": return false;
      case "in-place": return true;
      default: throw new UsageException("--new-files must be 'temp' or 'in-place', was '" + newFiles + "'");
    }
  }

  /** Counts the source alongside the copy, so the progress line can show an ETA once known. */
  private Thread countInBackground(ProgressDisplay progress, CopyOptions options) {
    Thread t = new Thread(() -> {
      try {
        var r = new Scanner(options.walk().withThreads(1)).scan(source);
        progress.total(r.directories() + r.files() + r.symlinks() + r.specialFiles() + r.junctions());
      } catch (Exception e) {
        // no total, no ETA: the copy goes on
      }
    }, "linksafe-count");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static Map<String, Object> problemMap(Problem p) {
    return Map.of("path", p.path(), "message", p.message());
  }

  private synchronized void printAction(PrintWriter out, Action action) {
    String name = TreeWalker.display(action.entry().relative());
    if (action.linkTo() != null) {
      out.printf("%-10s %s => %s%n", action.kind().label(), name,
          TreeWalker.display(target.relativize(action.linkTo())));
    } else if (action.entry().symlink() != null) {
      out.printf("%-10s %s -> %s%n", action.kind().label(), name, action.entry().symlink().target());
    } else {
      out.printf("%-10s %s%n", action.kind().label(), name.isEmpty() ? "." : name);
    }
  }

  private void printText(PrintWriter out, CopyReport r) {
    PrintWriter err = spec.commandLine().getErr();
    int shown = 0;
    for (Problem note : r.notes()) {
      if (shown++ == NOTES_SHOWN) {
        err.println("linksafe: note: ... and " + Output.count(r.notes().size() - NOTES_SHOWN)
            + " more notes (all of them with --json)");
        break;
      }
      err.println("linksafe: note: " + note);
    }
    for (Problem p : r.problems()) {
      err.println("linksafe: " + p);
    }
    out.println((r.dryRun() ? "would copy " : "copied ") + source + " -> " + target);
    line(out, "directories  ", r.directories(), "");
    line(out, "files        ", r.filesCopied(), "  (" + Output.bytes(r.bytesCopied()) + ")");
    line(out, "hard links   ", r.hardLinks(), r.partialHardLinkGroups() > 0
        ? "  (" + Output.count(r.partialHardLinkGroups()) + " partial groups)" : "");
    line(out, "symlinks     ", r.symlinks(), "");
    if (r.reparsePoints() > 0) {
      line(out, "junctions etc", r.reparsePoints(),
          "  (" + Output.count(r.retargetedJunctions()) + " retargeted into the copy)");
    }
    if (r.specialFiles() > 0) {
      line(out, "special files", r.specialFiles(), "");
    }
    line(out, "unchanged    ", r.unchanged(), "");
    if (r.updatedMetadata() > 0) {
      line(out, "metadata only", r.updatedMetadata(), "");
    }
    if (r.renamed() > 0) {
      line(out, "renamed      ", r.renamed(), "  (moved at the source: renamed, not copied)");
    }
    if (r.deleted() > 0) {
      line(out, "deleted      ", r.deleted(), "");
    }
    if (r.replaced() > 0) {
      line(out, "replaced     ", r.replaced(), "");
    }
    if (r.separateCopies() > 0) {
      line(out, "copied apart ", r.separateCopies(), "  (links impossible across volumes)");
    }
    line(out, "errors       ", r.errors(), "");
  }

  private static void line(PrintWriter out, String label, long count, String detail) {
    out.println("  " + label + " " + Output.count(count) + detail);
  }
}
