package dev.linksafe.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives crafted to escape the destination: each bad entry refused by name, the rest extracted. */
class HostileArchiveTest {
  @TempDir Path base;

  /** Builds an archive entry by entry, the way an attacker would, with Commons Compress. */
  private static final class Crafted {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8");

    Crafted() {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    Crafted file(String name, String content) throws Exception {
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      byte[] b = content.getBytes(StandardCharsets.UTF_8);
      e.setSize(b.length);
      tar.putArchiveEntry(e);
      tar.write(b);
      tar.closeArchiveEntry();
      return this;
    }

    Crafted link(String name, String target, byte type) throws Exception {
      TarArchiveEntry e = new TarArchiveEntry(name, type, true);
      e.setLinkName(target);
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      return this;
    }

    byte[] done() throws Exception {
      tar.finish();
      return bytes.toByteArray();
    }
  }

  private ArchiveReport extract(byte[] archive, Path dst) throws Exception {
    return new TarExtractor(false).extract(new ByteArrayInputStream(archive), dst);
  }

  private static boolean refused(ArchiveReport r, String name) {
    return r.problems().stream().map(Problem::path).anyMatch(name::equals);
  }

  @Test
  void traversalAbsoluteNamesAndLinkEscapesAreRefusedAndTheRestExtracted() throws Exception {
    Path outside = Files.createDirectories(base.resolve("outside"));
    Path dst = base.resolve("dst");
    byte[] archive = new Crafted()
        .file("good.txt", "fine")
        .file("../escape.txt", "evil")
        .file("a/../../escape2.txt", "evil")
        .file(outside.resolve("absolute.txt").toString(), "evil")
        .link("hard-escape", "../outside/secret", TarConstants.LF_LINK)
        .link("hard-dot", ".", TarConstants.LF_LINK)
        .link("out", outside.toString(), TarConstants.LF_SYMLINK)
        .file("out/through-symlink.txt", "evil")
        .file("also-good.txt", "fine too")
        .done();
    Files.writeString(outside.resolve("secret"), "keep");
    ArchiveReport r = extract(archive, dst);
    assertEquals("fine", Files.readString(dst.resolve("good.txt")));
    assertEquals("fine too", Files.readString(dst.resolve("also-good.txt")));
    for (String bad : List.of("../escape.txt", "a/../../escape2.txt", outside.resolve("absolute.txt").toString(),
        "hard-escape", "hard-dot", "out/through-symlink.txt")) {
      assertTrue(refused(r, bad), bad + " must be refused: " + r.problems());
    }
    assertEquals(6, r.errors(), r.problems().toString());
    assertFalse(Files.exists(base.resolve("escape.txt")));
    assertFalse(Files.exists(outside.resolve("absolute.txt")));
    assertFalse(Files.exists(outside.resolve("through-symlink.txt")));
    assertEquals(List.of("secret"), Arrays.stream(outside.toFile().list()).sorted().toList());
    assertTrue(Files.isSymbolicLink(dst.resolve("out")), "symlink entries are made as they are, outer ones too");
  }

  @Test
  void aSymlinkAlreadyInTheDestinationIsNotWrittenThrough() throws Exception {
    Path outside = Files.createDirectories(base.resolve("outside"));
    Path dst = Files.createDirectories(base.resolve("dst"));
    Files.createSymbolicLink(dst.resolve("docs"), outside);
    ArchiveReport r = extract(new Crafted().file("docs/report.txt", "evil").done(), dst);
    assertTrue(refused(r, "docs/report.txt"), r.problems().toString());
    assertFalse(Files.exists(outside.resolve("report.txt")));
  }

  @Test
  void truncatedAndGarbageArchivesGiveAClearErrorQuickly() throws Exception {
    byte[] good = new Crafted().file("a.txt", "x".repeat(10_000)).file("b.txt", "y").done();
    for (int cut : new int[] {100, 512, 700, 5000, 11_000}) {
      ArchiveReport r = extract(Arrays.copyOf(good, cut), base.resolve("cut" + cut));
      assertTrue(r.errors() >= 1 || r.entries() < 2, "cut at " + cut + ": " + r);
    }
    byte[] garbage = new byte[4096];
    new java.util.Random(9).nextBytes(garbage);
    ArchiveReport r = extract(garbage, base.resolve("garbage"));
    assertEquals(1, r.errors(), r.toString());
    assertTrue(r.problems().get(0).message().contains("corrupt"), r.problems().toString());
  }

  @Test
  void aHugeClaimedSizeDoesNotAllocate() throws Exception {
    byte[] archive = new Crafted().file("small.txt", "x").done();
    // claim 8 GiB in the size field of the first header (octal), leaving the data short
    byte[] size = String.format("%011o ", 8L << 30).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(size, 0, archive, 124, 12);
    int sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : archive[i] & 0xff;
    }
    byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(checksum, 0, archive, 148, 8);
    ArchiveReport r = extract(archive, base.resolve("huge"));
    assertEquals(1, r.errors(), r.toString());
    assertFalse(Files.exists(base.resolve("huge/small.txt")), "a partial file is never left at its name");
  }

  /**
   * Small files are made by writer threads while the stream is read on: what depends on one of
   * them (a hard link to it, the same name again, a name below it) still sees archive order.
   */
  @Test
  void entriesThatDependOnFilesBeingWrittenSeeArchiveOrder() throws Exception {
    Path dst = base.resolve("dst");
    Crafted c = new Crafted()
        .file("d/f", "first")
        .link("d/g", "d/f", TarConstants.LF_LINK)
        .file("dup", "one")
        .file("dup", "two")
        .file("p", "plain file")
        .file("p/q", "below a file")
        .file("s", "file then link")
        .link("s", "elsewhere", TarConstants.LF_SYMLINK);
    for (int i = 0; i < 500; i++) {
      c.file("many/f" + i, "content " + i);
    }
    for (int i = 0; i < 500; i++) {
      c.link("many/l" + i, "many/f" + i, TarConstants.LF_LINK);
    }
    ArchiveReport r = extract(c.done(), dst);

    assertEquals("first", Files.readString(dst.resolve("d/g")));
    assertEquals(Files.getAttribute(dst.resolve("d/f"), "unix:ino"), Files.getAttribute(dst.resolve("d/g"), "unix:ino"));
    assertEquals("two", Files.readString(dst.resolve("dup")), "the last of two entries of one name wins");
    assertTrue(refused(r, "p/q"), "a name below a file is refused: " + r.problems());
    assertEquals("plain file", Files.readString(dst.resolve("p")));
    assertTrue(Files.isSymbolicLink(dst.resolve("s")));
    assertEquals("elsewhere", Files.readSymbolicLink(dst.resolve("s")).toString());
    for (int i = 0; i < 500; i++) {
      assertEquals("content " + i, Files.readString(dst.resolve("many/l" + i)));
      assertEquals(2, Files.getAttribute(dst.resolve("many/f" + i), "unix:nlink"));
    }
    assertEquals(1, r.problems().size(), r.problems().toString());
    assertEquals(1 + 500, r.hardLinks());
  }

  /** Only what the system says stops an extraction as "destination full", never a name. */
  @Test
  void aNameThatReadsLikeADiskFullErrorDoesNotStopTheExtraction() throws Exception {
    Path dst = base.resolve("dst");
    ArchiveReport r = extract(new Crafted()
        .link("a", "no space left on device ENOSPC", TarConstants.LF_LINK)
        .link("b", "disk quota exceeded EDQUOT", TarConstants.LF_LINK)
        .file("after.txt", "still extracted")
        .done(), dst);
    assertTrue(refused(r, "a") && refused(r, "b"), r.problems().toString());
    assertEquals(2, r.errors(), r.problems().toString());
    assertEquals("still extracted", Files.readString(dst.resolve("after.txt")));
  }

  /** A name in the form of linksafe's temporary names would be taken for a leftover later. */
  @Test
  void namesInTheFormOfTemporaryNamesAreRefused() throws Exception {
    Path dst = base.resolve("dst");
    ArchiveReport r = extract(new Crafted()
        .file(".~linksafe.8f2761c4b08ebac5.tmp", "partial")
        .file("d/.~linksafe.0123456789abcdef.tmp/inner", "below one")
        .file(".~linksafe.not-temporary", "an ordinary name")
        .done(), dst);
    assertTrue(refused(r, ".~linksafe.8f2761c4b08ebac5.tmp"), r.problems().toString());
    assertTrue(refused(r, "d/.~linksafe.0123456789abcdef.tmp/inner"), r.problems().toString());
    assertTrue(r.problems().get(0).message().contains("reserved for temporary files"), r.problems().toString());
    assertEquals(2, r.errors(), r.problems().toString());
    assertEquals("an ordinary name", Files.readString(dst.resolve(".~linksafe.not-temporary")));
    assertEquals(List.of(), dev.linksafe.testing.Trees.temporaryFiles(dst));
  }

  /**
   * New names are made in place; names already there are replaced through a temporary name.
   * A hard link that the destination already has (the same entry twice, or a second extraction)
   * is left as it is: a rename between two names of one file does nothing, and left the
   * temporary name behind.
   */
  @Test
  void namesAlreadyThereAreReplacedAndNoTemporaryNameIsLeft() throws Exception {
    byte[] archive = new Crafted().file("f", "first").link("h", "f", TarConstants.LF_LINK)
        .link("h", "f", TarConstants.LF_LINK).link("s", "f", TarConstants.LF_SYMLINK).done();
    Path dst = base.resolve("dst");
    for (int run = 0; run < 2; run++) {
      ArchiveReport r = extract(archive, dst);
      assertEquals(0, r.errors(), r.problems().toString());
      assertEquals(List.of(), dev.linksafe.testing.Trees.temporaryFiles(dst));
      assertEquals(Files.getAttribute(dst.resolve("f"), "unix:ino"), Files.getAttribute(dst.resolve("h"), "unix:ino"));
      assertEquals("f", Files.readSymbolicLink(dst.resolve("s")).toString());
    }
    // a file over an existing one: the new bytes under the name, the old file left whole
    Path kept = base.resolve("kept");
    Files.createLink(kept, dst.resolve("f"));
    assertEquals(0, extract(new Crafted().file("f", "second").done(), dst).errors());
    assertEquals("second", Files.readString(dst.resolve("f")));
    assertEquals("first", Files.readString(kept));
  }

  /** A hard link to a name the archive has not extracted is refused, and makes no directories on the way. */
  @Test
  void aHardLinkToNothingMakesNoDirectories() throws Exception {
    byte[] archive = new Crafted().link("h", "missing/deeper/f", TarConstants.LF_LINK).file("g", "g").done();
    Path dst = base.resolve("dst");
    ArchiveReport r = extract(archive, dst);
    assertEquals(1, r.errors(), r.problems().toString());
    assertTrue(r.problems().get(0).message().contains("has not extracted"), r.problems().toString());
    assertFalse(Files.exists(dst.resolve("missing")));
    assertEquals("g", Files.readString(dst.resolve("g")));
  }

  /**
   * A name of 70,000 characters and 35,000 levels: refused at once, not
   * made level by level (memory and time grew with the square of its depth), the rest extracted.
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void aNameNestedBeyondReasonIsRefused() throws Exception {
    byte[] archive = new Crafted().file("a/".repeat(35_000) + "f", "deep").file("d/".repeat(5_000) + "g", "deeper than PATH_MAX holds")
        .file("g", "g").done();
    Path dst = base.resolve("dst");
    ArchiveReport r = extract(archive, dst);
    assertEquals(2, r.errors());
    assertTrue(r.problems().get(0).message().contains("name of more than 65536 characters: refused"));
    assertTrue(r.problems().get(1).message().contains("name 5001 levels deep, more than 4096: refused"));
    assertFalse(Files.exists(dst.resolve("a")));
    assertFalse(Files.exists(dst.resolve("d")));
    assertEquals("g", Files.readString(dst.resolve("g")));
  }

  /**
   * Extracted by a user who is not root (the archive's owners not kept), a name gets the umask
   * applied and no set-ID bit, as tar does: an archive cannot leave a set-user-ID program or a
   * world-writable directory behind.
   */
  @Test
  void withoutOwnersTheUmaskAppliesAndSetIdBitsGo() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8")) {
      TarArchiveEntry d = new TarArchiveEntry("d/");
      d.setMode(040777);
      tar.putArchiveEntry(d);
      tar.closeArchiveEntry();
      TarArchiveEntry x = new TarArchiveEntry("d/x");
      x.setMode(0104777);
      x.setSize(2);
      tar.putArchiveEntry(x);
      tar.write("hi".getBytes(StandardCharsets.UTF_8));
      tar.closeArchiveEntry();
    }
    Path dst = base.resolve("dst");
    assertEquals(0, extract(bytes.toByteArray(), dst).errors());
    int expected = 0777 & ~TarExtractor.UMASK;
    assertEquals(expected, (Integer) Files.getAttribute(dst.resolve("d"), "unix:mode") & 07777);
    assertEquals(expected, (Integer) Files.getAttribute(dst.resolve("d/x"), "unix:mode") & 07777);
  }

  /**
   * What a killed extraction leaves under temporary names in directories that were there is
   * removed by the next one, which then ends with the archive's names only.
   */
  @Test
  void leftoversOfAKilledExtractionAreRemovedByTheNext() throws Exception {
    Path dst = Files.createDirectories(base.resolve("dst"));
    Files.createDirectories(dst.resolve("d/e"));
    Files.writeString(dst.resolve(".~linksafe.0123456789abcdef.tmp"), "partial");
    Files.writeString(dst.resolve("d/.~linksafe.feedface.tmp"), "partial");
    Files.writeString(dst.resolve("d/e/.~linksafe.cafe.tmp"), "partial");
    byte[] archive = new Crafted().file("f", "f").file("d/g", "g").file("d/e/h", "h").done();
    assertEquals(0, extract(archive, dst).errors());
    try (var names = Files.walk(dst)) {
      assertEquals(List.of("d", "d/e", "d/e/h", "d/g", "f"),
          names.filter(p -> !p.equals(dst)).map(p -> dst.relativize(p).toString()).sorted().toList());
    }
  }
}
