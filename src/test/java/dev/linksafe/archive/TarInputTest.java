package dev.linksafe.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.platform.Platforms;
import dev.linksafe.testing.Privileged;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives crafted header by header, read the way GNU tar reads them: the header types and
 * records other writers use, and malformed ones that must end in a clear error for that
 * entry (or the archive), never a crash that leaves the rest unextracted.
 */
class TarInputTest {
  @TempDir Path base;

  private static TarOutput.Header header(String name, char type, long size, String link) {
    return new TarOutput.Header(name, (byte) type, 0644, 0, 0, 1_700_000_000_000_000_000L, size, link);
  }

  private static TarOutput.Header withRecords(String name, char type, long size, String link, String... records) {
    ByteArrayOutputStream r = new ByteArrayOutputStream();
    for (int i = 0; i < records.length; i += 2) {
      TarOutput.record(r, records[i], records[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return new TarOutput.Header(name, (byte) type, 0644, 1234, 1234, 1_700_000_000_000_000_000L, size, link,
        0, 0, r.toByteArray(), false);
  }

  /** An archive of entries, each a header and its data (null for none). */
  private static byte[] archive(Object... headersAndData) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarOutput tar = new TarOutput(bytes);
    for (int i = 0; i < headersAndData.length; i += 2) {
      tar.putEntry((TarOutput.Header) headersAndData[i]);
      if (headersAndData[i + 1] != null) {
        tar.write((byte[]) headersAndData[i + 1]);
      }
      tar.closeEntry();
    }
    tar.finish();
    return bytes.toByteArray();
  }

  private ArchiveReport extract(byte[] archive, String dst, boolean owners) throws Exception {
    return new TarExtractor(owners).extract(new ByteArrayInputStream(archive), base.resolve(dst));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A hard link or symlink without a target is reported, and the entries after it extracted (it crashed the run). */
  @Test
  void aLinkWithoutATargetIsReportedAndTheRestExtracted() throws Exception {
    for (char type : new char[] {'1', '2'}) {
      byte[] tar = archive(header("a", '0', 1, null), ascii("a"), header("link", type, 0, null), null,
          header("b", '0', 1, null), ascii("b"));
      ArchiveReport r = extract(tar, "out-" + type, false);
      assertEquals(1, r.errors(), r.problems().toString());
      assertTrue(r.problems().get(0).message().contains("a link without a target"), r.problems().toString());
      assertEquals("b", Files.readString(base.resolve("out-" + type + "/b")));
      assertFalse(Files.exists(base.resolve("out-" + type + "/link"), LinkOption.NOFOLLOW_LINKS));
    }
  }

  /** Solaris tar and star wrote pax headers as type 'X' before POSIX named them 'x'. */
  @Test
  void solarisExtendedHeadersAreRead() throws Exception {
    String longName = "dir/" + "n".repeat(150);
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    TarOutput.record(records, "path", ascii(longName));
    TarOutput.record(records, "mtime", ascii("1000.5"));
    byte[] tar = archive(header("PaxHeader", 'X', records.size(), null), records.toByteArray(),
        header(longName.substring(0, 99), '0', 4, null), ascii("data"));
    ArchiveReport r = extract(tar, "out", false);
    assertEquals(0, r.errors(), r.problems().toString());
    Path file = base.resolve("out").resolve(longName);
    assertEquals("data", Files.readString(file));
    assertEquals(1_000_500L, Files.getLastModifiedTime(file).toMillis());
  }

  /** Volume labels are no files, whatever their names: GNU tar ignores them. */
  @Test
  void volumeLabelsAreIgnored() throws Exception {
    byte[] tar = archive(header("/an/absolute/label", 'V', 0, null), null, header("f", '0', 1, null), ascii("f"));
    ArchiveReport r = extract(tar, "out", false);
    assertEquals(0, r.errors(), r.problems().toString());
    assertEquals(1, r.entries());
  }

  /**
   * Global headers hold what applies to every entry after them, not one entry's sparse map;
   * an archive of a global header alone is an empty archive, not a cut one.
   */
  @Test
  void globalHeadersApplyToLaterEntriesButNotTheirSparseMaps() throws Exception {
    ByteArrayOutputStream global = new ByteArrayOutputStream();
    TarOutput.record(global, "GNU.sparse.major", ascii("1"));
    TarOutput.record(global, "GNU.sparse.minor", ascii("0"));
    TarOutput.record(global, "mtime", ascii("2000"));
    TarOutput.record(global, "comment", ascii("applies to all"));
    byte[] tar = archive(header("GlobalHead", 'g', global.size(), null), global.toByteArray(),
        new TarOutput.Header("f", (byte) '0', 0644, 0, 0, 5_000_000_000L, 4, null), ascii("data"));
    ArchiveReport r = extract(tar, "out", false);
    assertEquals(0, r.errors(), r.problems().toString());
    assertEquals("data", Files.readString(base.resolve("out/f")));
    assertEquals(2_000_000L, Files.getLastModifiedTime(base.resolve("out/f")).toMillis());
    byte[] onlyGlobal = archive(header("GlobalHead", 'g', global.size(), null), global.toByteArray());
    ArchiveReport empty = extract(onlyGlobal, "empty", false);
    assertEquals(0, empty.errors(), empty.problems().toString());
    assertEquals(0, empty.entries());
    // an entry's own header, then a global one, then the end: that entry never came
    ByteArrayOutputStream local = new ByteArrayOutputStream();
    TarOutput.record(local, "path", ascii("a-file-that-never-comes"));
    byte[] cut = archive(header("PaxHeader", 'x', local.size(), null), local.toByteArray(),
        header("GlobalHead", 'g', global.size(), null), global.toByteArray());
    ArchiveReport r2 = extract(cut, "cut", false);
    assertEquals(1, r2.errors(), r2.problems().toString());
    assertTrue(r2.problems().get(0).message().contains("ends after an extended header"), r2.problems().toString());
  }

  /** GNU's base-256 numbers start with 0x80 (positive) or 0xff (negative); other high bytes are not numbers. */
  @Test
  void onlyGnuBase256MarkersMakeNumbers() throws Exception {
    byte[] tar = archive(header("f", '0', 1, null), ascii("f"));
    tar[136] = (byte) 0x81; // the time field
    fixChecksum(tar, 0);
    ArchiveReport r = extract(tar, "out", false);
    assertEquals(1, r.errors(), r.problems().toString());
    assertTrue(r.problems().get(0).message().contains("corrupt"), r.problems().toString());
  }

  /** An owner no uid_t holds, in a pax record, leaves the header's, as GNU tar does (it became root). */
  @Test
  void anOwnerBeyondAnyIdKeepsTheHeadersOwner() throws Exception {
    Privileged.requireRoot();
    byte[] tar = archive(withRecords("f", '0', 1, null, "uid", "4294967296", "gid", "99999999999"), ascii("f"));
    ArchiveReport r = extract(tar, "out", true);
    assertEquals(0, r.errors(), r.problems().toString());
    assertEquals(1234, Files.getAttribute(base.resolve("out/f"), "unix:uid"));
    assertEquals(1234, Files.getAttribute(base.resolve("out/f"), "unix:gid"));
  }

  /**
   * A symlink made in place whose later steps fail (a reparse buffer that is not base64, or
   * not a reparse buffer) is reported and removed, not left with the wrong metadata.
   */
  @Test
  void aSymlinkWhoseMetadataFailsIsNotLeftBehind() throws Exception {
    Privileged.requireRoot();
    for (String reparse : new String[] {"AAAA", "not base64!"}) {
      byte[] tar = archive(header("a", '0', 1, null), ascii("a"),
          withRecords("l", '2', 0, "a", TarWriter.REPARSE_HEADER, reparse), null,
          header("b", '0', 1, null), ascii("b"));
      Path out = base.resolve("out-" + reparse.length());
      ArchiveReport r = new TarExtractor(true).extract(new ByteArrayInputStream(tar), out);
      assertEquals(1, r.errors(), r.problems().toString());
      assertFalse(Files.exists(out.resolve("l"), LinkOption.NOFOLLOW_LINKS), "half-made symlink left");
      assertEquals("b", Files.readString(out.resolve("b")));
      assertEquals(java.util.List.of(), dev.linksafe.testing.Trees.temporaryFiles(out));
    }
  }

  /**
   * An old GNU sparse header's extension blocks, many of them: the map grows with the runs it
   * holds (it doubled with every block, so 40 blocks asked for terabytes).
   */
  @Test
  void oldGnuSparseMapsWithManyExtensionBlocksStaySmall() throws Exception {
    if (!Privileged.hasCommand("tar")) {
      Privileged.unavailable("GNU tar is not installed");
    }
    Path tree = Files.createDirectories(base.resolve("tree"));
    Path runs = tree.resolve("runs.img");
    try (var f = new java.io.RandomAccessFile(runs.toFile(), "rw")) {
      for (int i = 0; i < 1000; i++) {
        f.seek(i * 16_384L);
        f.write(("run " + i).getBytes(StandardCharsets.US_ASCII));
      }
    }
    Path archive = base.resolve("gnu.tar");
    Privileged.run("tar", "--format=gnu", "--sparse", "-C", tree.toString(), "-cf", archive.toString(), ".");
    ArchiveReport r = new TarExtractor(false).extract(Files.newInputStream(archive), base.resolve("out"));
    assertEquals(0, r.errors(), r.problems().toString());
    assertEquals(-1, Files.mismatch(runs, base.resolve("out/runs.img")));
  }

  private static void fixChecksum(byte[] tar, int header) {
    java.util.Arrays.fill(tar, header + 148, header + 156, (byte) ' ');
    long sum = 0;
    for (int i = 0; i < 512; i++) {
      sum += tar[header + i] & 0xff;
    }
    byte[] field = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(field, 0, tar, header + 148, 8);
  }
}
