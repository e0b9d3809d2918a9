package dev.linksafe.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.testing.Cli;
import dev.linksafe.testing.Privileged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a mirror must never do to the trees it is given: write into the source through a
 * destination that is one of its directories under another name, delete the source when it
 * lies inside the destination, delete names the exclude patterns protect; and what it must do:
 * replace a directory the source turned into a file, delete names that are not valid UTF-8,
 * work in a locale that cannot show non-ASCII names.
 */
class DestinationOverlapTest {
  @TempDir Path base;

  private static long count(Path tree) throws Exception {
    try (Stream<Path> s = Files.walk(tree)) {
      return s.count();
    }
  }

  /** A bind mount of a directory of SRC as DST: the walk meets DST inside SRC and must not enter it. */
  @Test
  void aDestinationBindMountedFromInsideTheSourceIsNotWalked() throws Exception {
    Privileged.requireRoot();
    Files.createDirectories(base.resolve("src/sub"));
    Path src = base.resolve("src");
    Files.writeString(src.resolve("a"), "a");
    Path dst = Files.createDirectories(base.resolve("bound"));
    Privileged.run("mount", "--bind", src.resolve("sub").toString(), dst.toString());
    try {
      Cli.Result r = Cli.run("copy", src.toString(), dst.toString());
      assertEquals(1, r.code(), r.err());
      assertTrue(r.err().contains("sub: is the destination itself"), r.err());
      assertEquals("a", Files.readString(dst.resolve("a")));
      assertFalse(Files.exists(dst.resolve("sub")), "the destination was copied into itself");
    } finally {
      Privileged.unmount(dst);
    }
    // the source holds its own names and the one copied into its directory 'sub' (= DST), no more
    assertEquals(4, count(src), () -> src + " grew");
  }

  /** A bind mount of SRC itself, or of a directory above DST, is SRC: refused before anything is written. */
  @Test
  void aDestinationThatIsTheSourceUnderAnotherNameIsRefused() throws Exception {
    Privileged.requireRoot();
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("a"), "a");
    Path bound = Files.createDirectories(base.resolve("bound"));
    Privileged.run("mount", "--bind", src.toString(), bound.toString());
    try {
      for (Path dst : List.of(bound, bound.resolve("deeper/copy"))) {
        Cli.Result r = Cli.run("copy", src.toString(), dst.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("lies inside the source"), r.err());
      }
    } finally {
      Privileged.unmount(bound);
    }
    assertEquals(2, count(src));
  }

  @Test
  void aSourceInsideTheDestinationIsNotDeletedWithIt() throws Exception {
    Path dst = Files.createDirectories(base.resolve("dst/sub"));
    dst = dst.getParent();
    Files.writeString(dst.resolve("sub/b"), "b");
    Files.writeString(dst.resolve("sub/keep.log"), "important");
    Cli.Result r = Cli.run("mirror", "--delete", "--no-index", "--exclude", "*.log", dst.resolve("sub").toString(), dst.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("lies inside the destination"), r.err());
    assertEquals("important", Files.readString(dst.resolve("sub/keep.log")));
  }

  /**
   * A bind mount of a directory deep inside DST as SRC passes the check by path; --delete must
   * still never delete the source, nor the directories holding it, as names DST has and SRC lacks.
   */
  @Test
  void aSourceBindMountedFromInsideTheDestinationIsNotDeleted() throws Exception {
    Privileged.requireRoot();
    Path dst = Files.createDirectories(base.resolve("dst/inner/deep"));
    dst = base.resolve("dst");
    Files.writeString(dst.resolve("inner/deep/precious"), "precious");
    Path src = Files.createDirectories(base.resolve("bound"));
    Privileged.run("mount", "--bind", dst.resolve("inner/deep").toString(), src.toString());
    try {
      // without exclude patterns the tree goes whole; with them name by name
      for (List<String> excludes : List.of(List.<String>of(), List.of("--exclude", "*.log"))) {
        List<String> command = new java.util.ArrayList<>(List.of("mirror", "--delete", "--no-index"));
        command.addAll(excludes);
        command.addAll(List.of(src.toString(), dst.toString()));
        Cli.Result r = Cli.run(command.toArray(String[]::new));
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("is the source itself"), r.err());
        assertEquals("precious", Files.readString(src.resolve("precious")), excludes.toString());
        assertEquals("precious", Files.readString(dst.resolve("inner/deep/precious")));
      }
    } finally {
      Privileged.unmount(src);
    }
  }

  /** rsync's rule: --delete removes a directory the source lost except the excluded names in it. */
  @Test
  void excludedNamesStayWhenTheirDirectoryLeavesTheSource() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/old/deeper"));
    src = base.resolve("src");
    Files.writeString(src.resolve("old/y"), "y");
    Files.writeString(src.resolve("old/deeper/z"), "z");
    Path dst = base.resolve("dst");
    String[] mirror = {"mirror", "--delete", "--index-dir", base.resolve("index").toString(), "--exclude", "*.log",
        src.toString(), dst.toString()};
    assertEquals(0, Cli.run(mirror).code());
    Files.writeString(dst.resolve("old/deeper/x.log"), "precious");
    Files.writeString(dst.resolve("top.log"), "precious too");
    Privileged.run("rm", "-r", src.resolve("old").toString());
    Cli.Result r = Cli.run(mirror);
    assertEquals(0, r.code(), r.err());
    assertEquals("precious", Files.readString(dst.resolve("old/deeper/x.log")));
    assertEquals("precious too", Files.readString(dst.resolve("top.log")));
    assertFalse(Files.exists(dst.resolve("old/y")));
    assertFalse(Files.exists(dst.resolve("old/deeper/z")));
  }

  /** With --delete a directory the source replaced by a file or a symlink is replaced at DST too. */
  @Test
  void aDirectoryTurnedIntoAFileOrSymlinkIsReplaced() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/f/deep"));
    src = base.resolve("src");
    Files.createDirectories(src.resolve("d"));
    Files.createDirectories(src.resolve("e"));
    Files.writeString(src.resolve("f/deep/z"), "z");
    Files.writeString(src.resolve("d/x"), "x");
    Path dst = base.resolve("dst");
    String[] mirror = {"mirror", "--delete", "--index-dir", base.resolve("index").toString(), src.toString(), dst.toString()};
    assertEquals(0, Cli.run(mirror).code());
    Privileged.run("rm", "-r", src.resolve("f").toString(), src.resolve("d").toString());
    Files.writeString(src.resolve("f"), "a file now");
    Files.createSymbolicLink(src.resolve("d"), Path.of("e"));
    Cli.Result r = Cli.run(mirror);
    assertEquals(0, r.code(), r.err());
    assertEquals("a file now", Files.readString(dst.resolve("f")));
    assertEquals(Path.of("e"), Files.readSymbolicLink(dst.resolve("d")));
    assertEquals(0, Cli.run("verify", src.toString(), dst.toString()).code());
  }

  /**
   * A directory in the way of a new file, holding excluded names, is met before the walk has
   * left any directory: its excluded names stay and the conflict is reported (the exclude
   * patterns were only known to the deletion once a directory had been left).
   */
  @Test
  void aDirectoryInTheWayKeepsItsExcludedNames() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/f"));
    src = base.resolve("src");
    Files.writeString(src.resolve("f/x"), "x");
    Path dst = base.resolve("dst");
    String[] mirror = {"mirror", "--delete", "--no-index", "--exclude", "*.log", src.toString(), dst.toString()};
    assertEquals(0, Cli.run(mirror).code());
    Files.writeString(dst.resolve("f/keep.log"), "precious");
    Privileged.run("rm", "-r", src.resolve("f").toString());
    Files.writeString(src.resolve("f"), "a file now");
    Cli.Result r = Cli.run(mirror);
    assertEquals(1, r.code(), r.err());
    assertTrue(r.err().contains("a directory stands at the destination"), r.err());
    assertEquals("precious", Files.readString(dst.resolve("f/keep.log")));
    assertFalse(Files.exists(dst.resolve("f/x")), "the rest of the directory goes");
  }

  /** Names whose bytes are not UTF-8 are deleted like any other (they were kept forever). */
  @Test
  void namesThatAreNotUtf8AreDeleted() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path dst = base.resolve("dst");
    Privileged.run("bash", "-c", "cd '" + src + "' && echo one > $'a\\xff' && mkdir $'d\\xe9' && echo two > $'d\\xe9/b\\xfe'");
    String[] mirror = {"mirror", "--delete", "--index-dir", base.resolve("index").toString(), src.toString(), dst.toString()};
    assertEquals(0, Cli.run(mirror).code());
    assertEquals(4, count(dst));
    Privileged.run("bash", "-c", "cd '" + src + "' && rm $'a\\xff' $'d\\xe9/b\\xfe'");
    Cli.Result r = Cli.run(mirror);
    assertEquals(0, r.code(), r.err());
    assertEquals(2, count(dst), "what the source no longer has is deleted");
    assertEquals(0, Cli.run("verify", src.toString(), dst.toString()).code());
  }

  /**
   * In the C locale (cron's empty environment) the JVM cannot show non-ASCII names as paths:
   * linksafe starts itself again in a UTF-8 locale, so a file moved with the index present is
   * renamed at DST like anywhere else (it was never copied while the index existed).
   */
  @Test
  void aNonAsciiNameMovedInTheCLocaleIsMirrored() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/sub"));
    src = base.resolve("src");
    Files.writeString(src.resolve("é"), "one");
    Files.writeString(src.resolve("sub/x"), "two");
    // a non-ASCII argument too: the restarted JVM must get its bytes, not '?'
    Path dst = base.resolve("dst-\u00fc");
    List<String> mirror = Privileged.javaCommand("mirror", "--delete", "--index-dir", base.resolve("index").toString(),
        src.toString(), dst.toString());
    assertEquals(0, inCLocale(mirror));
    Files.move(src.resolve("é"), src.resolve("sub/é2"));
    assertEquals(0, inCLocale(mirror));
    assertEquals("one", Files.readString(dst.resolve("sub/é2")));
    assertFalse(Files.exists(dst.resolve("é")));
  }

  private static int inCLocale(List<String> command) throws Exception {
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
    b.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG") || k.equals("LANGUAGE"));
    b.environment().put("LC_ALL", "C");
    Process p = b.start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    return p.exitValue();
  }
}
