package dev.linksafe.cli;

import dev.linksafe.archive.ArchiveReport;
import dev.linksafe.archive.Compression;
import dev.linksafe.archive.TarExtractor;
import dev.linksafe.archive.TarWriter;
import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.demo.SampleTree;
import dev.linksafe.model.Entry;
import dev.linksafe.model.LinkGroup;
import dev.linksafe.platform.Platforms;
import dev.linksafe.scan.ScanListener;
import dev.linksafe.scan.ExcludeFilter;
import dev.linksafe.scan.ScanReport;
import dev.linksafe.scan.Scanner;
import dev.linksafe.scan.TreeWalker;
import dev.linksafe.scan.WalkOptions;
import dev.linksafe.verify.TreeComparator;
import dev.linksafe.verify.VerifyReport;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Builds a small link-rich sample tree in a temporary folder, scans it, copies "
        + "it and verifies the copy, mirrors an edit and a rename into the copy, and round-trips "
        + "the tree through a tar archive, printing what it found at each step."},
    footer = ExitCodes.HELP_FOOTER)
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--keep", description = "Keep the temporary folder and print where it is.")
  boolean keep;

  @Option(names = "--json", description = "Print the scan, copy and verify reports as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path base = Files.createTempDirectory("linksafe-demo-");
    try {
      Path tree = SampleTree.create(base);
      Path copy = base.resolve("copy");
      List<String> lines = Collections.synchronizedList(new ArrayList<>());
      ScanListener listener = new ScanListener() {
        @Override public void group(LinkGroup g) {
          lines.add(String.format("  hard-link group (%s): %s", g.isComplete() ? "complete"
              : g.names().size() + " of " + g.linkCount() + " names inside, partial",
              String.join(", ", g.names().stream().map(TreeWalker::display).sorted().toList())));
        }
        @Override public void link(Entry e) {
          lines.add(String.format("  symlink %-9s %s -> %s", "(" + e.symlink().linkClass().name().toLowerCase() + ")",
              TreeWalker.display(e.relative()), e.symlink().target()));
        }
      };
      ScanReport scan = new Scanner(WalkOptions.defaults(), true, listener,
          dev.linksafe.model.ProgressListener.NONE).scan(tree);
      CopyReport copied = new CopyEngine(CopyOptions.defaults(Platforms.isPrivileged())).copy(tree, copy);
      VerifyReport verified = new TreeComparator(true).compare(tree, copy);

      // a nightly run: the first builds the index, the second does what changed since
      CopyOptions mirrorOptions = CopyOptions.defaults(Platforms.isPrivileged())
          .withMirror(new MirrorOptions(base.resolve("index"), true, false));
      new CopyEngine(mirrorOptions).copy(tree, copy);
      Files.writeString(tree.resolve("docs/notes.txt"), "written after the copy\n");
      Files.move(tree.resolve("archive"), tree.resolve("old-reports"));
      CopyReport mirrored = new CopyEngine(mirrorOptions).copy(tree, copy);
      VerifyReport mirrorVerified = new TreeComparator(true).compare(tree, copy);

      Path tar = base.resolve("tree.tar.gz");
      ArchiveReport archived;
      try (OutputStream file = Files.newOutputStream(tar)) {
        archived = new TarWriter(ExcludeFilter.NONE).write(tree, file, Compression.GZIP);
      }
      Path extracted = base.resolve("extracted");
      ArchiveReport unpacked;
      try (InputStream file = Files.newInputStream(tar)) {
        unpacked = new TarExtractor(Platforms.isPrivileged()).extract(file, extracted);
      }
      VerifyReport archiveVerified = new TreeComparator(true).compare(tree, extracted);
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tree", tree.toString());
        m.put("scan", scan.toMap());
        m.put("copy", copied.toMap());
        m.put("verify", verified.toMap());
        m.put("mirror", mirrored.toMap());
        m.put("mirrorVerify", mirrorVerified.toMap());
        m.put("archive", archived.toMap());
        m.put("extract", unpacked.toMap());
        m.put("extractVerify", archiveVerified.toMap());
        Output.json(out, m);
      } else {
        out.printf("Sample tree: %s%n%n", tree);
        out.println("1. scan: what a link-blind tool would break");
        Collections.sort(lines);
        lines.forEach(out::println);
        out.printf("  %,d files, %,d hard-link groups (%,d partial), %,d symlinks "
            + "(%,d inner, %,d outer, %,d dangling, %,d loops); %s saved by hard links%n%n",
            scan.files(), scan.hardLinkGroups(), scan.partialHardLinkGroups(), scan.symlinks(),
            scan.innerSymlinks(), scan.outerSymlinks(), scan.danglingSymlinks(), scan.loopSymlinks(),
            Output.bytes(scan.bytesSavedByHardLinks()));
        out.printf("2. copy to %s%n", copy);
        out.printf("  %,d files copied (%s), %,d names linked instead of copied, %,d symlinks kept as they were%n%n",
            copied.filesCopied(), Output.bytes(copied.bytesCopied()), copied.hardLinks(), copied.symlinks());
        out.println("3. verify: names, kinds, sizes, times, bytes, link targets and hard-link topology");
        report(out, verified);
        out.println();
        out.println("4. mirror after writing docs/notes.txt and renaming archive/ to old-reports/");
        out.printf("  %,d copied (%s), %,d renamed instead of copied again, %,d unchanged; verify:%n",
            mirrored.filesCopied(), Output.bytes(mirrored.bytesCopied()), mirrored.renamed(), mirrored.unchanged());
        report(out, mirrorVerified);
        out.println();
        out.printf("5. archive to %s and extract to %s%n", tar.getFileName(), extracted);
        out.printf("  %,d entries (%,d files, %,d hard links, %,d symlinks); verify:%n", archived.entries(),
            archived.files(), archived.hardLinks(), archived.symlinks());
        report(out, archiveVerified);
        if (keep) {
          out.printf("%nKept in %s%n", base);
        }
      }
      boolean faithful = verified.identical() && mirrorVerified.identical() && archiveVerified.identical();
      boolean clean = copied.errors() + mirrored.errors() + archived.errors() + unpacked.errors() == 0;
      return faithful && clean ? ExitCodes.OK : ExitCodes.PROBLEMS;
    } finally {
      if (!keep) {
        deleteTree(base);
      }
    }
  }

  private static void report(PrintWriter out, VerifyReport verified) {
    verified.differences().forEach(d -> out.println("  " + d));
    out.printf("  %s (%,d entries compared)%n", verified.identical() ? "identical" : "DIFFERENT",
        verified.entries());
  }

  private static void deleteTree(Path base) {
    try (var walk = Files.walk(base)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (java.io.IOException ignored) {
          // a temporary folder: the system cleans what is left
        }
      });
    } catch (java.io.IOException ignored) {
      // as above
    }
  }
}
