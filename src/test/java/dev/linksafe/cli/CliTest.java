package dev.linksafe.cli;

import dev.linksafe.testing.Cli;
import dev.linksafe.testing.Privileged;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.linksafe.demo.SampleTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in process: exit codes, JSON keys, messages. */
class CliTest {
  @TempDir Path base;

  static Cli.Result run(String... args) {
    return Cli.run(args);
  }

  @Test
  void scanJsonHasTheDocumentedKeysAndCounts() throws Exception {
    Path tree = SampleTree.create(base);
    Cli.Result r = run("scan", "--json", tree.toString());
    assertEquals(0, r.code(), r.err());
    Map<String, Object> m = JSON.std.mapFrom(r.out());
    for (String key : List.of("directories", "files", "symlinks", "danglingSymlinks", "innerSymlinks",
        "outerSymlinks", "junctions", "mountPoints", "hardLinkGroups", "partialHardLinkGroups",
        "namesInHardLinkGroups", "bytes", "bytesSavedByHardLinks", "errors")) {
      assertTrue(m.containsKey(key), "missing key " + key + " in " + r.out());
    }
    assertEquals(4, ((Number) m.get("directories")).intValue());
    assertEquals(7, ((Number) m.get("files")).intValue());
    assertEquals(6, ((Number) m.get("symlinks")).intValue());
    assertEquals(1, ((Number) m.get("danglingSymlinks")).intValue());
    assertEquals(2, ((Number) m.get("innerSymlinks")).intValue());
    assertEquals(1, ((Number) m.get("outerSymlinks")).intValue());
    assertEquals(3, ((Number) m.get("hardLinkGroups")).intValue());
    assertEquals(1, ((Number) m.get("partialHardLinkGroups")).intValue());
    assertEquals(6, ((Number) m.get("namesInHardLinkGroups")).intValue());
    assertEquals(0, ((Number) m.get("errors")).intValue());
  }

  @Test
  void scanListsGroupMembers() throws Exception {
    Path tree = SampleTree.create(base);
    Cli.Result r = run("scan", "--list", "groups", tree.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("docs/report-link.txt"), r.out());
    assertTrue(r.out().contains("(partial)"), r.out());
  }

  @Test
  void missingSourceIsAUsageError() {
    Cli.Result r = run("scan", base.resolve("nope").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("does not exist"), r.err());
  }

  @Test
  void fileGivenForDirectoryIsAUsageError() throws Exception {
    Path file = Files.writeString(base.resolve("f"), "x");
    Cli.Result r = run("copy", file.toString(), base.resolve("d").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("not a directory"), r.err());
  }

  @Test
  void namesThatAreNotUtf8AreCounted() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("fine"), "x");
    Process p = new ProcessBuilder("bash", "-c", "touch \"$1\"/$'bad\\xffname'", "_", src.toString()).start();
    assertEquals(0, p.waitFor());
    Cli.Result r = run("scan", "--json", src.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    Map<String, Object> m = JSON.std.mapFrom(r.out());
    assertEquals(2, ((Number) m.get("files")).intValue());
    assertEquals(0, ((Number) m.get("errors")).intValue());
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertEquals(2, run("scan", "--frobnicate", base.toString()).code());
  }

  @Test
  void copyThenVerifyAgreeAndVerifyFindsAChange() throws Exception {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    Cli.Result c = run("copy", "--json", tree.toString(), copy.toString());
    assertEquals(0, c.code(), c.err());
    assertEquals(4, ((Number) JSON.std.mapFrom(c.out()).get("filesCopied")).intValue());
    assertEquals(0, run("verify", "--content", tree.toString(), copy.toString()).code());
    Files.writeString(copy.resolve("empty.txt"), "changed");
    Cli.Result v = run("verify", "--json", tree.toString(), copy.toString());
    assertEquals(1, v.code());
    assertTrue(v.out().contains("empty.txt"), v.out());
  }

  @Test
  void dryRunListsActionsAndWritesNothing() throws Exception {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    Cli.Result r = run("copy", "--dry-run", "--list", tree.toString(), copy.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("link"), r.out());
    assertTrue(r.out().contains("would copy"), r.out());
    assertTrue(!Files.exists(copy));
  }

  @Test
  void excludesFromFlagsAndConfigurationFileApply() throws Exception {
    Path tree = SampleTree.create(base);
    Path config = Files.writeString(base.resolve("linksafe.conf"), "exclude = photos/\nthreads = 2\n");
    Cli.Result r = run("scan", "--json", "--config", config.toString(), "--exclude", "*.txt", tree.toString());
    assertEquals(0, r.code(), r.err());
    Map<String, Object> m = JSON.std.mapFrom(r.out());
    assertEquals(1, ((Number) m.get("files")).intValue(), r.out()); // only shared.bin is left
  }

  @Test
  void demoRunsEndToEnd() {
    Cli.Result r = run("demo");
    assertEquals(0, r.code(), r.out() + r.err());
    // the copy, the mirrored edit and rename, and the tar round trip each verified identical
    assertEquals(3, r.out().split("  identical \\(", -1).length - 1, r.out());
    assertTrue(r.out().contains("1 copied (23 B), 1 renamed instead of copied again"), r.out());
    assertTrue(r.out().contains("(5 files, 3 hard links, 6 symlinks)"), r.out());
  }

  @Test
  void everyCommandHasHelpWithExitCodes() {
    for (String command : List.of("scan", "copy", "verify", "demo")) {
      Cli.Result r = run(command, "--help");
      assertEquals(0, r.code());
      assertTrue(r.out().contains("Exit codes"), command + ": " + r.out());
    }
  }

  @Test
  void destAsAcceptsWindowsPathsAndRefusesOthers() {
    assertEquals("C:\\", CopyCommand.windowsPath("C:\\"));
    assertEquals("E:\\data\\x", CopyCommand.windowsPath("E:\\data\\x"));
    assertEquals("E:\\data", CopyCommand.windowsPath("e:/data".replace('e', 'E')));
    assertEquals("C:\\", CopyCommand.windowsPath("C:"));
    org.junit.jupiter.api.Assertions.assertThrows(UsageException.class, () -> CopyCommand.windowsPath("/mnt/c"));
    assertEquals(2, run("copy", "--dest-as", "relative\\path", base.toString(), base.resolve("x").toString()).code());
  }

  @Test
  void mirrorReportsTheDocumentedCounts() throws Exception {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    String index = base.resolve("index").toString();
    Cli.Result first = run("mirror", "--json", "--delete", "--index-dir", index, tree.toString(), copy.toString());
    assertEquals(0, first.code(), first.err());
    Map<String, Object> m = JSON.std.mapFrom(first.out());
    for (String key : List.of("unchanged", "copied", "linked", "renamed", "updatedMetadata", "deleted",
        "bytesCopied", "errors")) {
      assertTrue(m.containsKey(key), "missing " + key + " in " + first.out());
    }
    assertEquals(4, ((Number) m.get("copied")).intValue());
    assertEquals(3, ((Number) m.get("linked")).intValue());
    assertTrue(first.out().contains("no index yet"), "the first run says it has no index: " + first.out());
    Files.delete(tree.resolve("empty.txt"));
    Cli.Result second = run("mirror", "--json", "--delete", "--index-dir", index, tree.toString(), copy.toString());
    assertEquals(0, second.code(), second.err());
    assertEquals(1, ((Number) JSON.std.mapFrom(second.out()).get("deleted")).intValue());
    assertEquals(0, run("verify", tree.toString(), copy.toString()).code());
  }

  @Test
  void snapshotsCanBeTakenListedPrunedAndRestored() throws Exception {
    Path tree = SampleTree.create(base);
    Path repo = base.resolve("repo");
    assertEquals(0, run("snapshot", tree.toString(), repo.toString()).code());
    Thread.sleep(1100);
    Files.writeString(tree.resolve("empty.txt"), "second");
    Cli.Result second = run("snapshot", "--json", tree.toString(), repo.toString());
    assertEquals(0, second.code(), second.err());
    assertTrue(((Number) JSON.std.mapFrom(second.out()).get("filesLinked")).intValue() >= 3, second.out());
    Cli.Result list = run("snapshots", "--json", repo.toString());
    assertEquals(2, ((List<?>) JSON.std.mapFrom(list.out()).get("snapshots")).size(), list.out());
    assertEquals(2, run("prune", repo.toString()).code(), "a prune that keeps nothing is refused");
    Cli.Result pruned = run("prune", "--keep-last", "1", repo.toString());
    assertEquals(0, pruned.code(), pruned.err());
    Path restored = base.resolve("restored");
    Cli.Result restore = run("restore", repo.toString(), restored.toString());
    assertEquals(0, restore.code(), restore.err());
    assertEquals(0, run("verify", "--content", tree.toString(), restored.toString()).code());
  }

  /** A snapshot of a tree that was itself a repository holds .linksafe: it is still that snapshot. */
  @Test
  void aSnapshotOfARepositoryRestoresAsItself() throws Exception {
    Path tree = SampleTree.create(base);
    Path inner = base.resolve("inner");
    assertEquals(0, run("snapshot", tree.toString(), inner.toString()).code());
    Path outer = base.resolve("outer");
    assertEquals(0, run("snapshot", inner.toString(), outer.toString()).code());
    Path snapshot = outer.resolve(Files.readSymbolicLink(outer.resolve("latest")));
    Path restored = base.resolve("restored");
    Cli.Result r = run("restore", snapshot.toString(), restored.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(0, run("verify", inner.toString(), restored.toString()).code(), "restored the inner repository whole");
  }

  @Test
  void restoreKeepsTheBytesOfADestinationThatIsNotUtf8() throws Exception {
    Path tree = SampleTree.create(base);
    Path repo = base.resolve("repo");
    assertEquals(0, run("snapshot", tree.toString(), repo.toString()).code());
    Path restored = dev.linksafe.platform.RawNames.resolve(base, "out\uDCFF");
    Cli.Result r = run("restore", repo.toString(), dev.linksafe.platform.RawNames.text(restored));
    assertEquals(0, r.code(), r.err());
    assertEquals(0, run("verify", tree.toString(), dev.linksafe.platform.RawNames.text(restored)).code(), r.out());
  }

  /** An archive written over an older one keeps its permissions, as tar's overwrite does. */
  @Test
  void anArchiveWrittenAgainKeepsItsPermissions() throws Exception {
    Path tree = SampleTree.create(base);
    Path archive = base.resolve("private.tar");
    assertEquals(0, run("archive", tree.toString(), archive.toString()).code());
    Files.setPosixFilePermissions(archive, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Cli.Result again = run("archive", tree.toString(), archive.toString());
    assertEquals(0, again.code(), again.err());
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)));
  }

  /** As GNU tar does, an archive written inside the tree it archives leaves itself out. */
  @Test
  void anArchiveWrittenInsideItsSourceLeavesItselfOut() throws Exception {
    Path tree = SampleTree.create(base);
    Path archive = tree.resolve("backup.tar");
    Cli.Result r = Cli.run("archive", tree.toString(), archive.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    Path out = base.resolve("out");
    Cli.Result x = Cli.run("extract", archive.toString(), out.toString());
    assertEquals(0, x.code(), x.out() + x.err());
    assertTrue(Files.notExists(out.resolve("backup.tar")));
    try (var names = Files.list(out)) {
      assertTrue(names.noneMatch(p -> p.getFileName().toString().startsWith(".~linksafe.")), "its temporary name neither");
    }
    Files.delete(archive);
    Cli.Result v = Cli.run("verify", tree.toString(), out.toString());
    assertEquals(0, v.code(), v.out() + v.err());
  }

  /** A file where DST (or a directory above it) should be is a usage error for every command that writes. */
  @Test
  void aFileWhereTheDestinationShouldBeIsAUsageError() throws Exception {
    Path tree = SampleTree.create(base);
    Path file = Files.writeString(base.resolve("plain-file"), "not a directory");
    Path archive = base.resolve("t.tar");
    assertEquals(0, run("archive", tree.toString(), archive.toString()).code());
    for (Path dst : List.of(file, file.resolve("below"))) {
      for (String[] command : List.of(new String[] {"copy", tree.toString(), dst.toString()},
          new String[] {"mirror", "--no-index", tree.toString(), dst.toString()},
          new String[] {"extract", archive.toString(), dst.toString()},
          new String[] {"snapshot", tree.toString(), dst.toString()})) {
        Cli.Result r = run(command);
        assertEquals(2, r.code(), String.join(" ", command) + ": " + r.err());
        assertTrue(r.err().contains("not a directory"), r.err());
      }
    }
    assertEquals("not a directory", Files.readString(file));
  }

  /**
   * As tar writes FILE: a FIFO (or a device, or a pipe given as /dev/fd/N) is written through,
   * not replaced by a file; a symlink at FILE stays and what it points at (dangling too) gets
   * the archive; a symlink someone put at a temporary name beside FILE is never written through.
   */
  @Test
  void anArchiveIsWrittenThroughWhatStandsAtItsName() throws Exception {
    Path tree = SampleTree.create(base);
    Path fifo = base.resolve("pipe");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return Files.readAllBytes(fifo);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Cli.Result toFifo = Cli.run("archive", tree.toString(), fifo.toString());
    assertEquals(0, toFifo.code(), toFifo.out() + toFifo.err());
    byte[] streamed = read.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertTrue(streamed.length > 1024, "the reader got the archive: " + streamed.length + " bytes");
    assertTrue(Files.readAttributes(fifo, java.nio.file.attribute.BasicFileAttributes.class).isOther(), "still a FIFO");

    Files.createDirectories(base.resolve("elsewhere"));
    Path link = Files.createSymbolicLink(base.resolve("link.tar"), Path.of("elsewhere/x.tar"));
    Path victim = Files.writeString(base.resolve("victim"), "untouched");
    Files.createSymbolicLink(base.resolve(".~linksafe.link.tar.tmp"), victim);
    Files.createSymbolicLink(base.resolve(".~linksafe.x.tar.tmp"), victim);
    for (int run = 0; run < 2; run++) { // the link dangles first, then points at the archive
      Cli.Result r = Cli.run("archive", tree.toString(), link.toString());
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(Files.isSymbolicLink(link));
      assertTrue(Files.size(base.resolve("elsewhere/x.tar")) > 1024);
    }
    assertEquals("untouched", Files.readString(victim));
    assertExtractsAs(link, tree);
  }

  /**
   * The index is a cache: where it cannot be kept (its directory cannot be made) the mirror
   * says so and runs as with --no-index, instead of failing.
   */
  @Test
  void aMirrorWhoseIndexCannotBeKeptRunsWithoutIt() throws Exception {
    Path tree = SampleTree.create(base);
    Path file = Files.writeString(base.resolve("plain-file"), "not a directory");
    Path dst = base.resolve("dst");
    for (int run = 0; run < 2; run++) {
      Cli.Result r = Cli.run("mirror", "--delete", "--index-dir", file.resolve("index").toString(),
          tree.toString(), dst.toString());
      assertEquals(0, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("cannot keep the index in " + file.resolve("index")), r.err());
      assertFalse(r.err().contains("rebuilt"), r.err());
    }
    assertEquals(0, Cli.run("verify", tree.toString(), dst.toString()).code());
  }

  /** As tar reads FILE: a FIFO (or a pipe given as /dev/fd/N) is read; a directory is said to be one. */
  @Test
  void anArchiveIsReadFromAFifo() throws Exception {
    Path tree = SampleTree.create(base);
    Path archive = base.resolve("t.tar");
    assertEquals(0, Cli.run("archive", tree.toString(), archive.toString()).code());
    Path fifo = base.resolve("pipe");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    var written = java.util.concurrent.CompletableFuture.runAsync(() -> {
      try {
        Files.write(fifo, Files.readAllBytes(archive));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    Path out = base.resolve("out");
    Cli.Result r = Cli.run("extract", fifo.toString(), out.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    written.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(0, Cli.run("verify", tree.toString(), out.toString()).code());
    Cli.Result directory = Cli.run("extract", tree.toString(), base.resolve("out2").toString());
    assertEquals(2, directory.code());
    assertTrue(directory.err().contains("is a directory, not an archive"), directory.err());
  }

  /** Standard output redirected to a file inside the tree: that file is left out, as GNU tar does. */
  @Test
  void anArchiveStreamedIntoItsOwnTreeLeavesItselfOut() throws Exception {
    Path tree = SampleTree.create(base);
    Path archive = tree.resolve("streamed.tar");
    Process p = new ProcessBuilder(dev.linksafe.testing.Privileged.javaCommand("archive", tree.toString(), "-"))
        .redirectOutput(archive.toFile()).redirectError(ProcessBuilder.Redirect.PIPE).start();
    String err = new String(p.getErrorStream().readAllBytes());
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), err);
    Path out = base.resolve("out");
    Files.move(archive, base.resolve("streamed.tar"));
    assertEquals(0, Cli.run("extract", base.resolve("streamed.tar").toString(), out.toString()).code());
    assertFalse(Files.exists(out.resolve("streamed.tar")));
    assertEquals(0, Cli.run("verify", tree.toString(), out.toString()).code());
  }

  /**
   * As cp and rsync take them: SRC and DST named with bytes that are not valid UTF-8 (the JVM
   * decodes its arguments as the locale says, which loses such bytes) are found and made, in a
   * UTF-8 locale and in the C locale (where linksafe starts itself again).
   */
  @Test
  void argumentsThatAreNotUtf8KeepTheirBytes() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is needed");
    Path src = Files.createDirectories(dev.linksafe.platform.RawNames.resolve(base, "s\uDCFF"));
    Files.writeString(src.resolve("f"), "x");
    String linksafe = String.join(" ", dev.linksafe.testing.Privileged.javaCommand().stream()
        .map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
    for (String locale : List.of("C.UTF-8", "C")) {
      String script = "cd '" + base + "' && LC_ALL=" + locale + " " + linksafe + " copy $'s\\xff' $'d\\xfe" + locale + "'";
      String out = bash(script);
      Path dst = dev.linksafe.platform.RawNames.resolve(base, "d\uDCFE" + locale);
      assertEquals("x", Files.readString(dst.resolve("f")), out);
    }
    // an exclude pattern with such a byte still protects the name it matches
    Path kept = Files.writeString(dev.linksafe.platform.RawNames.resolve(base, "d\uDCFEC.UTF-8/keep\uDCFF"), "k");
    String script = "cd '" + base + "' && LC_ALL=C.UTF-8 " + linksafe
        + " mirror --delete --no-index --exclude $'keep\\xff' $'s\\xff' $'d\\xfeC.UTF-8'";
    String out = bash(script);
    assertEquals("k", Files.readString(kept), out);
  }

  /** FILE /dev/stdout is standard output as it was opened: appended to, the report kept out of it. */
  @Test
  void anArchiveToDevStdoutGoesWhereStandardOutputGoes() throws Exception {
    Path tree = SampleTree.create(base);
    Path file = Files.writeString(base.resolve("log.bin"), "keep");
    Process p = new ProcessBuilder(dev.linksafe.testing.Privileged.javaCommand("archive", tree.toString(), "/dev/stdout"))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(file.toFile())).redirectError(ProcessBuilder.Redirect.PIPE).start();
    String err = new String(p.getErrorStream().readAllBytes());
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), err);
    assertTrue(err.contains("archived"), err);
    byte[] all = Files.readAllBytes(file);
    assertEquals("keep", new String(all, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
    Path archive = Files.write(base.resolve("a.tar"), java.util.Arrays.copyOfRange(all, 4, all.length));
    assertExtractsAs(archive, tree);
  }

  /** A snapshot whose manifest is lost is listed by name, its unknown counts as '?'. */
  @Test
  void aSnapshotWithoutItsManifestIsListedWithoutMadeUpCounts() throws Exception {
    Path tree = SampleTree.create(base);
    Path repo = base.resolve("repo");
    assertEquals(0, Cli.run("snapshot", tree.toString(), repo.toString()).code());
    try (var manifests = Files.list(repo.resolve(".linksafe/manifests"))) {
      for (Path m : manifests.toList()) {
        Files.delete(m);
      }
    }
    Cli.Result r = Cli.run("snapshots", repo.toString());
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().strip().split("\n");
    assertEquals(2, lines.length, r.out());
    assertTrue(lines[1].matches("\\S+Z\\s+\\?\\s+\\?\\s+\\?"), r.out());
  }

  /** An unknown option is named as such, also when it stands where a required parameter should. */
  @Test
  void anUnknownOptionIsNamedBeforeMissingParameters() {
    for (String[] command : List.of(new String[] {"copy", "--bogus"}, new String[] {"copy", "--bogus", "a", "b"},
        new String[] {"mirror", "--bogus", "a"})) {
      Cli.Result r = Cli.run(command);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().startsWith("Unknown option: '--bogus'"), r.err());
    }
  }

  /**
   * An index whose volume fills up while it is written (during the walk: 30,000 names on a
   * 256 KiB volume): the copy goes on and stands, the run says so and succeeds, and the next run
   * (which finds this one unfinished) compares with DST directly.
   */
  @Test
  void aMirrorWhoseIndexCannotBeWrittenKeepsItsCopy() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    for (int d = 0; d < 300; d++) {
      Path dir = Files.createDirectories(src.resolve("d" + d));
      for (int f = 0; f < 100; f++) {
        Files.writeString(dir.resolve("file-with-a-longish-name-" + f + ".txt"), "x");
      }
    }
    Path index = Privileged.mountTmpfs(base.resolve("index"), 1);
    try {
      Privileged.run("mount", "-o", "remount,size=256k", index.toString());
      Path dst = base.resolve("dst");
      for (int run = 0; run < 2; run++) {
        Cli.Result r = Cli.run("mirror", "--delete", "--index-dir", index.toString(), src.toString(), dst.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("cannot write the index") && r.err().contains("the next run compares"), r.err());
        assertEquals(0, Cli.run("verify", src.toString(), dst.toString()).code());
      }
    } finally {
      Privileged.unmount(index);
    }
  }

  /** An archive that cannot be made is named as asked for, not by its temporary name. */
  @Test
  void anArchiveThatCannotBeWrittenIsNamed() throws Exception {
    Path tree = SampleTree.create(base);
    Path file = Files.writeString(base.resolve("plain-file"), "not a directory");
    for (Path archive : List.of(base.resolve("missing/backup.tar"), file.resolve("backup.tar"))) {
      Cli.Result r = Cli.run("archive", tree.toString(), archive.toString());
      assertEquals(3, r.code(), r.out() + r.err());
      assertTrue(r.err().startsWith("linksafe: " + archive + ": cannot write the archive: "), r.err());
    }
    // a directory given for the archive: said before anything is written
    Path directory = Files.createDirectories(base.resolve("a-directory"));
    Cli.Result r = Cli.run("archive", tree.toString(), directory.toString());
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains(directory + " is a directory"), r.err());
    try (var left = Files.list(base)) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".~linksafe")), "no temporary file left");
    }
  }

  /** As GNU tar does: no archive written to, or read from, a terminal (script(1) gives one). */
  @Test
  void anArchiveIsNeitherWrittenToNorReadFromATerminal() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "script(1) is not installed");
    Path tree = SampleTree.create(base);
    String[][] commands = {{"archive", tree.toString(), "-"}, {"extract", "-", base.resolve("out").toString()}};
    for (String[] command : commands) {
      String line = String.join(" ", dev.linksafe.testing.Privileged.javaCommand(command).stream()
          .map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
      Process p = new ProcessBuilder("/usr/bin/script", "-qec", line, "/dev/null").redirectErrorStream(true).start();
      String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
      assertEquals(2, p.exitValue(), printed);
      assertTrue(printed.contains("refusing to"), printed);
    }
    assertTrue(Files.notExists(base.resolve("out")));
  }

  /**
   * archive --xattrs keeps extended attributes and extract --xattrs sets those of the user
   * namespace; --xattrs-include adds others by pattern. Without the flags neither happens.
   */
  @Test
  void extendedAttributesGoThroughAnArchiveWhenAsked() throws Exception {
    Path tree = Files.createDirectories(base.resolve("tree"));
    Path file = Files.writeString(tree.resolve("f"), "x");
    var access = dev.linksafe.platform.Platforms.forPath(tree);
    access.writeXattrs(file, Map.of("user.note", "kept".getBytes()));
    boolean root = dev.linksafe.platform.Platforms.isPrivileged();
    if (root) {
      access.writeXattrs(file, Map.of("trusted.note", "asked for".getBytes()));
    }
    Path archive = base.resolve("a.tar");
    assertEquals(0, run("archive", "--xattrs", tree.toString(), archive.toString()).code());
    assertEquals(0, run("extract", archive.toString(), base.resolve("plain").toString()).code());
    assertEquals(Map.of(), access.readXattrs(base.resolve("plain/f")));
    Cli.Result r = run("extract", "--xattrs", archive.toString(), base.resolve("user").toString());
    assertEquals(0, r.code(), r.out() + r.err());
    Map<String, byte[]> set = access.readXattrs(base.resolve("user/f"));
    assertEquals(List.of("user.note"), List.copyOf(set.keySet()));
    assertEquals("kept", new String(set.get("user.note")));
    if (root) {
      assertEquals(0, run("extract", "--xattrs-include", "trusted.*", archive.toString(), base.resolve("all").toString()).code());
      assertEquals("asked for", new String(access.readXattrs(base.resolve("all/f")).get("trusted.note")));
    }
    assertTrue(run("extract", "--help").out().contains("--xattrs-include"));
  }

  /** Extracts {@code archive} into a new folder and checks that it holds {@code tree}. */
  private void assertExtractsAs(Path archive, Path tree) throws Exception {
    Path out = Files.createTempDirectory(base, "out");
    Files.delete(out);
    Cli.Result x = Cli.run("extract", archive.toString(), out.toString());
    assertEquals(0, x.code(), x.out() + x.err());
    Cli.Result v = Cli.run("verify", tree.toString(), out.toString());
    assertEquals(0, v.code(), v.out() + v.err());
  }

  /** Runs a bash script (for arguments Java cannot pass: bytes that are not UTF-8); exit 0 expected. */
  private static String bash(String script) throws Exception {
    Process p = new ProcessBuilder("/bin/bash", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
