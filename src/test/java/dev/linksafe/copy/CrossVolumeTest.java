package dev.linksafe.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.demo.SampleTree;
import dev.linksafe.scan.ScanReport;
import dev.linksafe.scan.Scanner;
import dev.linksafe.scan.WalkOptions;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copies and scans that involve a second volume: a tmpfs, or an ext4 image on a loop device. */
class CrossVolumeTest {
  @TempDir Path base;
  private Path mounted;

  @AfterEach
  void unmount() {
    if (mounted != null) {
      Privileged.unmount(mounted);
    }
  }

  @Test
  void copyOntoAnotherVolumeKeepsEverything() throws Exception {
    Path tree = SampleTree.create(base);
    mounted = Privileged.mountExt4(base.resolve("ext4.img"), base.resolve("ext4"), 64);
    Path copy = mounted.resolve("copy");
    CopyReport r = new CopyEngine(CopyOptions.defaults(true)).copy(tree, copy);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    assertNotEquals(Files.getAttribute(tree, "unix:dev"), Files.getAttribute(copy, "unix:dev"));
    Trees.assertIdentical(tree, copy);
    Trees.assertSamePartition(tree, copy);
  }

  @Test
  void groupSplitAcrossVolumesInsideDestinationIsCopiedApartAndReported() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/sub"));
    Path a = Files.writeString(src.resolve("a"), "linked");
    Files.createLink(base.resolve("src/b"), a);
    Path dst = Files.createDirectories(base.resolve("dst/sub"));
    mounted = Privileged.mountTmpfs(dst, 16);
    CopyReport r = new CopyEngine(CopyOptions.defaults(true)).copy(base.resolve("src"), base.resolve("dst"));
    assertEquals(1, r.separateCopies(), () -> r.problems() + " " + r.notes());
    assertEquals(2 * "linked".length(), r.bytesCopied(), "the copy apart counts in the bytes copied");
    assertEquals(1, r.errors(), "a name that could not be linked is reported");
    assertTrue(r.problems().get(0).message().contains("another volume"), r.problems().toString());
    assertEquals("linked", Files.readString(base.resolve("dst/b")));
    assertEquals("linked", Files.readString(base.resolve("dst/sub/a")));
    // the next run tells it again, and leaves the copy apart as it is instead of writing it again
    Object apart = Files.getAttribute(base.resolve("dst/sub/a"), "unix:ino");
    CopyReport again = new CopyEngine(CopyOptions.defaults(true)).copy(base.resolve("src"), base.resolve("dst"));
    assertEquals(1, again.errors(), again.problems().toString());
    assertEquals(1, again.separateCopies());
    assertEquals(0, again.filesCopied(), again.toString());
    assertEquals(apart, Files.getAttribute(base.resolve("dst/sub/a"), "unix:ino"), "not written again");
  }

  @Test
  void scanFindsMountPointsAndStaysOnOneFileSystemWhenAsked() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("here"), "x");
    mounted = Privileged.mountTmpfs(src.resolve("mnt"), 16);
    Files.writeString(mounted.resolve("there"), "y");
    Files.createDirectories(mounted.resolve("deeper"));
    ScanReport all = new Scanner(WalkOptions.defaults()).scan(src);
    assertEquals(1, all.mountPoints());
    assertEquals(2, all.files());
    assertEquals(2, all.directories());
    ScanReport one = new Scanner(WalkOptions.defaults().withOneFileSystem(true)).scan(src);
    assertEquals(1, one.mountPoints());
    assertEquals(1, one.files());
    assertEquals(1, one.directories(), "the mount point itself is listed, not its contents");
  }

  @Test
  void bindMountedDirectoryIsDescendedOnce() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/real"));
    Files.writeString(src.resolve("file"), "once");
    Path view = Files.createDirectories(base.resolve("src/view"));
    Privileged.requireRoot();
    try {
      Privileged.run("mount", "--bind", src.toString(), view.toString());
    } catch (java.io.IOException e) {
      Privileged.unavailable("cannot bind-mount: " + e.getMessage());
    }
    mounted = view;
    ScanReport r = new Scanner(WalkOptions.defaults()).scan(base.resolve("src"));
    assertEquals(1, r.revisitedDirectories());
    assertEquals(1, r.files(), "the file behind the bind mount is counted once");
    CopyReport c = new CopyEngine(CopyOptions.defaults(true)).copy(base.resolve("src"), base.resolve("dst"));
    assertEquals(1, c.filesCopied());
    assertTrue(c.notes().stream().anyMatch(n -> n.message().contains("already copied")), c.notes().toString());
  }

  @Test
  void partialGroupAcrossTheTreeBoundaryOnRealFiles() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path outside = Files.writeString(base.resolve("outside.txt"), "0123456789");
    Files.createLink(src.resolve("in1"), outside);
    Files.createLink(src.resolve("in2"), outside);
    Path whole = Files.writeString(src.resolve("whole"), "abc");
    Files.createLink(src.resolve("whole2"), whole);
    ScanReport r = new Scanner(WalkOptions.defaults()).scan(src);
    assertEquals(2, r.hardLinkGroups());
    assertEquals(1, r.partialHardLinkGroups());
    assertEquals(4, r.namesInHardLinkGroups());
    assertEquals(13, r.bytes());
    assertEquals(13, r.bytesSavedByHardLinks());
  }
}
