package dev.linksafe.cli;

import dev.linksafe.model.Entry;
import dev.linksafe.model.LinkGroup;
import dev.linksafe.model.Problem;
import dev.linksafe.scan.ScanListener;
import dev.linksafe.scan.ScanReport;
import dev.linksafe.scan.Scanner;
import dev.linksafe.scan.TreeWalker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "scan", mixinStandardHelpOptions = true,
    description = {"Walks SRC without following links and reports every hard-link group "
        + "(complete or partial), symlink (inner, outer, dangling, loop), reparse point and mount point."},
    footer = ExitCodes.HELP_FOOTER)
final class ScanCommand implements Callable<Integer> {
  enum ListKind { groups, links, partial, mounts }

  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "SRC", description = "The directory to scan.")
  Path source;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Option(names = "--list", paramLabel = "WHAT",
      description = "Also list members: ${COMPLETION-CANDIDATES} (repeatable).")
  List<ListKind> list = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Arguments.existingDirectory(source, "SRC");
    Configuration configuration = Main.configuration();
    PrintWriter out = spec.commandLine().getOut();
    List<LinkGroup> groups = Collections.synchronizedList(new ArrayList<>());
    List<Entry> links = Collections.synchronizedList(new ArrayList<>());
    List<Entry> mounts = Collections.synchronizedList(new ArrayList<>());
    List<Map.Entry<Entry, Boolean>> junctions = Collections.synchronizedList(new ArrayList<>());
    ScanListener listener = new ScanListener() {
      @Override public void group(LinkGroup g) {
        if (list.contains(ListKind.groups) || (list.contains(ListKind.partial) && !g.isComplete())) {
          groups.add(g);
        }
      }
      @Override public void link(Entry link) {
        if (list.contains(ListKind.links)) {
          links.add(link);
        }
      }
      @Override public void junction(Entry junction, boolean inner) {
        if (list.contains(ListKind.links)) {
          junctions.add(Map.entry(junction, inner));
        }
      }
      @Override public void mountPoint(Entry directory) {
        mounts.add(directory);
      }
    };
    boolean keepNames = list.contains(ListKind.groups) || list.contains(ListKind.partial);
    ScanReport report;
    try (ProgressDisplay progress = ProgressDisplay.open("scan", -1, !json)) {
      report = new Scanner(common.walkOptions(configuration, "scan"), keepNames, listener,
          progress.isShown() ? progress : dev.linksafe.model.ProgressListener.NONE)
          .scan(source);
    }
    groups.sort((a, b) -> a.names().get(0).compareTo(b.names().get(0)));
    links.sort((a, b) -> a.relative().compareTo(b.relative()));
    mounts.sort((a, b) -> a.relative().compareTo(b.relative()));
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>(report.toMap());
      if (!list.isEmpty()) {
        m.put("groups", groups.stream().map(ScanCommand::groupMap).toList());
        m.put("links", links.stream().map(ScanCommand::linkMap).toList());
        m.put("junctionList", junctions.stream().map(j -> Map.of(
            "path", TreeWalker.display(j.getKey().relative()),
            "target", String.valueOf(j.getKey().reparsePoint().printName()),
            "substituteName", String.valueOf(j.getKey().reparsePoint().substituteName()),
            "class", j.getValue() ? "inner" : "outer")).toList());
      }
      m.put("mountPointPaths", mounts.stream().map(e -> TreeWalker.display(e.relative())).toList());
      m.put("problems", report.problems().stream()
          .map(p -> Map.of("path", p.path(), "message", p.message())).toList());
      Output.json(out, m);
    } else {
      printText(out, report, groups, links, mounts);
      junctions.sort((a, b) -> a.getKey().relative().compareTo(b.getKey().relative()));
      for (Map.Entry<Entry, Boolean> j : junctions) {
        out.printf("junction %-6s %s -> %s%n", j.getValue() ? "inner" : "outer",
            TreeWalker.display(j.getKey().relative()), j.getKey().reparsePoint().printName());
      }
    }
    return report.errors() > 0 ? ExitCodes.PROBLEMS : ExitCodes.OK;
  }

  private static Map<String, Object> groupMap(LinkGroup g) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", g.id().toString());
    m.put("linkCount", g.linkCount());
    m.put("complete", g.isComplete());
    m.put("names", g.names().stream().map(TreeWalker::display).toList());
    return m;
  }

  private static Map<String, Object> linkMap(Entry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("path", TreeWalker.display(e.relative()));
    m.put("target", e.symlink().target());
    m.put("class", e.symlink().linkClass().name().toLowerCase());
    m.put("absolute", e.symlink().absolute());
    return m;
  }

  private void printText(PrintWriter out, ScanReport r, List<LinkGroup> groups, List<Entry> links,
      List<Entry> mounts) {
    out.printf("%s%n", source);
    out.printf("  directories        %,d%n", r.directories());
    out.printf("  files              %,d  (%s)%n", r.files(), Output.bytes(r.bytes()));
    out.printf("  hard-link groups   %,d  (%,d partial, %,d names; %s saved by links)%n",
        r.hardLinkGroups(), r.partialHardLinkGroups(), r.namesInHardLinkGroups(),
        Output.bytes(r.bytesSavedByHardLinks()));
    out.printf("  symlinks           %,d  (%,d inner, %,d outer, %,d dangling, %,d loops)%n",
        r.symlinks(), r.innerSymlinks(), r.outerSymlinks(), r.danglingSymlinks(), r.loopSymlinks());
    out.printf("  junctions          %,d  (%,d inner, %,d outer)%n", r.junctions(), r.innerJunctions(),
        r.outerJunctions());
    if (r.otherReparsePoints() > 0) {
      out.printf("  other reparse pts  %,d%n", r.otherReparsePoints());
    }
    if (r.specialFiles() > 0) {
      out.printf("  special files      %,d%n", r.specialFiles());
    }
    out.printf("  mount points       %,d%n", r.mountPoints());
    if (r.revisitedDirectories() > 0) {
      out.printf("  revisited dirs     %,d  (bind mounts or directory links, descended once)%n",
          r.revisitedDirectories());
    }
    out.printf("  errors             %,d%n", r.errors());
    if (!groups.isEmpty()) {
      out.println();
      for (LinkGroup g : groups) {
        out.printf("group %s  %d of %d names%s%n", g.id(), g.names().size(), g.linkCount(),
            g.isComplete() ? "" : "  (partial)");
        g.names().forEach(n -> out.printf("    %s%n", TreeWalker.display(n)));
      }
    }
    if (!links.isEmpty()) {
      out.println();
      for (Entry e : links) {
        out.printf("%-8s %s -> %s%n", e.symlink().linkClass().name().toLowerCase(),
            TreeWalker.display(e.relative()), e.symlink().target());
      }
    }
    if (list.contains(ListKind.mounts) && !mounts.isEmpty()) {
      out.println();
      mounts.forEach(e -> out.printf("mount    %s%n", TreeWalker.display(e.relative())));
    }
    for (Problem p : r.problems()) {
      spec.commandLine().getErr().printf("linksafe: %s%n", p);
    }
  }
}
