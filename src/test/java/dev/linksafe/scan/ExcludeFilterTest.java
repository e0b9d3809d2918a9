package dev.linksafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rsync-like exclude rules, on strings alone. */
class ExcludeFilterTest {

  private static ExcludeFilter filter(String... patterns) {
    return ExcludeFilter.of(List.of(patterns));
  }

  private static boolean file(ExcludeFilter f, String relative) {
    return f.excludes(relative, false);
  }

  private static boolean dir(ExcludeFilter f, String relative) {
    return f.excludes(relative, true);
  }

  @Test
  void noPatternsExcludeNothing() {
    ExcludeFilter f = ExcludeFilter.of(List.of());
    assertSame(ExcludeFilter.NONE, f);
    assertTrue(f.isEmpty());
    assertFalse(file(f, "anything"));
    assertFalse(dir(f, "a/b"));
  }

  @Test
  void patternWithoutSlashMatchesTheNameAtAnyDepth() {
    ExcludeFilter f = filter("*.tmp");
    assertTrue(file(f, "x.tmp"));
    assertTrue(file(f, "a/x.tmp"));
    assertTrue(file(f, "a/b/c/x.tmp"));
    assertTrue(dir(f, "a/cache.tmp"));
    assertFalse(file(f, "x.tmp.keep"));
    assertFalse(file(f, "a.tmp/x"), "only the last name is matched");
  }

  @Test
  void plainNameMatchesWholeNamesOnly() {
    ExcludeFilter f = filter("core");
    assertTrue(file(f, "core"));
    assertTrue(file(f, "a/b/core"));
    assertFalse(file(f, "a/b/core2"));
    assertFalse(file(f, "a/b/hardcore"));
  }

  @Test
  void leadingSlashAnchorsAtTheRoot() {
    ExcludeFilter f = filter("/build");
    assertTrue(dir(f, "build"));
    assertTrue(file(f, "build"));
    assertFalse(dir(f, "sub/build"));
  }

  @Test
  void innerSlashAnchorsAtTheRootAndMatchesTheWholePath() {
    ExcludeFilter f = filter("src/gen");
    assertTrue(dir(f, "src/gen"));
    assertFalse(dir(f, "module/src/gen"), "anchored: not matched below the root");
    assertFalse(dir(f, "src/gen/deeper"), "the whole path must match");
  }

  @Test
  void singleStarDoesNotCrossSlashes() {
    ExcludeFilter f = filter("/a/*");
    assertTrue(file(f, "a/x"));
    assertFalse(file(f, "a/x/y"));
  }

  @Test
  void doubleStarCrossesSlashes() {
    ExcludeFilter f = filter("logs/**");
    assertTrue(file(f, "logs/a"));
    assertTrue(file(f, "logs/a/b/c.txt"));
    assertFalse(dir(f, "logs"), "logs/** names what is below logs, not logs itself");
    assertFalse(file(f, "other/logs/a"), "a pattern with a slash stays anchored");
  }

  @Test
  void doubleStarPrefixMatchesAtAnyDepthBelowTheRoot() {
    ExcludeFilter f = filter("**/*.o");
    assertTrue(file(f, "a/x.o"));
    assertTrue(file(f, "a/b/c/x.o"));
    assertFalse(file(f, "a/b/x.c"));
  }

  @Test
  void trailingSlashRestrictsToDirectories() {
    ExcludeFilter f = filter("tmp/");
    assertTrue(dir(f, "tmp"));
    assertTrue(dir(f, "a/b/tmp"), "without another slash it stays unanchored");
    assertFalse(file(f, "tmp"));
    assertFalse(file(f, "a/tmp"));
  }

  @Test
  void trailingSlashWithInnerSlashIsAnchoredAndDirectoryOnly() {
    ExcludeFilter f = filter("/var/cache/");
    assertTrue(dir(f, "var/cache"));
    assertFalse(file(f, "var/cache"));
    assertFalse(dir(f, "x/var/cache"));
  }

  @Test
  void questionMarkClassesAndAlternativesFollowGlobSyntax() {
    ExcludeFilter f = filter("file?.[ch]", "*.{bak,swp}");
    assertTrue(file(f, "a/file1.c"));
    assertTrue(file(f, "file2.h"));
    assertFalse(file(f, "file10.c"));
    assertFalse(file(f, "file1.o"));
    assertTrue(file(f, "x.bak"));
    assertTrue(file(f, "d/.x.swp"));
    assertFalse(file(f, "x.bak2"));
  }

  @Test
  void anyOfSeveralPatternsExcludes() {
    ExcludeFilter f = filter("*.log", "/node_modules/", "cache");
    assertTrue(file(f, "a/b.log"));
    assertTrue(dir(f, "node_modules"));
    assertTrue(file(f, "x/cache"));
    assertFalse(file(f, "x/keep.txt"));
  }

  @Test
  void blankAndCommentPatternsAreIgnored() {
    ExcludeFilter f = filter("", "   ", "# *.txt");
    assertTrue(f.isEmpty());
    assertFalse(file(f, "a.txt"));
    assertEquals(List.of("", "   ", "# *.txt"), f.patterns(), "patterns are kept as given");
  }

  @Test
  void surroundingWhitespaceIsStripped() {
    assertTrue(file(filter("  *.tmp  "), "a/b.tmp"));
  }

  @Test
  void badPatternThrowsIllegalArgumentExceptionNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> filter("ok", "broken[abc"));
    assertTrue(e.getMessage().contains("broken[abc"), e.getMessage());
    assertTrue(e.getMessage().contains("bad exclude pattern"), e.getMessage());
  }

  @Test
  void nestedAlternativesAreABadPattern() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> filter("{a,{b,c}}"));
    assertTrue(e.getMessage().contains("{a,{b,c}}"), e.getMessage());
  }

  @Test
  void readPatternsSkipsBlankAndCommentLines(@TempDir Path dir) throws IOException {
    Path list = Files.writeString(dir.resolve("excludes"),
        "# build output\n*.o\n\n   \n  /target/  \n#*.txt\n", StandardCharsets.UTF_8);
    assertEquals(List.of("*.o", "/target/"), ExcludeFilter.readPatterns(list));
  }
}
