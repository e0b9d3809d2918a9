package dev.linksafe.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tree comparator on an in-memory unix file system: one kind of difference per test. */
class TreeComparatorJimfsTest {
  private static final FileTime T = FileTime.from(Instant.parse("2024-05-06T07:08:09.123456789Z"));

  private FileSystem fs;
  private Path a;
  private Path b;

  @BeforeEach
  void setUp() throws IOException {
    fs = dev.linksafe.testing.Trees.unixJimfs();
    a = Files.createDirectories(fs.getPath("/a"));
    b = Files.createDirectories(fs.getPath("/b"));
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** The same small tree: files, a subdirectory, a symlink and a group of two names. */
  private static void standardTree(Path root) throws IOException {
    write(root, "top.txt", "hello");
    write(root, "docs/a.txt", "alpha");
    write(root, "docs/b.txt", "bravo!");
    Files.createSymbolicLink(root.resolve("docs/link"), root.getFileSystem().getPath("a.txt"));
    write(root, "g1", "grouped");
    Files.createLink(root.resolve("docs/g2"), root.resolve("g1"));
  }

  private static Path write(Path root, String relative, String text) throws IOException {
    Path p = root.resolve(relative);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  /** Gives every name below both roots the same modification time. */
  private void settle() throws IOException {
    for (Path root : List.of(a, b)) {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.toList()) {
          Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
              .setTimes(T, null, null);
        }
      }
    }
  }

  private VerifyReport compare(boolean content) throws IOException {
    settle();
    return new TreeComparator(content).compare(a, b);
  }

  /** The differences as "path: aspect", in report order. */
  private static List<String> found(VerifyReport r) {
    return r.differences().stream().map(d -> d.path() + ": " + d.aspect()).toList();
  }

  private List<String> differences() throws IOException {
    return found(compare(true));
  }

  // ---- no difference -------------------------------------------------------------------------

  @Test
  void identicalCopiesReportNoDifference() throws IOException {
    standardTree(a);
    standardTree(b);
    VerifyReport r = compare(true);
    assertTrue(r.identical(), () -> found(r).toString());
    assertEquals(7, r.entries(), "top.txt, docs, docs/{a.txt,b.txt,link,g2}, g1");
  }

  @Test
  void emptyRootsAreIdentical() throws IOException {
    VerifyReport r = compare(true);
    assertTrue(r.identical());
    assertEquals(0, r.entries());
  }

  @Test
  void rootTimesAreNotCompared() throws IOException {
    standardTree(a);
    standardTree(b);
    settle();
    Files.setLastModifiedTime(b, FileTime.fromMillis(0));
    assertTrue(new TreeComparator(true).compare(a, b).identical());
  }

  // ---- names ---------------------------------------------------------------------------------

  @Test
  void nameOnlyInTheFirstTreeIsMissing() throws IOException {
    standardTree(a);
    standardTree(b);
    Files.delete(b.resolve("docs/b.txt"));
    assertEquals(List.of("docs/b.txt: missing"), differences());
  }

  @Test
  void nameOnlyInTheSecondTreeIsExtra() throws IOException {
    standardTree(a);
    standardTree(b);
    write(b, "docs/new.txt", "new");
    assertEquals(List.of("docs/new.txt: extra"), differences());
  }

  @Test
  void missingDirectoryIsReportedOnceNotPerChild() throws IOException {
    standardTree(a);
    standardTree(b);
    write(a, "only/x/y", "z");
    assertEquals(List.of("only: missing"), differences());
  }

  // ---- entries -------------------------------------------------------------------------------

  @Test
  void fileAgainstDirectoryIsAKindDifference() throws IOException {
    standardTree(a);
    standardTree(b);
    Files.delete(b.resolve("top.txt"));
    Files.createDirectory(b.resolve("top.txt"));
    assertEquals(List.of("top.txt: kind"), differences());
  }

  @Test
  void fileAgainstSymlinkIsAKindDifference() throws IOException {
    standardTree(a);
    standardTree(b);
    Files.delete(b.resolve("docs/b.txt"));
    Files.createSymbolicLink(b.resolve("docs/b.txt"), fs.getPath("a.txt"));
    assertEquals(List.of("docs/b.txt: kind"), differences());
  }

  @Test
  void differentSizesAreFound() throws IOException {
    standardTree(a);
    standardTree(b);
    write(b, "docs/a.txt", "alpha and more");
    assertEquals(List.of("docs/a.txt: size"), differences());
  }

  @Test
  void sameSizeDifferentBytesAreFoundOnlyWhenComparingContent() throws IOException {
    standardTree(a);
    standardTree(b);
    write(b, "docs/a.txt", "ALPHA");
    assertTrue(compare(false).identical(), "size and time agree, bytes are not read");
    assertEquals(List.of("docs/a.txt: content"), found(compare(true)));
  }

  @Test
  void differentModificationTimesAreFound() throws IOException {
    standardTree(a);
    standardTree(b);
    settle();
    Files.setLastModifiedTime(b.resolve("docs/b.txt"), FileTime.fromMillis(T.toMillis() + 1000));
    assertEquals(List.of("docs/b.txt: mtime"), found(new TreeComparator(true).compare(a, b)));
  }

  @Test
  void differentDirectoryTimesAreFound() throws IOException {
    standardTree(a);
    standardTree(b);
    settle();
    Files.setLastModifiedTime(b.resolve("docs"), FileTime.fromMillis(0));
    assertEquals(List.of("docs: mtime"), found(new TreeComparator(true).compare(a, b)));
  }

  @Test
  void differentPermissionBitsAreFound() throws IOException {
    standardTree(a);
    standardTree(b);
    Files.setPosixFilePermissions(b.resolve("top.txt"), PosixFilePermissions.fromString("rwx------"));
    assertEquals(List.of("top.txt: mode"), differences());
  }

  @Test
  void differentSymlinkTargetsAreFound() throws IOException {
    standardTree(a);
    standardTree(b);
    Files.delete(b.resolve("docs/link"));
    Files.createSymbolicLink(b.resolve("docs/link"), fs.getPath("b.txt"));
    VerifyReport r = compare(true);
    assertEquals(List.of("docs/link: target"), found(r));
    assertEquals("a.txt vs b.txt", r.differences().get(0).detail());
  }

  @Test
  void differentSymlinkTimesAreFound() throws IOException {
    standardTree(a);
    standardTree(b);
    settle();
    Files.getFileAttributeView(b.resolve("docs/link"), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setTimes(FileTime.fromMillis(0), null, null);
    assertEquals(List.of("docs/link: mtime"), found(new TreeComparator(true).compare(a, b)));
  }

  // ---- topology ------------------------------------------------------------------------------

  @Test
  void namesLinkedInTheFirstTreeButSeparateInTheSecondAreATopologyDifference() throws IOException {
    write(a, "x", "same");
    Files.createLink(a.resolve("y"), a.resolve("x"));
    write(b, "x", "same");
    write(b, "y", "same");
    assertEquals(List.of("y: topology"), differences());
  }

  @Test
  void namesSeparateInTheFirstTreeButLinkedInTheSecondAreATopologyDifference() throws IOException {
    write(a, "x", "same");
    write(a, "y", "same");
    write(b, "x", "same");
    Files.createLink(b.resolve("y"), b.resolve("x"));
    assertEquals(List.of("y: topology"), differences());
  }

  @Test
  void namesLinkedToDifferentPartnersAreATopologyDifference() throws IOException {
    for (Path root : List.of(a, b)) {
      write(root, "p", "same");
      write(root, "q", "same");
      write(root, "r", "same");
    }
    Files.delete(a.resolve("q"));
    Files.createLink(a.resolve("q"), a.resolve("p"));
    Files.delete(b.resolve("r"));
    Files.createLink(b.resolve("r"), b.resolve("p"));
    assertEquals(List.of("q: topology", "r: topology"), differences());
  }

  @Test
  void differencesAreSortedByPath() throws IOException {
    standardTree(a);
    standardTree(b);
    write(b, "top.txt", "longer text");
    Files.delete(b.resolve("docs/a.txt"));
    write(b, "docs/z", "z");
    assertEquals(List.of("docs/a.txt: missing", "docs/z: extra", "top.txt: size"), differences());
  }
}
