package dev.linksafe.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.linksafe.testing.Trees;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Coverage-guided fuzzing of extraction (tar reader, decompressors, name checks) on the real file
 * system. Whatever the bytes, extraction ends with a report or a clear I/O error, creates nothing
 * outside its destination, changes nothing there, and leaves no temporary file. Every test run
 * replays the seed inputs (the hostile corpus and a few good archives) under
 * {@code src/test/resources/.../TarExtractFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class TarExtractFuzzTest {
  private static final Path WORK = workDirectory();
  private static final Path OUTSIDE = WORK.resolve("outside");

  private static Path workDirectory() {
    try {
      Path work = Files.createTempDirectory("linksafe-fuzz");
      Files.createDirectories(work.resolve("outside"));
      Files.writeString(work.resolve("outside/target.txt"), "keep");
      return work;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void extractionStaysInsideItsDestination(byte[] archive) throws IOException {
    Path dst = WORK.resolve("dst");
    try {
      new TarExtractor(false).extract(new ByteArrayInputStream(archive), dst);
    } catch (IOException e) {
      // a clear error for the whole archive is an acceptable end
    }
    try (Stream<Path> top = Files.list(WORK)) {
      List<String> names = top.map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(true, List.of("dst", "outside").containsAll(names), "made beside DST: " + names);
    }
    try (Stream<Path> outside = Files.list(OUTSIDE)) {
      assertEquals(List.of(OUTSIDE.resolve("target.txt")), outside.toList(), "made outside DST");
    }
    assertEquals("keep", Files.readString(OUTSIDE.resolve("target.txt")));
    assertEquals(1, Files.getAttribute(OUTSIDE.resolve("target.txt"), "unix:nlink"), "linked from DST");
    if (Files.exists(dst)) {
      assertEquals(List.of(), Trees.temporaryFiles(dst), "temporary files left");
      deleteTree(dst);
    }
  }

  /** Deletes without following links: a fuzzed archive may leave links to anywhere. */
  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        if (!Files.isSymbolicLink(p) && Files.isDirectory(p)) {
          p.toFile().setWritable(true);
        }
        Files.delete(p);
      }
    }
  }
}
