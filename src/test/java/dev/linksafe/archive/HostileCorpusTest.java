package dev.linksafe.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.Problem;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hostile archive corpus in {@code src/test/resources/hostile} (made by Python's tarfile, see
 * make-corpus.py): for each archive, which entries are refused, what is extracted, and that
 * nothing outside the destination appears or changes. The archives name
 * {@value #OUTSIDE} as the place they try to reach.
 */
class HostileCorpusTest {
  static final String OUTSIDE = "/tmp/linksafe-hostile-outside";
  private static final Path OUTSIDE_DIR = Path.of(OUTSIDE);
  @TempDir Path base;

  /**
   * One archive of the corpus and what extracting it must give.
   *
   * @param refused the entry names refused, each reported by name; null where the archive is
   *     malformed and only a clear error is expected
   * @param extracted files that must be there afterwards, with their contents
   * @param links symlinks that must be there, with their exact targets
   * @param absent names that must not be there (a partial file, or an entry after corruption)
   */
  record Case(String archive, Set<String> refused, Map<String, String> extracted,
      Map<String, String> links, Set<String> absent) {
    @Override
    public String toString() {
      return archive;
    }
  }

  static Stream<Case> corpus() {
    String longName = "../" + "n".repeat(150) + "/evil.txt";
    return Stream.of(
        new Case("dotdot.tar", Set.of("../evil.txt", "a/../../evil2.txt", "a/b/../../../evil3.txt"),
            Map.of("ok.txt", "fine", "also-ok.txt", "fine"), Map.of(), Set.of()),
        new Case("absolute.tar", Set.of(OUTSIDE + "/abs.txt"), Map.of("ok.txt", "fine"), Map.of(), Set.of()),
        new Case("drive-letter.tar", Set.of("C:/evil.txt", "C:\\evil2.txt"), Map.of("ok.txt", "fine"),
            Map.of(), Set.of()),
        new Case("symlink-then-write.tar",
            Set.of("out/evil.txt", "up/evil2.txt", "deep/x/evil3.txt", "loop1/evil4.txt"),
            Map.of("ok.txt", "fine"),
            Map.of("out", OUTSIDE, "up", "../..", "deep/x", "../../..", "loop1", "loop2", "loop2", "loop1"),
            Set.of()),
        new Case("link-then-overwrite.tar", Set.of(),
            Map.of("s", "replaced, not written through", "ok.txt", "fine"), Map.of(), Set.of()),
        new Case("hardlink-escape.tar", Set.of("h1", "h2", "h3", "h4", "h5"), Map.of("ok.txt", "fine"),
            Map.of("s", OUTSIDE), Set.of("h1", "h2", "h3", "h4", "h5")),
        new Case("hardlink-then-write.tar", Set.of(), Map.of("a", "original", "b", "new"), Map.of(), Set.of()),
        new Case("directory-then-symlink.tar", Set.of("d"), Map.of("d/inside.txt", "stays inside"),
            Map.of(), Set.of()),
        new Case("pax-overrides.tar", Set.of("../pax-evil.txt", "innocent-link"), Map.of("ok.txt", "fine"),
            Map.of(), Set.of("innocent.txt", "innocent-link")),
        new Case("gnu-longname.tar", Set.of(longName), Map.of("x".repeat(120) + "/ok.txt", "fine"),
            Map.of(), Set.of()),
        new Case("huge-size.tar", null, Map.of(), Map.of(), Set.of("small.txt")),
        new Case("base256-size.tar", null, Map.of(), Map.of(), Set.of("small.txt")),
        new Case("huge-pax-header.tar", null, Map.of(), Map.of(), Set.of("claims-a-gigabyte.txt")),
        new Case("huge-pax-record.tar", null, Map.of(), Map.of(), Set.of("x")),
        new Case("truncated-header.tar", null, Map.of(), Map.of(), Set.of("big.txt", "next.txt")),
        new Case("truncated-data.tar", null, Map.of(), Map.of(), Set.of("big.txt", "next.txt")),
        new Case("bad-checksum.tar", null, Map.of(), Map.of(), Set.of("small.txt")),
        new Case("garbage.tar", null, Map.of(), Map.of(), Set.of()));
  }

  @BeforeAll
  static void checkTheOutsideIsFree() throws Exception {
    if (Files.exists(OUTSIDE_DIR)) {
      deleteTree(OUTSIDE_DIR);
    }
  }

  @BeforeEach
  void makeTheOutside() throws Exception {
    Files.createDirectories(OUTSIDE_DIR);
    Files.writeString(OUTSIDE_DIR.resolve("target.txt"), "keep");
  }

  @AfterAll
  static void removeTheOutside() throws Exception {
    deleteTree(OUTSIDE_DIR);
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static InputStream open(String archive) {
    InputStream in = HostileCorpusTest.class.getResourceAsStream("/hostile/" + archive);
    if (in == null) {
      throw new IllegalStateException("missing fixture " + archive);
    }
    return in;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void eachHostileArchiveIsRefusedAsExpectedAndNothingOutsideChanges(Case c) throws Exception {
    Path dst = base.resolve("dst");
    ArchiveReport report = assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> new TarExtractor(false).extract(open(c.archive()), dst), "no hang on " + c.archive());
    Set<String> problemNames = report.problems().stream().map(Problem::path)
        .collect(Collectors.toCollection(TreeSet::new));
    if (c.refused() != null) {
      assertEquals(new TreeSet<>(c.refused()), problemNames, report.problems().toString());
      for (Problem p : report.problems()) {
        assertTrue(p.message().contains("refused") || p.message().contains("left alone")
            || p.message().contains("not extracted"), "a clear reason: " + p);
      }
    } else {
      assertFalse(report.problems().isEmpty(), "a malformed archive is an error");
      String message = report.problems().get(report.problems().size() - 1).message().toLowerCase();
      assertTrue(message.contains("truncated") || message.contains("corrupt"), message);
    }
    for (Map.Entry<String, String> e : c.extracted().entrySet()) {
      Path p = dst.resolve(e.getKey());
      assertTrue(Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), e.getKey() + " extracted");
      assertEquals(e.getValue(), Files.readString(p));
    }
    for (Map.Entry<String, String> e : c.links().entrySet()) {
      assertEquals(e.getValue(), Files.readSymbolicLink(dst.resolve(e.getKey())).toString(),
          "symlink entries are made exactly as they are");
    }
    for (String name : c.absent()) {
      assertFalse(Files.exists(dst.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS), name + " must not exist");
    }
    try (Stream<Path> left = Files.walk(OUTSIDE_DIR)) {
      assertEquals(List.of(OUTSIDE_DIR, OUTSIDE_DIR.resolve("target.txt")), left.sorted().toList(),
          "nothing made outside the destination");
    }
    assertEquals("keep", Files.readString(OUTSIDE_DIR.resolve("target.txt")));
    assertEquals(1, Files.getAttribute(OUTSIDE_DIR.resolve("target.txt"), "unix:nlink"),
        "no hard link made to a file outside");
    assertFalse(Files.exists(base.resolve("evil.txt")) || Files.exists(base.resolve("pax-evil.txt")));
  }

  @Test
  void theCommandLineExitsWithOneAndNamesEachRefusedEntry() throws Exception {
    Path archive = base.resolve("dotdot.tar");
    try (InputStream in = open("dotdot.tar")) {
      Files.copy(in, archive);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = dev.linksafe.cli.Main.run(new String[] {"extract", archive.toString(), base.resolve("x").toString()},
        new PrintWriter(out), new PrintWriter(err));
    assertEquals(1, code, out + "" + err);
    String all = out + "" + err;
    for (String name : List.of("../evil.txt", "a/../../evil2.txt", "a/b/../../../evil3.txt")) {
      assertTrue(all.contains(name), name + " named in: " + all);
    }
  }
}
