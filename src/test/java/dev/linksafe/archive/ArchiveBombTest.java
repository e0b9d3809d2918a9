package dev.linksafe.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.testing.Privileged;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small archives that ask for much: memory that must stay bounded, a stack that must not
 * overflow, names whose form must not decide their kind, an empty input.
 */
class ArchiveBombTest {
  @TempDir Path base;

  private static TarOutput.Header header(String name, char type, long size, String link) {
    return new TarOutput.Header(name, (byte) type, 0755, 0, 0, 1_700_000_000_000_000_000L, size, link);
  }

  /** Extracts {@code archive} into base/out with the command line in a JVM of that heap; its output. */
  private String extractInHeap(Path archive, String heap, int expectedExit) throws Exception {
    List<String> command = new ArrayList<>(Privileged.javaCommand("extract", archive.toString(), base.resolve("out").toString()));
    command.add(1, "-Xmx" + heap);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS));
    assertEquals(expectedExit, p.exitValue(), output);
    return output;
  }

  /**
   * The same directory entry 300,000 times (a few hundred KB gzipped): directory times were
   * all kept to the end, growing with the archive (OutOfMemoryError in a 48 MiB heap).
   */
  @Test
  void repeatedDirectoryEntriesKeepMemoryBounded() throws Exception {
    Path archive = base.resolve("dirs.tar.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive), 1 << 16)) {
      TarOutput tar = new TarOutput(out);
      for (int i = 0; i < 300_000; i++) {
        tar.putEntry(header("d/", '5', 0, null));
        tar.closeEntry();
      }
      tar.putEntry(header("d/f", '0', 2, null));
      tar.write("hi".getBytes(StandardCharsets.US_ASCII));
      tar.closeEntry();
      tar.finish();
    }
    extractInHeap(archive, "48m", 0);
    assertEquals("hi", Files.readString(base.resolve("out/d/f")));
  }

  /**
   * A GNU sparse 1.0 entry whose map claims five million runs (a few MB gzipped): Commons
   * Compress made an object of each before it returned the entry (OutOfMemoryError in a 128 MiB
   * heap). Maps are limited; the entries before it are extracted.
   */
  @Test
  void aSparseMapWithoutEndIsAnErrorNotAnOutOfMemory() throws Exception {
    Path archive = base.resolve("map.tar.gz");
    int runs = 5_000_000;
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive), 1 << 16)) {
      TarOutput tar = new TarOutput(out);
      tar.putEntry(header("before", '0', 2, null));
      tar.write("hi".getBytes(StandardCharsets.US_ASCII));
      tar.closeEntry();
      StringBuilder map = new StringBuilder().append(runs).append('\n');
      for (int i = 0; i < runs; i++) {
        map.append(i * 2).append("\n1\n");
      }
      byte[] text = map.toString().getBytes(StandardCharsets.US_ASCII);
      byte[] padded = java.util.Arrays.copyOf(text, (text.length + 511) / 512 * 512);
      ByteArrayOutputStream records = new ByteArrayOutputStream();
      TarOutput.record(records, "GNU.sparse.major", "1".getBytes(StandardCharsets.US_ASCII));
      TarOutput.record(records, "GNU.sparse.minor", "0".getBytes(StandardCharsets.US_ASCII));
      TarOutput.record(records, "GNU.sparse.name", "bomb".getBytes(StandardCharsets.US_ASCII));
      TarOutput.record(records, "GNU.sparse.realsize", Long.toString(2L * runs).getBytes(StandardCharsets.US_ASCII));
      tar.putEntry(new TarOutput.Header("GNUSparseFile.0/bomb", (byte) '0', 0644, 0, 0, 0, padded.length + runs,
          null, 0, 0, records.toByteArray(), false));
      tar.write(padded);
      byte[] data = new byte[runs];
      tar.write(data);
      tar.closeEntry();
      tar.finish();
    }
    String output = extractInHeap(archive, "128m", 1);
    assertTrue(output.contains("a sparse map of more than 1048576 runs"), output);
    assertEquals("hi", Files.readString(base.resolve("out/before")));
  }

  /**
   * Directory times come out right when the archive comes back into directories long after it
   * left them (not depth-first): 17,000 directories, then a file in each of them. Times are set
   * a batch at a time once the archive has left a directory; coming back sets them again.
   */
  @Test
  void directoryTimesSurviveAnArchiveThatComesBack() throws Exception {
    int count = 17_000;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarOutput tar = new TarOutput(bytes);
    for (int i = 0; i < count; i++) {
      tar.putEntry(new TarOutput.Header(String.format("d%05d/", i), (byte) '5', 0755, 0, 0,
          (1_000_000L + i) * 1_000_000_000L, 0, null));
      tar.closeEntry();
    }
    for (int i = 0; i < count; i += 7) {
      tar.putEntry(header(String.format("d%05d/f", i), '0', 2, null));
      tar.write("hi".getBytes(StandardCharsets.US_ASCII));
      tar.closeEntry();
    }
    tar.finish();
    Path out = base.resolve("out");
    ArchiveReport r = new TarExtractor(false).extract(new ByteArrayInputStream(bytes.toByteArray()), out);
    assertEquals(0, r.errors(), r.problems().toString());
    int wrong = 0;
    for (int i = 0; i < count; i++) {
      long seconds = Files.getLastModifiedTime(out.resolve(String.format("d%05d", i))).toInstant().getEpochSecond();
      wrong += seconds == 1_000_000L + i ? 0 : 1;
    }
    assertEquals(0, wrong, "directories with the wrong time");
  }

  /** Thousands of extended headers in a row: a clear error, not a StackOverflowError. */
  @Test
  void extendedHeadersWithoutEndAreAnErrorNotACrash() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarOutput tar = new TarOutput(bytes);
    byte[] record = "12 comment=\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 50_000; i++) {
      tar.putEntry(header("PaxHeader", 'x', record.length, null));
      tar.write(record);
      tar.closeEntry();
    }
    tar.putEntry(header("f", '0', 2, null));
    tar.write("hi".getBytes(StandardCharsets.US_ASCII));
    tar.closeEntry();
    tar.finish();
    ArchiveReport r = new TarExtractor(false).extract(new ByteArrayInputStream(bytes.toByteArray()), base.resolve("out"));
    assertEquals(1, r.errors(), r.problems().toString());
    assertTrue(r.problems().get(0).message().contains("too many extended headers in a row"), r.problems().toString());
  }

  /** A symlink or hard link named with a trailing slash is a link, as GNU tar and bsdtar make it. */
  @Test
  void aLinkNamedWithATrailingSlashIsALink() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarOutput tar = new TarOutput(bytes);
    tar.putEntry(header("f", '0', 2, null));
    tar.write("hi".getBytes(StandardCharsets.US_ASCII));
    tar.closeEntry();
    tar.putEntry(header("s/", '2', 0, "f"));
    tar.closeEntry();
    tar.putEntry(header("h/", '1', 0, "f"));
    tar.closeEntry();
    tar.finish();
    Path out = base.resolve("out");
    ArchiveReport r = new TarExtractor(false).extract(new ByteArrayInputStream(bytes.toByteArray()), out);
    assertEquals(0, r.errors(), r.problems().toString());
    assertTrue(Files.isSymbolicLink(out.resolve("s")));
    assertEquals(Files.getAttribute(out.resolve("f"), "unix:ino"), Files.getAttribute(out.resolve("h"), "unix:ino", LinkOption.NOFOLLOW_LINKS));
  }

  /** An archive that ends with a GNU long name and no entry for it is cut, not whole (it said exit 0). */
  @Test
  void anArchiveEndingAfterALongNameIsReported() throws Exception {
    for (char type : new char[] {'L', 'K'}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      TarOutput tar = new TarOutput(bytes);
      tar.putEntry(header("a", '0', 2, null));
      tar.write("hi".getBytes(StandardCharsets.US_ASCII));
      tar.closeEntry();
      byte[] name = "a-long-name-whose-entry-never-comes".getBytes(StandardCharsets.US_ASCII);
      tar.putEntry(header("././@LongLink", type, name.length, null));
      tar.write(name);
      tar.closeEntry();
      tar.finish();
      Path out = base.resolve("out-" + type);
      ArchiveReport r = new TarExtractor(false).extract(new ByteArrayInputStream(bytes.toByteArray()), out);
      assertEquals(1, r.errors(), r.problems().toString());
      assertTrue(r.problems().get(0).message().contains("ends after an extended header"), r.problems().toString());
      assertEquals("hi", Files.readString(out.resolve("a")));
    }
  }

  @Test
  void anEmptyInputIsNotAnArchive() throws Exception {
    ArchiveReport r = new TarExtractor(false).extract(new ByteArrayInputStream(new byte[0]), base.resolve("out"));
    assertEquals(1, r.errors());
    assertTrue(r.problems().get(0).message().contains("not a tar archive"), r.problems().toString());
  }

  /**
   * A pax sparse 0.1 map of a million empty runs (4 MB) and a GNU long name of 16 MiB, each in
   * a 48 MiB heap: clear errors, not OutOfMemoryError (the map was split into a String a number,
   * and a name was copied several times before anything looked at its length).
   */
  @Test
  void hugeSparseMapsAndNamesAreErrorsNotOutOfMemory() throws Exception {
    Path map = base.resolve("map.tar");
    try (OutputStream out = Files.newOutputStream(map)) {
      TarOutput tar = new TarOutput(out);
      tar.putEntry(header("before", '0', 2, null));
      tar.write("hi".getBytes(StandardCharsets.US_ASCII));
      tar.closeEntry();
      ByteArrayOutputStream records = new ByteArrayOutputStream();
      TarOutput.record(records, "GNU.sparse.map", "0,0,".repeat(1_100_000).concat("0,0").getBytes(StandardCharsets.US_ASCII));
      TarOutput.record(records, "GNU.sparse.size", "0".getBytes(StandardCharsets.US_ASCII));
      tar.putEntry(new TarOutput.Header("sparse", (byte) '0', 0644, 0, 0, 0, 0, null, 0, 0, records.toByteArray(), false));
      tar.closeEntry();
      tar.finish();
    }
    String output = extractInHeap(map, "48m", 1);
    assertTrue(output.contains("a sparse map of more than"), output);
    assertEquals("hi", Files.readString(base.resolve("out/before")));

    Path name = base.resolve("name.tar");
    try (OutputStream out = Files.newOutputStream(name)) {
      TarOutput tar = new TarOutput(out);
      byte[] huge = new byte[15 << 20];
      java.util.Arrays.fill(huge, (byte) 'n');
      tar.putEntry(header("././@LongLink", 'L', huge.length, null));
      tar.write(huge);
      tar.closeEntry();
      tar.putEntry(header("short", '0', 0, null));
      tar.closeEntry();
      tar.finish();
    }
    output = extractInHeap(name, "48m", 1);
    assertTrue(output.contains("a name or link target of more than"), output);
  }
}
