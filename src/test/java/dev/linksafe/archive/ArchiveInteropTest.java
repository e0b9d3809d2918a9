package dev.linksafe.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.demo.SampleTree;
import dev.linksafe.scan.ExcludeFilter;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import dev.linksafe.verify.TreeComparator;
import dev.linksafe.verify.VerifyReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** linksafe's archives read by GNU tar and bsdtar, and theirs read by linksafe. */
class ArchiveInteropTest {
  /** Times are compared exactly: linksafe, GNU tar and bsdtar all write pax times to the nanosecond. */
  private static final long EXACT = 0;

  @TempDir Path base;

  private Path tree() throws Exception {
    Path tree = SampleTree.create(base);
    Files.writeString(tree.resolve("docs/" + "long-name-".repeat(20) + ".txt"), "a name over 100 bytes");
    Files.writeString(tree.resolve("naïve café.txt"), "non-ASCII name");
    // times to the nanosecond, which a format keeping 100 ns would round
    Files.setLastModifiedTime(tree.resolve("naïve café.txt"),
        java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_789)));
    Files.setLastModifiedTime(tree.resolve("docs"),
        java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(1_700_000_001L, 1)));
    // sparse files, one streamed and one read whole: GNU tar (with --sparse) and bsdtar store
    // only their data blocks
    for (var sparse : java.util.Map.of("sparse-large.img", 3L << 20, "sparse-small.img", 600L << 10,
        "sparse-odd-size-ending-in-a-hole.img", 2_000_001L).entrySet()) {
      try (var f = new java.io.RandomAccessFile(tree.resolve(sparse.getKey()).toFile(), "rw")) {
        f.setLength(sparse.getValue());
        f.seek(sparse.getValue() / 3);
        f.write("data in the middle".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (sparse.getValue() % 512 == 0) {
          f.seek(sparse.getValue() - 5);
          f.write("end.\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    }
    // special files: Commons Compress calls a FIFO or device entry a file too
    Privileged.run("mkfifo", tree.resolve("pipe").toString());
    if (dev.linksafe.platform.Platforms.isPrivileged()) {
      Privileged.run("mknod", tree.resolve("null-device").toString(), "c", "1", "3");
    }
    // a name whose ustar stand-in (its first 90 characters) ends at a slash
    Path cut = Files.createDirectories(tree.resolve("d".repeat(89)));
    Files.writeString(cut.resolve("cut-at-a-slash.txt"), "not a directory");
    Files.setLastModifiedTime(cut.resolve("cut-at-a-slash.txt"),
        java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(1_700_000_002L, 5)));
    return tree;
  }

  private static void assertSame(Path a, Path b, long window) throws Exception {
    VerifyReport r = new TreeComparator(true, window).compare(a, b);
    assertTrue(r.identical(), () -> String.join("\n", r.differences().stream().map(Object::toString).toList()));
    Trees.assertSamePartition(a, b);
  }

  private Path write(Path tree, String name) throws Exception {
    Path archive = base.resolve(name);
    try (OutputStream out = Files.newOutputStream(archive)) {
      ArchiveReport r = new TarWriter(ExcludeFilter.NONE).write(tree, out, Compression.forName(name));
      assertEquals(0, r.errors(), r.problems().toString());
      assertEquals(3, r.hardLinks());
    }
    return archive;
  }

  @ParameterizedTest
  @ValueSource(strings = {"t.tar", "t.tar.gz", "t.tar.xz", "t.tar.zst"})
  void linksafeExtractsItsOwnArchives(String name) throws Exception {
    Path tree = tree();
    Path archive = write(tree, name);
    Path out = base.resolve("out");
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertSame(tree, out, EXACT);
  }

  @ParameterizedTest
  @CsvSource({"tar, t.tar.gz", "tar, t.tar.xz", "bsdtar, t.tar.gz", "bsdtar, t.tar"})
  void gnuTarAndBsdtarExtractLinksafeArchives(String tool, String name) throws Exception {
    if (!Privileged.hasCommand(tool)) {
      Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
    }
    Path tree = tree();
    Path archive = write(tree, name);
    Path out = Files.createDirectories(base.resolve("out-" + tool));
    Privileged.run(tool, "-C", out.toString(), "-xf", archive.toString());
    assertSame(tree, out, EXACT);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tar", "bsdtar"})
  void linksafeExtractsArchivesOfGnuTarAndBsdtar(String tool) throws Exception {
    if (!Privileged.hasCommand(tool)) {
      Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
    }
    Path tree = tree();
    Path archive = base.resolve(tool + ".tar");
    if (tool.equals("tar")) {
      Privileged.run(tool, "--format=pax", "--sparse", "-C", tree.toString(), "-cf", archive.toString(), ".");
    } else {
      Privileged.run(tool, "--format=pax", "-C", tree.toString(), "-cf", archive.toString(), ".");
    }
    Path out = base.resolve("from-" + tool);
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertSame(tree, out, 0);
    // their sparse entries come back with holes, small ones too: a few blocks, not megabytes of zeros
    for (String sparse : new String[] {"sparse-large.img", "sparse-small.img", "sparse-odd-size-ending-in-a-hole.img"}) {
      long blocks = Long.parseLong(Privileged.run("stat", "-c", "%b", out.resolve(sparse).toString()).trim());
      assertTrue(blocks * 512 < 256 * 1024, sparse + " allocated " + blocks + " blocks of 512 bytes");
    }
  }

  /** bzip2 announces itself with three letters only; a plain tar whose first name starts so is a tar. */
  @ParameterizedTest
  @ValueSource(strings = {"tar", "bsdtar"})
  void aTarWhoseFirstNameLooksLikeBzip2IsReadAsTar(String tool) throws Exception {
    if (!Privileged.hasCommand(tool)) {
      Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
    }
    Path tree = Files.createDirectories(base.resolve("tree/BZh91AY"));
    Files.writeString(tree.resolve("f"), "plain");
    Path archive = base.resolve(tool + "-bzh.tar");
    Privileged.run(tool, "-C", tree.getParent().toString(), "-cf", archive.toString(), "BZh91AY");
    Path out = base.resolve("out-bzh-" + tool);
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertEquals("plain", Files.readString(out.resolve("BZh91AY/f")));
  }

  /**
   * A file with holes is archived as a GNU sparse entry: its data only, so the archive of a
   * 64 MiB file holding a few bytes stays a few blocks, and GNU tar, bsdtar and linksafe extract
   * it with its bytes and its holes. A file without holes is not.
   */
  @Test
  void filesWithHolesAreArchivedWithoutThem() throws Exception {
    Path tree = Files.createDirectories(base.resolve("holes"));
    try (var f = new java.io.RandomAccessFile(tree.resolve("disk.img").toFile(), "rw")) {
      f.setLength(64L << 20);
      f.seek(5L << 20);
      f.write("a block of data".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      f.seek((64L << 20) - 3);
      f.write("end".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    try (var f = new java.io.RandomAccessFile(tree.resolve("ends-in-a-hole.img").toFile(), "rw")) {
      f.setLength((8L << 20) + 7);
      f.write("start".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    // a small one (under the 1 MiB read whole): written whole, holes as zeros, until 2026-12-02
    try (var f = new java.io.RandomAccessFile(tree.resolve("small-holes.img").toFile(), "rw")) {
      f.setLength(900_000);
      f.seek(300_000);
      f.write("x".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    byte[] dense = new byte[3 << 20];
    new java.util.Random(11).nextBytes(dense);
    Files.write(tree.resolve("dense.bin"), dense);
    Path archive = base.resolve("holes.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      ArchiveReport r = new TarWriter(ExcludeFilter.NONE).write(tree, out, Compression.NONE);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertTrue(Files.size(archive) < dense.length + (64 << 10), "holes left out: " + Files.size(archive));
    List<Path> extracted = new java.util.ArrayList<>();
    Path ours = base.resolve("holes-linksafe");
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, ours);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    extracted.add(ours);
    for (String tool : List.of("tar", "bsdtar")) {
      if (!Privileged.hasCommand(tool)) {
        Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
      }
      Path out = Files.createDirectories(base.resolve("holes-" + tool));
      Privileged.run(tool, "-C", out.toString(), "-xf", archive.toString());
      extracted.add(out);
    }
    for (Path out : extracted) {
      assertSame(tree, out, EXACT);
      for (String name : List.of("disk.img", "dense.bin", "ends-in-a-hole.img", "small-holes.img")) {
        assertEquals(-1, Files.mismatch(tree.resolve(name), out.resolve(name)), out + "/" + name);
      }
      for (String name : List.of("disk.img", "ends-in-a-hole.img", "small-holes.img")) {
        long blocks = Long.parseLong(Privileged.run("stat", "-c", "%b", out.resolve(name).toString()).trim());
        assertTrue(blocks * 512 < 256 * 1024, out + "/" + name + " allocated " + blocks + " blocks of 512 bytes");
      }
    }
  }

  /**
   * Archives read through a stream that returns short reads, as a decompressor or a pipe does
   * wherever its buffer ends: Commons Compress took a short read inside a sparse entry's data
   * for the end of its data, gave zeros for the rest and read every later entry out of step.
   */
  @ParameterizedTest
  @ValueSource(strings = {"tar", "bsdtar", "linksafe"})
  void sparseEntriesSurviveShortReads(String tool) throws Exception {
    Path tree = tree();
    Path archive = base.resolve(tool + "-short.tar");
    if (tool.equals("linksafe")) {
      archive = write(tree, tool + "-short.tar");
    } else if (!Privileged.hasCommand(tool)) {
      Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
    } else if (tool.equals("tar")) {
      Privileged.run(tool, "--format=pax", "--sparse", "-C", tree.toString(), "-cf", archive.toString(), ".");
    } else {
      Privileged.run(tool, "--format=pax", "-C", tree.toString(), "-cf", archive.toString(), ".");
    }
    Path out = base.resolve("short-" + tool);
    try (InputStream in = new java.io.FilterInputStream(Files.newInputStream(archive)) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1000)); // never a whole block
          }
        }) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertSame(tree, out, tool.equals("linksafe") ? EXACT : 0);
    for (String sparse : new String[] {"sparse-large.img", "sparse-odd-size-ending-in-a-hole.img"}) {
      assertEquals(-1, Files.mismatch(tree.resolve(sparse), out.resolve(sparse)), sparse);
    }
  }

  /**
   * Values the ustar fields cannot hold go in pax records, with the time still to the
   * nanosecond: ids from 2,097,152, times before 1970 (a fraction below zero counts down) and
   * after 2242, a size from 8 GiB.
   */
  @ParameterizedTest
  @ValueSource(strings = {"linksafe", "tar", "bsdtar"})
  void valuesBeyondUstarFieldsSurvive(String tool) throws Exception {
    Privileged.requireRoot();
    Path tree = Files.createDirectories(base.resolve("large"));
    Path owned = Files.writeString(tree.resolve("owned-by-a-large-id"), "x");
    Privileged.run("chown", "3000000:4000000", owned.toString());
    Path old = Files.writeString(tree.resolve("before-1970"), "y");
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(-2, 500_000_000)));
    Path late = Files.writeString(tree.resolve("after-2242"), "z");
    Files.setLastModifiedTime(late, java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(10_413_792_000L, 7)));
    Path archive = base.resolve("large.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      ArchiveReport r = new TarWriter(ExcludeFilter.NONE).write(tree, out, Compression.NONE);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    Path out = Files.createDirectories(base.resolve("large-" + tool));
    if (tool.equals("linksafe")) {
      try (InputStream in = Files.newInputStream(archive)) {
        ArchiveReport r = new TarExtractor(true).extract(in, out);
        assertEquals(0, r.errors(), r.problems().toString());
      }
    } else {
      if (!Privileged.hasCommand(tool)) {
        Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
      }
      Privileged.run(tool, "--numeric-owner", "-C", out.toString(), "-xf", archive.toString());
    }
    assertEquals(3000000, Files.getAttribute(out.resolve("owned-by-a-large-id"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertEquals(4000000, Files.getAttribute(out.resolve("owned-by-a-large-id"), "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertEquals(Files.getLastModifiedTime(old), Files.getLastModifiedTime(out.resolve("before-1970")));
    assertEquals(Files.getLastModifiedTime(late), Files.getLastModifiedTime(out.resolve("after-2242")));

    // a size from 8 GiB: the headers of such an entry, read back by Commons Compress
    java.io.ByteArrayOutputStream headers = new java.io.ByteArrayOutputStream();
    TarOutput tar = new TarOutput(headers);
    tar.putEntry(new TarOutput.Header("huge.img", (byte) '0', 0644, 0, 0, 1_700_000_000_123_456_789L, 9L << 30, null));
    try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
        new java.io.ByteArrayInputStream(headers.toByteArray()))) {
      var entry = in.getNextEntry();
      assertEquals("huge.img", entry.getName());
      assertEquals(9L << 30, entry.getSize());
      assertEquals(java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_789), entry.getLastModifiedTime().toInstant());
    }
  }

  /**
   * A compressed archive of several members (gzip) or streams (xz, bzip2), as `cat a.gz b.gz`
   * makes, is read to its end as gzip, GNU tar and bsdtar read it; zeros after the last member
   * are ignored. Only the first member was read: split on an entry boundary, the rest was lost
   * with exit 0.
   */
  @ParameterizedTest
  @ValueSource(strings = {"gzip", "xz", "bzip2"})
  void everyMemberOfAConcatenatedArchiveIsRead(String compressor) throws Exception {
    if (!Privileged.hasCommand(compressor)) {
      Privileged.unavailable(compressor + " is not installed");
    }
    Path tree = Files.createDirectories(base.resolve("members"));
    for (int i = 1; i <= 6; i++) {
      Files.writeString(tree.resolve("f" + i), "file " + i);
    }
    Path tar = base.resolve("whole.tar");
    Privileged.run("tar", "--format=pax", "-C", tree.toString(), "-cf", tar.toString(), "f1", "f2", "f3", "f4", "f5", "f6");
    Path archive = base.resolve("members.tar." + compressor);
    // cut where an entry starts (each takes 2,048 bytes here), zeros after the last member
    Privileged.run("bash", "-c", "head -c 6144 '" + tar + "' | " + compressor + " > '" + archive + "' && tail -c +6145 '"
        + tar + "' | " + compressor + " >> '" + archive + "' && head -c 1000 /dev/zero >> '" + archive + "'");
    Path out = base.resolve("members-out");
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
      assertEquals(6, r.files());
    }
    assertSame(tree, out, EXACT);
  }

  /**
   * A sparse file over 2 GiB (Commons Compress read GNU.sparse.realsize as an int, so such
   * files were archived whole, every hole as zeros) is archived with its holes, and GNU tar and
   * linksafe extract it with them.
   */
  @Test
  void sparseFilesOverTwoGibibytesKeepTheirHoles() throws Exception {
    Path tree = Files.createDirectories(base.resolve("big-holes"));
    long size = (5L << 30) / 2 + 3;
    try (var f = new java.io.RandomAccessFile(tree.resolve("big.img").toFile(), "rw")) {
      f.setLength(size);
      f.seek(size - 100_000);
      f.write("data past 2 GiB".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Path archive = base.resolve("big-holes.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      ArchiveReport r = new TarWriter(ExcludeFilter.NONE).write(tree, out, Compression.NONE);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertTrue(Files.size(archive) < 64 << 10, "holes left out: " + Files.size(archive));
    Path ours = base.resolve("big-holes-linksafe");
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, ours);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    Path theirs = Files.createDirectories(base.resolve("big-holes-tar"));
    Privileged.run("tar", "-C", theirs.toString(), "-xf", archive.toString());
    for (Path out : List.of(ours, theirs)) {
      Path img = out.resolve("big.img");
      assertEquals(size, Files.size(img), out.toString());
      try (var f = new java.io.RandomAccessFile(img.toFile(), "r")) {
        byte[] b = new byte[15];
        f.seek(size - 100_000);
        f.readFully(b);
        assertEquals("data past 2 GiB", new String(b, java.nio.charset.StandardCharsets.UTF_8), out.toString());
      }
      long blocks = Long.parseLong(Privileged.run("stat", "-c", "%b", img.toString()).trim());
      assertTrue(blocks * 512 < 1 << 20, img + " allocated " + blocks + " blocks of 512 bytes");
      assertEquals(Files.getLastModifiedTime(tree.resolve("big.img")), Files.getLastModifiedTime(img));
    }
  }

  /**
   * Extended attributes, when asked for both ways: archived as SCHILY.xattr records (values of
   * any bytes, empty ones too), set again from them on files, sparse files and directories, and
   * read by and from GNU tar --xattrs and bsdtar. Outside the user namespace only what extract
   * is told to include is set: an archive from elsewhere must not grant a file capabilities.
   */
  @Test
  void extendedAttributesAreKeptWhenAsked() throws Exception {
    Path tree = Files.createDirectories(base.resolve("xattrs"));
    Path file = Files.writeString(tree.resolve("f.txt"), "with attributes");
    Path dir = Files.createDirectories(tree.resolve("d"));
    Path sparse = tree.resolve("d/holes.img");
    try (var f = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
      f.setLength(4 << 20);
      f.write("start".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Files.writeString(tree.resolve("plain.txt"), "none");
    var access = dev.linksafe.platform.Platforms.forPath(tree);
    byte[] binary = {0, '=', '\n', (byte) 0xff, ' ', '1'};
    access.writeXattrs(file, new java.util.TreeMap<>(java.util.Map.of("user.comment", "hello".getBytes(),
        "user.binary", binary, "user.empty", new byte[0])));
    access.writeXattrs(dir, java.util.Map.of("user.dir", "on a directory".getBytes()));
    // names: not ASCII, not UTF-8, with the '=' and '%' that GNU tar and bsdtar write %3D, %25
    java.util.Map<String, byte[]> odd = new java.util.TreeMap<>(java.util.Map.of("user.café", "accent".getBytes(),
        "user.eq=x", "equals".getBytes(), "user.pc%41", "percent".getBytes(),
        dev.linksafe.platform.RawNames.text(new byte[] {'u', 's', 'e', 'r', '.', (byte) 0xff, (byte) 0xfe}), "raw".getBytes()));
    access.writeXattrs(file, odd);
    access.writeXattrs(sparse, java.util.Map.of("user.sparse", "on a sparse file".getBytes()));
    boolean root = dev.linksafe.platform.Platforms.isPrivileged();
    if (root) {
      access.writeXattrs(file, java.util.Map.of("trusted.secret", "only when asked".getBytes()));
    }
    Path archive = base.resolve("xattrs.tar");
    try (OutputStream out = Files.newOutputStream(archive)) {
      ArchiveReport r = new TarWriter(ExcludeFilter.NONE, null, true).write(tree, out, Compression.NONE);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    Path users = extract(archive, "x-user", name -> name.startsWith("user."));
    assertEquals("hello", new String(access.readXattrs(users.resolve("f.txt")).get("user.comment")));
    assertEquals(-1, java.util.Arrays.mismatch(binary, access.readXattrs(users.resolve("f.txt")).get("user.binary")));
    assertEquals(0, access.readXattrs(users.resolve("f.txt")).get("user.empty").length);
    assertEquals("on a directory", new String(access.readXattrs(users.resolve("d")).get("user.dir")));
    assertEquals("on a sparse file", new String(access.readXattrs(users.resolve("d/holes.img")).get("user.sparse")));
    assertOddNames(odd, users, "linksafe");
    assertEquals(java.util.Map.of(), access.readXattrs(users.resolve("plain.txt")));
    assertEquals(null, access.readXattrs(users.resolve("f.txt")).get("trusted.secret"));
    assertSame(tree, users, EXACT);
    if (root) {
      Path all = extract(archive, "x-all", name -> true);
      assertEquals("only when asked", new String(access.readXattrs(all.resolve("f.txt")).get("trusted.secret")));
    }
    // not asked for: neither written nor set
    Path none = extract(archive, "x-none", null);
    assertEquals(java.util.Map.of(), access.readXattrs(none.resolve("f.txt")));
    try (OutputStream out = Files.newOutputStream(base.resolve("plain.tar"))) {
      new TarWriter(ExcludeFilter.NONE).write(tree, out, Compression.NONE);
    }
    assertEquals(java.util.Map.of(), access.readXattrs(extract(base.resolve("plain.tar"), "x-plain", n -> true).resolve("f.txt")));

    // GNU tar reads linksafe's; linksafe reads GNU tar's and bsdtar's
    Path byTar = Files.createDirectories(base.resolve("x-by-tar"));
    Privileged.run("tar", "--xattrs", "--xattrs-include=user.*", "-C", byTar.toString(), "-xf", archive.toString());
    assertEquals("hello", new String(access.readXattrs(byTar.resolve("f.txt")).get("user.comment")));
    assertEquals("on a directory", new String(access.readXattrs(byTar.resolve("d")).get("user.dir")));
    assertOddNames(odd, byTar, "GNU tar from linksafe's");
    for (String tool : List.of("tar", "bsdtar")) {
      if (!Privileged.hasCommand(tool)) {
        Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
      }
      Path theirs = base.resolve(tool + "-xattrs.tar");
      if (tool.equals("tar")) {
        Privileged.run(tool, "--format=pax", "--xattrs", "--xattrs-include=*", "-C", tree.toString(), "-cf", theirs.toString(), ".");
      } else {
        Privileged.run(tool, "--format=pax", "-C", tree.toString(), "-cf", theirs.toString(), ".");
      }
      Path out = extract(theirs, "x-from-" + tool, name -> name.startsWith("user."));
      assertEquals("hello", new String(access.readXattrs(out.resolve("f.txt")).get("user.comment")), tool);
      assertEquals(-1, java.util.Arrays.mismatch(binary, access.readXattrs(out.resolve("f.txt")).get("user.binary")), tool);
      assertEquals("on a directory", new String(access.readXattrs(out.resolve("d")).get("user.dir")), tool);
      assertOddNames(odd, out, "linksafe from " + tool + "'s");
    }
  }

  private static void assertOddNames(java.util.Map<String, byte[]> odd, Path out, String how) throws Exception {
    java.util.Map<String, byte[]> there = dev.linksafe.platform.Platforms.forPath(out).readXattrs(out.resolve("f.txt"));
    for (var x : odd.entrySet()) {
      assertEquals(new String(x.getValue()), there.get(x.getKey()) == null ? null : new String(there.get(x.getKey())),
          how + ": " + x.getKey() + " in " + there.keySet());
    }
  }

  private Path extract(Path archive, String name, java.util.function.Predicate<String> xattrs) throws Exception {
    Path out = base.resolve(name);
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true, xattrs).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    return out;
  }

  /**
   * Every format GNU tar and bsdtar write is read: GNU's with long names and base-256 numbers
   * (a time before 1970, an owner above ustar's 2,097,151), the old GNU sparse type with
   * extension blocks (a file of 30 data runs needs more than the header's four), pax with each
   * GNU sparse version, a global pax header, ustar names split into prefix and name, and v7.
   * Formats that keep whole seconds are compared to the second.
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = ';', value = {
      "tar; --format=gnu --sparse; 1",
      "tar; --format=oldgnu --sparse; 1",
      "tar; --format=pax --sparse --sparse-version=0.0; 0",
      "tar; --format=pax --sparse --sparse-version=0.1; 0",
      "tar; --format=pax --sparse --sparse-version=1.0 --pax-option=comment=a-global-header; 0",
      "tar; --format=ustar; 1",
      "tar; --format=v7; 1",
      "bsdtar; --format=gnutar; 1",
      "bsdtar; --format=ustar; 1",
      "bsdtar; --format=pax; 0"})
  void linksafeReadsEveryFormatOfGnuTarAndBsdtar(String tool, String options, int seconds) throws Exception {
    if (!Privileged.hasCommand(tool)) {
      Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
    }
    boolean v7 = options.contains("v7");
    boolean ustar = options.contains("ustar");
    boolean wide = !v7 && !ustar && !options.equals("--format=gnutar"); // times before 1970, large owners
    Path tree = Files.createDirectories(base.resolve("formats"));
    Files.createDirectories(tree.resolve("dir/sub"));
    Files.writeString(tree.resolve("dir/file.txt"), "a file");
    Files.writeString(tree.resolve("dir/linked-1"), "two names");
    Files.createLink(tree.resolve("linked-2"), tree.resolve("dir/linked-1"));
    Files.createSymbolicLink(tree.resolve("link"), Path.of("dir/file.txt"));
    try (var f = new java.io.RandomAccessFile(tree.resolve("runs.img").toFile(), "rw")) {
      for (int run = 0; run < 30; run++) {
        f.seek(run * 65_536L);
        f.write(("run " + run).repeat(1000).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      f.setLength(30 * 65_536L + 100);
    }
    if (!v7) {
      // ustar: 60 bytes of prefix and 80 of name
      Path deep = Files.createDirectories(tree.resolve("p".repeat(60)));
      Files.writeString(deep.resolve("n".repeat(80)), "split name");
    }
    if (wide) {
      Path old = Files.writeString(tree.resolve("old.txt"), "from 1960");
      Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.from(java.time.Instant.parse("1960-01-01T00:00:00Z")));
      if (dev.linksafe.platform.Platforms.isPrivileged()) {
        Files.setAttribute(Files.writeString(tree.resolve("owned.txt"), "large owner"), "unix:uid", 3_000_000);
      }
    }
    for (Path p : Files.walk(tree).toList()) {
      if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        Files.setLastModifiedTime(p, java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(1_600_000_000L)));
      }
    }
    Path archive = base.resolve("formats.tar");
    List<String> command = new java.util.ArrayList<>(List.of(tool));
    command.addAll(List.of(options.split(" ")));
    command.addAll(List.of("-C", tree.toString(), "-cf", archive.toString(), "."));
    Privileged.run(command.toArray(String[]::new));
    Path out = base.resolve("formats-out");
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertSame(tree, out, seconds * 1_000_000_000L);
    if (wide && dev.linksafe.platform.Platforms.isPrivileged()) {
      assertEquals(3_000_000, Files.getAttribute(out.resolve("owned.txt"), "unix:uid"));
    }
    if (options.contains("--sparse")) {
      long blocks = Long.parseLong(Privileged.run("stat", "-c", "%b", out.resolve("runs.img").toString()).trim());
      assertTrue(blocks * 512 < 1 << 20, "runs.img allocated " + blocks + " blocks of 512 bytes");
    }
  }

  /**
   * A GNU tar --sparse archive ending in sparse entries is whole (Commons Compress, which
   * counts holes as read, stopped inside its last block, and that was reported as a cut archive).
   */
  @Test
  void anArchiveEndingInSparseEntriesIsWhole() throws Exception {
    Path tree = Files.createDirectories(base.resolve("sparse-end"));
    try (var f = new java.io.RandomAccessFile(tree.resolve("small").toFile(), "rw")) {
      f.seek(100);
      f.write('x');
      f.setLength(70_000);
    }
    try (var f = new java.io.RandomAccessFile(tree.resolve("big").toFile(), "rw")) {
      f.seek(5L << 20);
      f.write(new byte[7000]);
      f.seek(5L << 20);
      f.write("data".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    Path archive = base.resolve("sparse-end.tar");
    Privileged.run("tar", "--format=pax", "--sparse", "-C", tree.toString(), "-cf", archive.toString(), "small", "big");
    Path out = base.resolve("sparse-end-out");
    try (InputStream in = Files.newInputStream(archive)) {
      ArchiveReport r = new TarExtractor(true).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertSame(tree, out, 0);
    // cut inside the last entry's data, it is reported
    byte[] cut = java.util.Arrays.copyOf(Files.readAllBytes(archive), 12_000);
    ArchiveReport r = new TarExtractor(true).extract(new java.io.ByteArrayInputStream(cut), base.resolve("cut-out"));
    assertEquals(1, r.errors(), r.problems().toString());
  }

  @Test
  void archiveStreamsToStandardOutput() throws Exception {
    Path tree = tree();
    Process p = new ProcessBuilder(Privileged.javaCommand("archive", "--compress", "gzip", tree.toString(), "-"))
        .redirectOutput(base.resolve("piped.tar.gz").toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue());
    Path out = Files.createDirectories(base.resolve("piped"));
    Privileged.run("tar", "-C", out.toString(), "-xzf", base.resolve("piped.tar.gz").toString());
    assertSame(tree, out, EXACT);
  }
}
