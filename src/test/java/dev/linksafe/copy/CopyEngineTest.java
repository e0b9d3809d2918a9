package dev.linksafe.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.demo.SampleTree;
import dev.linksafe.platform.TempNames;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The copy engine on real temporary directories. */
class CopyEngineTest {
  @TempDir Path base;

  private static CopyReport copy(Path source, Path target) throws IOException {
    return new CopyEngine(CopyOptions.defaults(Privileged.isRoot())).copy(source, target);
  }

  @Test
  void sampleTreeRoundTripsWithGroupsSymlinksAndTimes() throws IOException {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    CopyReport r = copy(tree, copy);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    Trees.assertIdentical(tree, copy);
    Trees.assertSamePartition(tree, copy);
    assertEquals("docs/report.txt", Files.readSymbolicLink(copy.resolve("latest")).toString());
    assertEquals(Files.readSymbolicLink(tree.resolve("photos-abs")),
        Files.readSymbolicLink(copy.resolve("photos-abs")), "absolute symlinks are stored as they are");
    assertEquals(1, r.partialHardLinkGroups());
    assertEquals(Files.getLastModifiedTime(tree.resolve("docs/report.txt")),
        Files.getLastModifiedTime(copy.resolve("docs/report.txt")));
  }

  @Test
  void hardLinkGroupBecomesOneInodeWithAllNames() throws IOException {
    Path src = Files.createDirectories(base.resolve("src/a/b"));
    Path first = Files.writeString(src.resolve("f"), "x".repeat(10_000));
    Files.createLink(base.resolve("src/g"), first);
    Files.createLink(base.resolve("src/a/h"), first);
    Files.createLink(base.resolve("src/a/b/i"), first);
    Path copy = base.resolve("dst");
    CopyReport r = copy(base.resolve("src"), copy);
    Object ino = Files.getAttribute(copy.resolve("a/b/f"), "unix:ino");
    for (String name : List.of("g", "a/h", "a/b/i")) {
      assertEquals(ino, Files.getAttribute(copy.resolve(name), "unix:ino"), name);
    }
    assertEquals(4, Files.getAttribute(copy.resolve("g"), "unix:nlink"));
    assertEquals(1, r.filesCopied());
    assertEquals(3, r.hardLinks());
    assertEquals(10_000, r.bytesCopied());
  }

  @Test
  void partialGroupIsLinkedInsideAndReported() throws IOException {
    Path src = Files.createDirectories(base.resolve("src"));
    Path outside = Files.writeString(base.resolve("outside"), "shared");
    Files.createLink(src.resolve("one"), outside);
    Files.createLink(src.resolve("two"), outside);
    Path copy = base.resolve("dst");
    CopyReport r = copy(src, copy);
    assertEquals(1, r.partialHardLinkGroups());
    assertEquals(Files.getAttribute(copy.resolve("one"), "unix:ino"), Files.getAttribute(copy.resolve("two"), "unix:ino"));
    assertEquals(2, Files.getAttribute(copy.resolve("one"), "unix:nlink"));
    assertTrue(r.notes().stream().anyMatch(n -> n.message().contains("partial hard-link group")), r.notes().toString());
  }

  @Test
  void metadataKeepsModesNanosecondTimesAndXattrs() throws IOException {
    Path src = Files.createDirectories(base.resolve("src"));
    Path dir = Files.createDirectories(src.resolve("private"));
    Path file = Files.writeString(dir.resolve("secret"), "s");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    FileTime t = FileTime.from(Instant.parse("2001-02-03T04:05:06.789012345Z"));
    Files.setLastModifiedTime(file, t);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x---"));
    Files.setLastModifiedTime(dir, t);
    UserDefinedFileAttributeView x = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
    boolean xattrs = x != null && tryWrite(x);
    Path copy = base.resolve("dst");
    assertEquals(0, copy(src, copy).errors());
    Path copied = copy.resolve("private/secret");
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(copied)));
    assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy.resolve("private"))));
    assertEquals(t, Files.getLastModifiedTime(copied));
    assertEquals(t, Files.getLastModifiedTime(copy.resolve("private")), "directory time set after its contents");
    if (xattrs) {
      UserDefinedFileAttributeView y = Files.getFileAttributeView(copied, UserDefinedFileAttributeView.class);
      ByteBuffer b = ByteBuffer.allocate(y.size("linksafe.test"));
      y.read("linksafe.test", b);
      assertEquals("value", new String(b.array()));
    }
  }

  /** Root can give a symlink trusted.* and security.* attributes (user.* it cannot have). */
  @Test
  void aSymlinksExtendedAttributesAreKept() throws Exception {
    dev.linksafe.testing.Privileged.requireRoot();
    Path src = Files.createDirectories(base.resolve("src"));
    Path link = Files.createSymbolicLink(src.resolve("link"), Path.of("elsewhere"));
    dev.linksafe.testing.Privileged.run("setfattr", "-h", "-n", "trusted.linksafe-test", "-v", "kept", link.toString());
    Path copy = base.resolve("dst");
    assertEquals(0, copy(src, copy).errors());
    String attrs = dev.linksafe.testing.Privileged.run("getfattr", "-h", "-d", "-m", "-", copy.resolve("link").toString());
    assertTrue(attrs.contains("trusted.linksafe-test=\"kept\""), attrs);
  }

  private static boolean tryWrite(UserDefinedFileAttributeView x) {
    try {
      x.write("linksafe.test", ByteBuffer.wrap("value".getBytes()));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void sparseFileKeepsItsHoles() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path sparse = src.resolve("sparse.img");
    try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(64L << 20);
      f.seek(32L << 20);
      f.write(new byte[4096 * 4]);
      f.seek(32L << 20);
      f.write("data in the middle".getBytes());
    }
    long srcBlocks = blocks(sparse);
    if (srcBlocks * 512 >= (64L << 20)) {
      Privileged.unavailable("this file system does not keep holes");
    }
    Path copy = base.resolve("dst");
    copy(src, copy);
    Path copied = copy.resolve("sparse.img");
    assertEquals(64L << 20, Files.size(copied));
    assertTrue(blocks(copied) * 512 < (8L << 20), "copy allocates " + blocks(copied) * 512 + " bytes");
    Trees.assertIdentical(src, copy);
  }

  private static long blocks(Path p) throws Exception {
    return Long.parseLong(Privileged.run("stat", "-c", "%b", p.toString()).strip());
  }

  @Test
  void fifoAndEmptyThingsAreCopied() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/empty-dir"));
    Files.createFile(base.resolve("src/empty-file"));
    Privileged.run("mkfifo", base.resolve("src/pipe").toString());
    Path copy = base.resolve("dst");
    CopyReport r = copy(base.resolve("src"), copy);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    assertTrue(Files.isDirectory(copy.resolve("empty-dir")));
    assertEquals(0, Files.size(copy.resolve("empty-file")));
    assertEquals("fifo", Privileged.run("stat", "-c", "%F", copy.resolve("pipe").toString()).strip());
    Trees.assertIdentical(base.resolve("src"), copy);
  }

  @Test
  void secondRunFindsEverythingUnchanged() throws IOException {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    copy(tree, copy);
    CopyReport again = copy(tree, copy);
    assertEquals(0, again.filesCopied());
    assertEquals(0, again.hardLinks());
    assertEquals(0, again.symlinks());
    assertTrue(again.unchanged() >= 13, "unchanged " + again.unchanged());
    Trees.assertIdentical(tree, copy);
  }

  @Test
  void changedFileIsReplacedAndItsGroupRelinked() throws IOException {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    copy(tree, copy);
    // break the group at the destination and change a file at the source
    Files.delete(copy.resolve("archive/report.txt"));
    Files.writeString(copy.resolve("archive/report.txt"), "stale separate copy");
    Files.writeString(tree.resolve("empty.txt"), "now with content");
    CopyReport r = copy(tree, copy);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    assertTrue(r.replaced() >= 2, "replaced " + r.replaced());
    Trees.assertIdentical(tree, copy);
    Trees.assertSamePartition(tree, copy);
    assertEquals(List.of(), Trees.temporaryFiles(copy));
  }

  @Test
  void symlinkInsideDestinationIsNeverWrittenThrough() throws IOException {
    Path src = Files.createDirectories(base.resolve("src/docs"));
    Files.writeString(src.resolve("passwd"), "from source");
    Files.writeString(base.resolve("src/top"), "from source");
    Path victimDir = Files.createDirectories(base.resolve("victim"));
    Path victimFile = Files.writeString(base.resolve("victim-file"), "precious");
    Path dst = Files.createDirectories(base.resolve("dst"));
    Files.createSymbolicLink(dst.resolve("docs"), victimDir);
    Files.createSymbolicLink(dst.resolve("top"), victimFile);
    CopyReport r = copy(base.resolve("src"), dst);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    assertEquals(List.of(), Files.list(victimDir).toList(), "nothing written outside DST");
    assertEquals("precious", Files.readString(victimFile));
    assertTrue(Files.isDirectory(dst.resolve("docs"), LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.isSymbolicLink(dst.resolve("top")));
    assertEquals("from source", Files.readString(dst.resolve("docs/passwd")));
    Trees.assertIdentical(base.resolve("src"), dst);
  }

  @Test
  void leftoverTemporaryFilesAreRemoved() throws IOException {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    copy(tree, copy);
    Files.writeString(copy.resolve("docs/" + TempNames.PREFIX + "0123456789abcdef.tmp"), "partial");
    copy(tree, copy);
    assertEquals(List.of(), Trees.temporaryFiles(copy));
    Trees.assertIdentical(tree, copy);
  }

  @Test
  void directoryInTheWayOfAFileIsAConflictNotDeleted() throws IOException {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("name"), "file");
    Path dst = Files.createDirectories(base.resolve("dst/name"));
    Files.writeString(dst.resolve("keep"), "user data");
    CopyReport r = copy(src, base.resolve("dst"));
    assertEquals(1, r.errors());
    assertEquals("user data", Files.readString(dst.resolve("keep")));
  }

  @Test
  void dryRunWritesNothing() throws IOException {
    Path tree = SampleTree.create(base);
    Path copy = base.resolve("copy");
    CopyReport r = new CopyEngine(CopyOptions.defaults(false).withDryRun(true)).copy(tree, copy);
    assertFalse(Files.exists(copy));
    assertEquals(4, r.filesCopied());
    assertEquals(3, r.hardLinks());
    assertEquals(6, r.symlinks());
  }

  @Test
  void destinationInsideSourceIsRefused() throws IOException {
    Path tree = SampleTree.create(base);
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> copy(tree, tree.resolve("docs/backup")));
    assertTrue(e.getMessage().contains("inside the source"), e.getMessage());
  }

  @Test
  void modeChangedWithoutTouchingContentsIsUpdatedOnRerun() throws IOException {
    Path src = Files.createDirectories(base.resolve("src"));
    Path secret = Files.writeString(src.resolve("secret"), "s");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
    Path dst = base.resolve("dst");
    copy(src, dst);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    CopyReport r = copy(src, dst);
    assertEquals(1, r.updatedMetadata());
    assertEquals(0, r.filesCopied());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dst.resolve("secret"))));
  }

  @Test
  void namesLinkedAtTheDestinationButNotAtTheSourceAreSeparated() throws IOException {
    Path src = Files.createDirectories(base.resolve("src"));
    Path a = Files.writeString(src.resolve("a"), "same");
    Path c = Files.writeString(src.resolve("c"), "same");
    Files.setLastModifiedTime(c, Files.getLastModifiedTime(a));
    Path dst = Files.createDirectories(base.resolve("dst"));
    Files.copy(a, dst.resolve("a"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    Files.createLink(dst.resolve("c"), dst.resolve("a"));
    copy(src, dst);
    Trees.assertSamePartition(src, dst);
  }

  @Test
  void symlinkTargetsAreCopiedCharacterForCharacter() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/dir"));
    // created by the shell: java.nio would normalise these targets
    Privileged.run("ln", "-s", "dir/", base.resolve("src/slash").toString());
    Privileged.run("ln", "-s", "dir//./x", base.resolve("src/doubled").toString());
    Path dst = base.resolve("dst");
    CopyReport r = copy(base.resolve("src"), dst);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    assertEquals("dir/", Privileged.run("readlink", dst.resolve("slash").toString()).strip());
    assertEquals("dir//./x", Privileged.run("readlink", dst.resolve("doubled").toString()).strip());
    assertEquals(0, copy(base.resolve("src"), dst).symlinks(), "a rerun finds them unchanged");
  }

  @Test
  void groupWhoseFirstNameMeetsADirectoryStillCopiesItsOtherNames() throws IOException {
    Path src = Files.createDirectories(base.resolve("src"));
    Path a = Files.writeString(src.resolve("a"), "data");
    Files.createLink(src.resolve("b"), a);
    Files.createDirectories(base.resolve("dst/a"));
    CopyReport r = copy(src, base.resolve("dst"));
    assertEquals(1, r.errors(), r.problems().toString());
    assertTrue(r.problems().get(0).path().equals("a"), r.problems().toString());
    assertEquals("data", Files.readString(base.resolve("dst/b")));
  }
}
