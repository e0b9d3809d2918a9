package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.model.ReparsePoint;
import dev.linksafe.scan.ScanReport;
import dev.linksafe.scan.Scanner;
import dev.linksafe.scan.WalkOptions;
import dev.linksafe.testing.NtfsVolume;
import dev.linksafe.testing.Privileged;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Junctions and Windows symlinks on real NTFS volumes mounted by ntfs-3g. */
class NtfsReparsePointTest {
  @TempDir Path base;

  /**
   * C:\data with an inner junction (projects-link -> C:\data\projects), an outer junction
   * (windows -> C:\Windows) and a hard-link group, remounted so the junctions show.
   */
  private static Path populate(NtfsVolume c) throws Exception {
    Path data = Files.createDirectories(c.root().resolve("data/projects"));
    Files.writeString(data.resolve("plan.txt"), "plan");
    Files.createLink(c.root().resolve("data/plan-link.txt"), data.resolve("plan.txt"));
    Files.createDirectories(c.root().resolve("Windows"));
    Path inner = Files.createDirectory(c.root().resolve("data/projects-link"));
    NtfsVolume.setReparseData(inner, ReparseBufferCodec.junction("\\??\\C:\\data\\projects", "C:\\data\\projects").raw());
    Path outer = Files.createDirectory(c.root().resolve("data/windows"));
    NtfsVolume.setReparseData(outer, ReparseBufferCodec.junction("\\??\\C:\\Windows", "C:\\Windows").raw());
    c.remount();
    return c.root().resolve("data");
  }

  @Test
  void scannerFindsJunctionsOnNtfs() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32)) {
      Path data = populate(c);
      ScanReport r = new Scanner(WalkOptions.defaults()).scan(data);
      assertEquals(2, r.junctions(), r.toString());
      assertEquals(1, r.innerJunctions(), "projects-link points inside C:\\data");
      assertEquals(1, r.outerJunctions(), "windows points at C:\\Windows");
      assertEquals(1, r.hardLinkGroups());
      assertEquals(0, r.partialHardLinkGroups());
    }
  }

  @Test
  void innerJunctionIsRetargetedAcrossVolumesAndOuterKeptByteExactly() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32);
        NtfsVolume d = NtfsVolume.create(base, "d", 'D', 32)) {
      Path data = populate(c);
      Path backup = d.root().resolve("backup/data");
      CopyReport r = new CopyEngine(CopyOptions.defaults(true)).copy(data, backup);
      assertEquals(0, r.errors(), () -> r.problems().toString());
      assertEquals(1, r.retargetedJunctions());
      d.remount();
      assertArrayEquals(ReparseBufferCodec.junction("\\??\\D:\\backup\\data\\projects",
          "D:\\backup\\data\\projects").raw(), NtfsVolume.reparseData(backup.resolve("projects-link")));
      assertArrayEquals(NtfsVolume.reparseData(data.resolve("windows")),
          NtfsVolume.reparseData(backup.resolve("windows")), "outer junction kept byte-exactly");
      assertEquals(Files.getAttribute(backup.resolve("plan-link.txt"), "unix:ino"),
          Files.getAttribute(backup.resolve("projects/plan.txt"), "unix:ino"));
      assertEquals("plan", Files.readString(backup.resolve("projects-link/plan.txt")),
          "the retargeted junction leads into the copy");
      dev.linksafe.testing.Trees.assertIdentical(data, backup);
    }
  }

  @Test
  void windowsSymlinksAndShortNamesCopyExactlyNtfsToNtfs() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32);
        NtfsVolume d = NtfsVolume.create(base, "d", 'D', 32)) {
      Path data = Files.createDirectories(c.root().resolve("data"));
      Path longName = Files.writeString(data.resolve("long file name.txt"), "8.3");
      Privileged.run("setfattr", "-n", "system.ntfs_dos_name", "-v", "LONGFI~1.TXT", longName.toString());
      Path dir = Files.createDirectory(data.resolve("Program Files"));
      Privileged.run("setfattr", "-n", "system.ntfs_dos_name", "-v", "PROGRA~1", dir.toString());
      Path relative = Files.createFile(data.resolve("rel-link"));
      ReparsePoint rel = ReparseBufferCodec.symlink("long file name.txt", "long file name.txt", true);
      NtfsVolume.setReparseData(relative, rel.raw());
      Path absolute = Files.createDirectory(data.resolve("abs-link"));
      ReparsePoint abs = ReparseBufferCodec.symlink("\\??\\C:\\data\\Program Files", "C:\\data\\Program Files", false);
      NtfsVolume.setReparseData(absolute, abs.raw());
      c.remount();
      ScanReport scan = new Scanner(WalkOptions.defaults()).scan(data);
      assertEquals(0, scan.hardLinkGroups(), "a DOS short name is not a second link");
      Path copy = d.root().resolve("data");
      CopyReport r = new CopyEngine(CopyOptions.defaults(true)).copy(data, copy);
      assertEquals(0, r.errors(), () -> r.problems().toString());
      d.remount();
      assertArrayEquals(rel.raw(), NtfsVolume.reparseData(copy.resolve("rel-link")));
      assertArrayEquals(abs.raw(), NtfsVolume.reparseData(copy.resolve("abs-link")),
          "symlinks are stored exactly as they are, absolute ones too");
      assertEquals("LONGFI~1.TXT", Privileged.run("getfattr", "--absolute-names", "--only-values", "-n", "system.ntfs_dos_name",
          copy.resolve("long file name.txt").toString()).strip());
      assertEquals("PROGRA~1", Privileged.run("getfattr", "--absolute-names", "--only-values", "-n", "system.ntfs_dos_name",
          copy.resolve("Program Files").toString()).strip());
    }
  }

  @Test
  void destAsRetargetsForAMigratedDisk() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32);
        NtfsVolume e = NtfsVolume.create(base, "e", 'E', 32)) {
      Path data = populate(c);
      CopyOptions options = CopyOptions.defaults(true).withReparse(
          new dev.linksafe.copy.ReparsePolicy(dev.linksafe.copy.ReparsePolicy.Outer.KEEP, false, "C:\\data", null, null));
      CopyReport r = new CopyEngine(options).copy(data, e.root().resolve("data"));
      assertEquals(0, r.errors(), () -> r.problems().toString());
      e.remount();
      ReparsePoint j = ReparseBufferCodec.decode(NtfsVolume.reparseData(e.root().resolve("data/projects-link")), "j");
      assertEquals("\\??\\C:\\data\\projects", j.substituteName());
    }
  }

  @Test
  void junctionSurvivesNtfsToExt4AndBack() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32);
        NtfsVolume f = NtfsVolume.create(base, "f", 'F', 32)) {
      Path data = populate(c);
      Path posix = base.resolve("posix/data");
      CopyReport out = new CopyEngine(CopyOptions.defaults(true)).copy(data, posix);
      assertEquals(0, out.errors(), () -> out.problems().toString());
      assertTrue(Files.isSymbolicLink(posix.resolve("projects-link")));
      assertEquals(posix.toAbsolutePath().resolve("projects").toString(),
          Files.readSymbolicLink(posix.resolve("projects-link")).toString());
      assertEquals("plan", Files.readString(posix.resolve("projects-link/plan.txt")));
      dev.linksafe.testing.Trees.assertIdentical(data, posix);
      CopyReport back = new CopyEngine(CopyOptions.defaults(true)).copy(posix, f.root().resolve("data"));
      assertEquals(0, back.errors(), () -> back.problems().toString());
      f.remount();
      assertArrayEquals(ReparseBufferCodec.junction("\\??\\F:\\data\\projects", "F:\\data\\projects").raw(),
          NtfsVolume.reparseData(f.root().resolve("data/projects-link")), "a real junction again");
      assertArrayEquals(NtfsVolume.reparseData(data.resolve("windows")),
          NtfsVolume.reparseData(f.root().resolve("data/windows")));
      dev.linksafe.testing.Trees.assertIdentical(data, f.root().resolve("data"));
    }
  }

  @Test
  void outerJunctionIsUnrolledAndALoopIsNot() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32)) {
      Path data = populate(c);
      Files.writeString(c.root().resolve("Windows/win.ini"), "[fonts]");
      Path up = Files.createDirectory(data.resolve("up"));
      NtfsVolume.setReparseData(up, ReparseBufferCodec.junction("\\??\\C:\\", "C:\\").raw());
      c.remount();
      CopyOptions unroll = CopyOptions.defaults(true).withReparse(new dev.linksafe.copy.ReparsePolicy(
          dev.linksafe.copy.ReparsePolicy.Outer.UNROLL, false, null, null, null));
      Path copy = base.resolve("copy");
      CopyReport r = new CopyEngine(unroll).copy(data, copy);
      assertEquals(0, r.errors(), () -> r.problems().toString());
      assertTrue(Files.isDirectory(copy.resolve("windows"), LinkOption.NOFOLLOW_LINKS), "a real directory");
      assertEquals("[fonts]", Files.readString(copy.resolve("windows/win.ini")));
      assertTrue(r.notes().stream().anyMatch(n -> n.path().equals("up") && n.message().contains("loop")),
          r.notes().toString());
    }
  }

  @Test
  void verifyFindsAJunctionThatWasNotRetargeted() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32);
        NtfsVolume d = NtfsVolume.create(base, "d", 'D', 32)) {
      Path data = populate(c);
      Path backup = d.root().resolve("data");
      new CopyEngine(CopyOptions.defaults(true)).copy(data, backup);
      // what a link-blind tool does: the copied junction still points at C:
      Files.delete(backup.resolve("projects-link"));
      Path stale = Files.createDirectory(backup.resolve("projects-link"));
      NtfsVolume.setReparseData(stale, ReparseBufferCodec.junction("\\??\\C:\\data\\projects", "C:\\data\\projects").raw());
      d.remount();
      var report = new dev.linksafe.verify.TreeComparator(false).compare(data, backup);
      assertEquals(1, report.differences().size(), report.differences().toString());
      assertEquals("reparse", report.differences().get(0).aspect());
    }
  }

  /** NTFS keeps times to 100 ns: a copy there is as exact as it can be, and verify says so. */
  @Test
  void verifyComparesTimesAsFinelyAsTheVolumeKeepsThem() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/sub"));
    Files.writeString(src.resolve("f"), "nanoseconds");
    Files.setLastModifiedTime(src.resolve("f"), java.nio.file.attribute.FileTime.from(
        java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_789)));
    try (NtfsVolume d = NtfsVolume.create(base, "d", 'D', 32)) {
      Path copy = d.root().resolve("copy");
      new CopyEngine(CopyOptions.defaults(true)).copy(src.getParent(), copy);
      assertEquals(java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_700),
          Files.getLastModifiedTime(copy.resolve("sub/f")).toInstant(), "NTFS keeps 100 ns");
      var report = new dev.linksafe.verify.TreeComparator(false).compare(src.getParent(), copy);
      assertTrue(report.differences().stream().noneMatch(x -> x.aspect().equals("mtime")), report.differences().toString());
    }
  }

  /**
   * ntfs-3g without its permissions option shows every name as 0777 and the mounting user's: a
   * mirror there must not take modes and owners for changes, chmod and chown every file on
   * every run and never trust its index.
   */
  @Test
  void aMirrorOntoAVolumeWithoutModesSettlesAfterOneRun() throws Exception {
    Path src = Files.createDirectories(base.resolve("src/sub"));
    Files.writeString(src.resolve("f"), "one");
    Files.writeString(src.getParent().resolve("g"), "two");
    // another user's file: ntfs-3g shows every name as the mounting user's
    Files.setAttribute(src.getParent().resolve("g"), "unix:uid", 1000);
    Files.setAttribute(src.getParent().resolve("g"), "unix:gid", 1000);
    try (NtfsVolume d = NtfsVolume.create(base, "d", 'D', 32)) {
      Path copy = d.root().resolve("copy");
      CopyOptions mirror = CopyOptions.defaults(true).withMirror(
          new dev.linksafe.copy.MirrorOptions(base.resolve("index"), true, false));
      new CopyEngine(mirror).copy(src.getParent(), copy);
      Thread.sleep(2100); // out of the index's racy window
      CopyReport again = new CopyEngine(mirror).copy(src.getParent(), copy);
      assertEquals(0, again.filesCopied(), again.toString());
      assertEquals(0, again.updatedMetadata(), again.toString());
    }
  }

  @Test
  void retargetSymlinksRewritesAbsoluteInnerWindowsSymlinksOnly() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32);
        NtfsVolume d = NtfsVolume.create(base, "d", 'D', 32)) {
      Path data = populate(c);
      Path abs = Files.createFile(data.resolve("abs"));
      NtfsVolume.setReparseData(abs, ReparseBufferCodec.symlink(
          "\\??\\C:\\data\\projects\\plan.txt", "C:\\data\\projects\\plan.txt", false).raw());
      Path rel = Files.createFile(data.resolve("rel"));
      ReparsePoint relative = ReparseBufferCodec.symlink("projects\\plan.txt", "projects\\plan.txt", true);
      NtfsVolume.setReparseData(rel, relative.raw());
      c.remount();
      CopyOptions retarget = CopyOptions.defaults(true).withReparse(new dev.linksafe.copy.ReparsePolicy(
          dev.linksafe.copy.ReparsePolicy.Outer.KEEP, true, null, null, null));
      Path copy = d.root().resolve("data");
      CopyReport r = new CopyEngine(retarget).copy(c.root().resolve("data"), copy);
      assertEquals(0, r.errors(), () -> r.problems().toString());
      d.remount();
      ReparsePoint moved = ReparseBufferCodec.decode(NtfsVolume.reparseData(copy.resolve("abs")), "abs");
      assertEquals("\\??\\D:\\data\\projects\\plan.txt", moved.substituteName());
      assertTrue(moved.isSymlink());
      assertArrayEquals(relative.raw(), NtfsVolume.reparseData(copy.resolve("rel")), "relative ones stay as they are");
    }
  }

  @Test
  void namesBeyondTheNtfsLinkLimitAreCopiedApartAndReported() throws Exception {
    try (NtfsVolume d = NtfsVolume.create(base, "d", 'D', 64)) {
      Path src = Files.createDirectories(base.resolve("many"));
      Path first = Files.writeString(src.resolve("f0000"), "popular");
      for (int i = 1; i < 1030; i++) {
        Files.createLink(src.resolve(String.format("f%04d", i)), first);
      }
      CopyReport r = new CopyEngine(CopyOptions.defaults(true)).copy(src, d.root().resolve("many"));
      assertEquals(1030 - 1023, r.separateCopies(), "NTFS holds at most 1023 names of a file: " + r);
      assertEquals(r.separateCopies(), r.errors(), "each name copied apart is reported");
      assertTrue(r.problems().get(0).message().contains("too many links"), r.problems().get(0).toString());
      assertEquals(1030, r.filesCopied() + r.hardLinks());
    }
  }

  @Test
  void junctionsTravelThroughAnArchiveBackOntoNtfs() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32);
        NtfsVolume d = NtfsVolume.create(base, "d", 'D', 32)) {
      Path data = populate(c);
      Path archive = base.resolve("data.tar");
      try (var out = Files.newOutputStream(archive)) {
        var r = new dev.linksafe.archive.TarWriter(dev.linksafe.scan.ExcludeFilter.NONE)
            .write(data, out, dev.linksafe.archive.Compression.NONE);
        assertEquals(0, r.errors(), r.problems().toString());
      }
      try (var in = Files.newInputStream(archive)) {
        var r = new dev.linksafe.archive.TarExtractor(true).extract(in, d.root().resolve("data"));
        assertEquals(0, r.errors(), r.problems().toString());
      }
      d.remount();
      assertArrayEquals(NtfsVolume.reparseData(data.resolve("windows")),
          NtfsVolume.reparseData(d.root().resolve("data/windows")), "a real junction again, byte for byte");
      assertArrayEquals(NtfsVolume.reparseData(data.resolve("projects-link")),
          NtfsVolume.reparseData(d.root().resolve("data/projects-link")));
      assertEquals(Files.getAttribute(d.root().resolve("data/plan-link.txt"), "unix:ino"),
          Files.getAttribute(d.root().resolve("data/projects/plan.txt"), "unix:ino"));
    }
  }

  @Test
  void unresolvableJunctionIsStillFoundAndCopied() throws Exception {
    try (NtfsVolume c = NtfsVolume.create(base, "c", 'C', 32)) {
      Path data = Files.createDirectories(c.root().resolve("data"));
      Path odd = Files.createDirectory(data.resolve("elsewhere"));
      // a junction to a volume GUID path: ntfs-3g cannot resolve it and fails lstat with EIO
      NtfsVolume.setReparseData(odd, ReparseBufferCodec.junction(
          "\\??\\Volume{01234567-89ab-cdef-0123-456789abcdef}\\x", "").raw());
      c.remount();
      ScanReport r = new Scanner(WalkOptions.defaults()).scan(data);
      assertEquals(1, r.junctions(), r.problems().toString());
      assertEquals(0, r.errors(), r.problems().toString());
      Path copy = base.resolve("copy");
      CopyReport cr = new CopyEngine(CopyOptions.defaults(true)).copy(data, copy);
      assertEquals(0, cr.errors(), () -> cr.problems().toString());
      assertTrue(Files.exists(copy.resolve("elsewhere"), LinkOption.NOFOLLOW_LINKS));
    }
  }
}
