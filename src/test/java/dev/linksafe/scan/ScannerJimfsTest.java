package dev.linksafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.Entry;
import dev.linksafe.model.LinkGroup;
import dev.linksafe.model.ProgressListener;
import dev.linksafe.model.SymlinkClass;
import dev.linksafe.platform.NioFileSystemAccess;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scanner on an in-memory unix file system: counts, classes, excludes, listings, threads. */
class ScannerJimfsTest {
  private FileSystem fs;
  private Path root;
  private Path outside;

  @BeforeEach
  void setUp() throws IOException {
    fs = dev.linksafe.testing.Trees.unixJimfs();
    root = Files.createDirectories(fs.getPath("/data/root"));
    outside = Files.createDirectories(fs.getPath("/data/outside"));
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  /** {@code relative} under the root, its parent directories made. */
  private Path at(String relative) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    return p;
  }

  private Path file(String relative, int size) throws IOException {
    return Files.write(at(relative), new byte[size]);
  }

  /** A group of {@code size} bytes with all of {@code names} (relative to the root). */
  private void group(int size, String... names) throws IOException {
    Path first = file(names[0], size);
    for (int i = 1; i < names.length; i++) {
      Files.createLink(at(names[i]), first);
    }
  }

  /** A group whose first name lies outside the root and whose other names lie inside. */
  private void partialGroup(int size, String... insideNames) throws IOException {
    Path first = Files.write(outside.resolve(insideNames[0].replace('/', '_')), new byte[size]);
    for (String name : insideNames) {
      Files.createLink(at(name), first);
    }
  }

  private void symlink(String relative, String target) throws IOException {
    Files.createSymbolicLink(at(relative), fs.getPath(target));
  }

  private ScanReport scan(WalkOptions options, ScanListener listener) throws IOException {
    return new Scanner(options, listener != ScanListener.NONE, listener, ProgressListener.NONE)
        .scan(root, new NioFileSystemAccess());
  }

  private ScanReport scan() throws IOException {
    return scan(WalkOptions.defaults(), ScanListener.NONE);
  }

  private ScanReport scanExcluding(String... patterns) throws IOException {
    return scan(WalkOptions.defaults().withExcludes(ExcludeFilter.of(List.of(patterns))),
        ScanListener.NONE);
  }

  /** Keeps what a scan lists: groups by their first name in order, symlink classes by name. */
  private static final class Recorder implements ScanListener {
    final Map<String, LinkGroup> groups = new ConcurrentHashMap<>();
    final Map<String, SymlinkClass> links = new ConcurrentSkipListMap<>();

    @Override
    public void group(LinkGroup g) {
      groups.put(sortedNames(g).first(), g);
    }

    @Override
    public void link(Entry e) {
      links.put(TreeWalker.display(e.relative()), e.symlink().linkClass());
    }
  }

  /** Scans with group names kept, on {@code threads} threads, recording what is listed. */
  private Recorder listed(int threads) throws IOException {
    Recorder recorder = new Recorder();
    scan(WalkOptions.defaults().withThreads(threads), recorder);
    return recorder;
  }

  private static TreeSet<String> sortedNames(LinkGroup g) {
    return g.names().stream().map(TreeWalker::display).collect(Collectors.toCollection(TreeSet::new));
  }

  /** Asserts counts named as in {@link ScanReport#toMap}, all at once so a failure shows each. */
  private static void assertCounts(ScanReport r, Object... namesAndValues) {
    Map<String, Object> expected = new LinkedHashMap<>();
    Map<String, Object> actual = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      String name = (String) namesAndValues[i];
      expected.put(name, ((Number) namesAndValues[i + 1]).longValue());
      actual.put(name, r.toMap().get(name));
    }
    assertEquals(expected, actual, () -> "problems: " + r.problems());
  }

  /** Groups of 2, 3 and 4 names. */
  private void completeGroups() throws IOException {
    group(10, "a/two-1", "b/two-2");
    group(100, "a/three-1", "a/three-2", "c/three-3");
    group(1000, "four-1", "a/four-2", "b/four-3", "c/d/four-4");
  }

  /** The complete groups, two partial groups and one plain file. */
  private void mixedTree() throws IOException {
    completeGroups();
    partialGroup(7, "a/half");
    partialGroup(5, "b/two-of-three-1", "c/two-of-three-2");
    file("plain", 3);
  }

  @Test
  void groupsOfTwoToFourNamesAreCountedOnceAndComplete() throws IOException {
    completeGroups();
    assertCounts(scan(), "hardLinkGroups", 3, "partialHardLinkGroups", 0,
        "namesInHardLinkGroups", 9, "files", 9, "errors", 0);
  }

  @Test
  void partialGroupIsReportedWhenALinkLiesOutsideTheRoot() throws IOException {
    partialGroup(7, "a/half");
    assertCounts(scan(), "hardLinkGroups", 1, "partialHardLinkGroups", 1, "namesInHardLinkGroups", 1);
  }

  @Test
  void groupCountsAndBytesAreExactForAMixedTree() throws IOException {
    mixedTree();
    assertCounts(scan(), "hardLinkGroups", 5, "partialHardLinkGroups", 2,
        "namesInHardLinkGroups", 12, "files", 13, "directories", 4 /* a, b, c, c/d */);
  }

  @Test
  void bytesCountEachGroupOnceAndSavedBytesCountTheOtherNames() throws IOException {
    mixedTree();
    assertCounts(scan(), "bytes", 10 + 100 + 1000 + 7 + 5 + 3,
        "bytesSavedByHardLinks", 10 * 1 + 100 * 2 + 1000 * 3 + 7 * 0 + 5 * 1);
  }

  /** Three inner symlinks (relative, relative through .., absolute), two outer, one dangling. */
  private void symlinkTree() throws IOException {
    file("d/target", 1);
    Files.write(outside.resolve("elsewhere"), new byte[1]);
    symlink("relative-inner", "d/target");
    symlink("d/up-inner", "../d/target");
    symlink("absolute-inner", "/data/root/d/target");
    symlink("outer", "/data/outside/elsewhere");
    symlink("relative-outer", "../outside/elsewhere");
    symlink("dangling", "no/such/file");
  }

  @Test
  void symlinksAreClassifiedInnerOuterAndDangling() throws IOException {
    symlinkTree();
    Map<String, SymlinkClass> expected = Map.of(
        "relative-inner", SymlinkClass.INNER, "d/up-inner", SymlinkClass.INNER,
        "absolute-inner", SymlinkClass.INNER, "outer", SymlinkClass.OUTER,
        "relative-outer", SymlinkClass.OUTER, "dangling", SymlinkClass.DANGLING);
    assertEquals(expected, listed(4).links);
  }

  @Test
  void symlinkCountsMatchTheirClasses() throws IOException {
    symlinkTree();
    assertCounts(scan(), "symlinks", 6, "innerSymlinks", 3, "outerSymlinks", 2,
        "danglingSymlinks", 1, "loopSymlinks", 0, "files", 1);
  }

  @Test
  void symlinksPointingAtEachOtherAreLoops() throws IOException {
    symlink("a", "b");
    symlink("b", "a");
    assertEquals(Map.of("a", SymlinkClass.LOOP, "b", SymlinkClass.LOOP), listed(4).links);
    assertCounts(scan(), "symlinks", 2, "loopSymlinks", 2, "danglingSymlinks", 0);
  }

  @Test
  void symlinkToADirectoryCountsAsSymlinkAndIsNotDescended() throws IOException {
    file("dir/inside", 4);
    symlink("link-to-dir", "dir");
    // dir/inside is not seen a second time through the link
    assertCounts(scan(), "directories", 1, "symlinks", 1, "innerSymlinks", 1, "files", 1);
  }

  @Test
  void directoriesExcludeTheRoot() throws IOException {
    assertEquals(0, scan().directories());
    Files.createDirectories(root.resolve("x/y"));
    assertEquals(2, scan().directories());
  }

  @Test
  void unanchoredExcludeMatchesANameAtAnyDepth() throws IOException {
    file("keep.txt", 1);
    file("drop.tmp", 10);
    file("a/b/drop2.tmp", 100);
    assertCounts(scanExcluding("*.tmp"), "files", 1, "bytes", 1, "directories", 2);
  }

  @Test
  void anchoredExcludeMatchesOnlyAtTheRoot() throws IOException {
    file("cache/x", 1);
    file("sub/cache/y", 1);
    // sub, sub/cache and sub/cache/y stay
    assertCounts(scanExcluding("/cache"), "files", 1, "directories", 2);
  }

  @Test
  void excludedDirectoryIsNotDescended() throws IOException {
    file("build/a", 1);
    file("build/deep/b", 1);
    file("src/c", 1);
    assertCounts(scanExcluding("build"), "files", 1, "directories", 1);
  }

  @Test
  void directoryOnlyExcludeSparesFilesOfThatName() throws IOException {
    file("logs/a", 1);
    file("other/logs", 1);
    // the file other/logs and its directory stay
    assertCounts(scanExcluding("logs/"), "files", 1, "directories", 1);
  }

  @Test
  void excludedNamesDoNotJoinHardLinkGroups() throws IOException {
    group(50, "keep", "skip/copy");
    // the group loses its excluded name and becomes partial
    assertCounts(scanExcluding("skip/"), "hardLinkGroups", 1, "partialHardLinkGroups", 1,
        "namesInHardLinkGroups", 1, "bytesSavedByHardLinks", 0);
  }

  @Test
  void listenerReceivesEveryNameOfCompleteGroups() throws IOException {
    mixedTree();
    Map<String, LinkGroup> groups = listed(4).groups;
    LinkGroup four = groups.get("a/four-2");
    assertEquals(Set.of("four-1", "a/four-2", "b/four-3", "c/d/four-4"), sortedNames(four));
    assertTrue(four.isComplete());
    assertEquals(1000, four.size());
    assertEquals(Set.of("a/two-1", "b/two-2"), sortedNames(groups.get("a/two-1")));
    assertEquals(Set.of("a/three-1", "a/three-2", "c/three-3"), sortedNames(groups.get("a/three-1")));
  }

  @Test
  void listenerReceivesPartialGroupsWithTheirInsideNamesOnly() throws IOException {
    mixedTree();
    Map<String, LinkGroup> groups = listed(4).groups;
    assertEquals(5, groups.size());
    LinkGroup half = groups.get("a/half");
    assertFalse(half.isComplete());
    assertEquals(List.of("a/half"), List.copyOf(sortedNames(half)));
    assertEquals(2, half.linkCount());
    LinkGroup twoOfThree = groups.get("b/two-of-three-1");
    assertFalse(twoOfThree.isComplete());
    assertEquals(Set.of("b/two-of-three-1", "c/two-of-three-2"), sortedNames(twoOfThree));
    assertEquals(3, twoOfThree.linkCount());
  }

  @Test
  void completeGroupsKeepAllNamesUnderManyThreads() throws IOException {
    // the two names of each group lie in neighbouring directories, so two threads meet on a group;
    // a name recorded after the group's last sighting was reported would be lost
    for (int g = 0; g < 2000; g++) {
      group(1, "d" + (g % 64) + "/g" + g, "d" + ((g + 1) % 64) + "/h" + g);
    }
    List<String> broken = Collections.synchronizedList(new ArrayList<>());
    for (int round = 0; round < 20 && broken.isEmpty(); round++) {
      Map<String, LinkGroup> groups = listed(32).groups;
      assertEquals(2000, groups.size());
      groups.forEach((first, g) -> {
        if (g.names().size() != 2) {
          broken.add(first + ": " + g.names() + " of " + g.linkCount());
        }
      });
    }
    assertEquals(List.of(), broken, "complete groups listed without all their names");
  }

  @Test
  void singleThreadAndManyThreadsGiveTheSameReport() throws IOException {
    mixedTree();
    for (int i = 0; i < 30; i++) {
      file("wide/dir" + (i % 6) + "/f" + i, i);
      symlink("wide/dir" + (i % 5) + "/l" + i, i % 2 == 0 ? "../../plain" : "/nowhere");
    }
    ScanReport one = scan(WalkOptions.defaults().withThreads(1), ScanListener.NONE);
    ScanReport many = scan(WalkOptions.defaults().withThreads(16), ScanListener.NONE);
    assertEquals(one, many);
    assertEquals(43, one.files());
    assertEquals(30, one.symlinks());
  }
}
