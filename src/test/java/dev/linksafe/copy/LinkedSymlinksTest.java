package dev.linksafe.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.archive.ArchiveReport;
import dev.linksafe.archive.Compression;
import dev.linksafe.archive.TarExtractor;
import dev.linksafe.archive.TarWriter;
import dev.linksafe.index.MirrorIndex;
import dev.linksafe.scan.ExcludeFilter;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import dev.linksafe.verify.TreeComparator;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Linux links symlinks, FIFOs and device nodes themselves ({@code cp -al} links symlinks, and so
 * do snapshot tools): such groups are reproduced like groups of files, by copy, mirror and
 * archive, and {@code verify} sees when one is split.
 */
class LinkedSymlinksTest {
  @TempDir Path base;

  private static Object inode(Path p) throws Exception {
    return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
  }

  /** Two symlinks linked together (one pointing outside), and two FIFOs linked together. */
  private Path tree() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/d"));
    Files.writeString(src.resolve("file"), "x");
    Files.createSymbolicLink(src.resolve("link"), Path.of("file"));
    Files.createLink(src.resolve("link-again"), src.resolve("link")); // link(2) does not follow
    Files.createSymbolicLink(src.resolve("outer"), Path.of("/nonexistent/outside"));
    Files.createDirectories(base.resolve("src/e"));
    Files.createLink(base.resolve("src/e/outer-again"), src.resolve("outer"));
    Privileged.run("mkfifo", src.resolve("pipe").toString());
    Files.createLink(src.resolve("pipe-again"), src.resolve("pipe"));
    assertEquals(inode(src.resolve("link")), inode(src.resolve("link-again")), "the tree is as meant");
    return base.resolve("src");
  }

  private static void assertLinkedAsInSource(Path dst) throws Exception {
    assertEquals(inode(dst.resolve("d/link")), inode(dst.resolve("d/link-again")));
    assertEquals(inode(dst.resolve("d/outer")), inode(dst.resolve("e/outer-again")));
    assertEquals(inode(dst.resolve("d/pipe")), inode(dst.resolve("d/pipe-again")));
    assertTrue(Files.isSymbolicLink(dst.resolve("d/link-again")));
    assertEquals("/nonexistent/outside", Files.readSymbolicLink(dst.resolve("e/outer-again")).toString());
  }

  @Test
  void copyAndMirrorKeepThemLinkedAndAnIdleMirrorTouchesNothing() throws Exception {
    Path src = tree();
    Path dst = base.resolve("dst");
    CopyReport copied = new CopyEngine(CopyOptions.defaults(true)).copy(src, dst);
    assertEquals(0, copied.errors(), copied.problems().toString());
    assertLinkedAsInSource(dst);
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);

    Path mirrored = base.resolve("mirrored");
    CopyOptions mirror = CopyOptions.defaults(true).withMirror(
        new MirrorOptions(base.resolve("index"), true, false));
    new CopyEngine(mirror).copy(src, mirrored);
    assertLinkedAsInSource(mirrored);
    Object before = inode(mirrored.resolve("d/link"));
    Thread.sleep(2_100); // past the index's racy window
    CopyReport again = new CopyEngine(mirror).copy(src, mirrored);
    assertEquals(0, again.filesCopied() + again.symlinks() + again.hardLinks() + again.replaced(), again.toString());
    assertEquals(before, inode(mirrored.resolve("d/link")), "left as it was");
    Trees.assertSamePartition(src, mirrored);

    // a group split at DST behind the index's back (same target and time) is linked again
    Files.delete(mirrored.resolve("d/link-again"));
    Files.createSymbolicLink(mirrored.resolve("d/link-again"), Path.of("file"));
    Privileged.run("touch", "-h", "-r", src.resolve("d/link-again").toString(), mirrored.resolve("d/link-again").toString());
    new CopyEngine(mirror).copy(src, mirrored);
    assertEquals(inode(mirrored.resolve("d/link")), inode(mirrored.resolve("d/link-again")));

    // a group split at the source is split at DST by the next run
    Files.delete(src.resolve("d/link-again"));
    Files.createSymbolicLink(src.resolve("d/link-again"), Path.of("file"));
    new CopyEngine(mirror).copy(src, mirrored);
    Trees.assertSamePartition(src, mirrored);
    Trees.assertIdentical(src, mirrored);
  }

  @Test
  void verifySeesASplitGroup() throws Exception {
    Path src = tree();
    Path dst = base.resolve("dst");
    new CopyEngine(CopyOptions.defaults(true)).copy(src, dst);
    Files.delete(dst.resolve("d/link-again"));
    Files.createSymbolicLink(dst.resolve("d/link-again"), Path.of("file"));
    Privileged.run("touch", "-h", "-r", src.resolve("d/link-again").toString(), dst.resolve("d/link-again").toString());
    Privileged.run("touch", "-r", src.resolve("d").toString(), dst.resolve("d").toString());
    var report = new TreeComparator(false).compare(src, dst);
    assertFalse(report.identical(), "the partition differs");
    assertEquals(1, report.differences().size(), report.differences().toString());
    assertTrue(report.differences().get(0).toString().contains("link"), report.differences().toString());
  }

  @Test
  void archiveWritesLaterNamesAsHardLinksThatGnuTarAndExtractKeep() throws Exception {
    Path src = tree();
    Path archive = base.resolve("t.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      ArchiveReport r = new TarWriter(ExcludeFilter.NONE).write(src, out, Compression.NONE);
      assertEquals(0, r.errors(), r.problems().toString());
      assertEquals(3, r.hardLinks());
    }
    Path out = base.resolve("out");
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertLinkedAsInSource(out);
    Trees.assertIdentical(src, out);
    Trees.assertSamePartition(src, out);
    if (Privileged.hasCommand("tar")) {
      Path gnu = Files.createDirectories(base.resolve("gnu"));
      Privileged.run("tar", "-C", gnu.toString(), "-xf", archive.toString());
      assertLinkedAsInSource(gnu);
      Trees.assertSamePartition(src, gnu);
    }
  }
}
