package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Writes through a confined access never pass a link on the way: {@code root/way} is a symlink
 * to a directory outside, and every kind of write below it fails while the outside stays as it
 * was. Run for the kernel-resolved (Linux) and the checked-by-name (portable) implementations.
 */
class ConfinedWritesTest {
  @TempDir Path base;
  Path root;
  Path outside;

  static Stream<FileSystemAccess> accesses() {
    return LinuxFileSystemAccess.isAvailable()
        ? Stream.of(new LinuxFileSystemAccess(), new NioFileSystemAccess())
        : Stream.of(new NioFileSystemAccess());
  }

  @BeforeEach
  void makeRootWithLinkOut() throws Exception {
    root = Files.createDirectories(base.resolve("root"));
    outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("victim"), "keep me");
    Files.createDirectories(root.resolve("real/deeper"));
    Files.writeString(root.resolve("real/file"), "inside");
    Files.createSymbolicLink(root.resolve("way"), outside);
    // a link deeper down is refused too, not only one just below the root
    Files.createSymbolicLink(root.resolve("real/deeper/down"), outside);
  }

  private static FileStatus like(EntryKind kind) {
    return new FileStatus(kind, new FileId(0, 0), 0, 1_000_000_000L, 1_000_000_000L,
        1_000_000_000L, 1, 0644, -1, -1, 0);
  }

  @ParameterizedTest
  @MethodSource("accesses")
  void noWriteBelowALinkReachesTheOutside(FileSystemAccess plain) throws Exception {
    FileSystemAccess access = plain.confinedTo(root);
    for (Path way : List.of(root.resolve("way"), root.resolve("real/deeper/down"))) {
      Path victim = way.resolve("victim");
      List<Executable> writes = List.of(
          () -> access.createDirectory(way.resolve("d"), 0755),
          () -> {
            try (OutputStream out = access.createFile(way.resolve("new"))) {
              out.write(1);
            }
          },
          () -> {
            try (OutputStream out = access.createFile(way.resolve("finished"), like(EntryKind.REGULAR_FILE), false)) {
              out.write(1);
            }
          },
          () -> access.copyFile(root.resolve("real/file"), way.resolve("copy"),
              Platforms.forPath(root).stat(root.resolve("real/file")),
              FileSystemAccess.ReflinkMode.AUTO, false, Map.of()),
          () -> access.createSymlink(way.resolve("link"), "anything"),
          () -> access.createHardLink(way.resolve("hard"), root.resolve("real/file")),
          () -> access.createHardLink(root.resolve("real/stolen"), victim),
          () -> access.rename(root.resolve("real/file"), victim),
          () -> access.rename(victim, root.resolve("real/taken")),
          () -> access.delete(victim),
          () -> access.setMetadata(victim, like(EntryKind.REGULAR_FILE), false),
          () -> access.writeXattrs(victim, Map.of("user.x", new byte[] {1})));
      for (Executable write : writes) {
        FileSystemException e = assertThrows(FileSystemException.class, write::run);
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
      }
    }
    try (Stream<Path> left = Files.list(outside)) {
      assertEquals(List.of(outside.resolve("victim")), left.toList(), "nothing made outside");
    }
    assertEquals("keep me", Files.readString(outside.resolve("victim")));
    assertTrue(Files.getLastModifiedTime(outside.resolve("victim")).toMillis() > 1_000L,
        "the outside file's time is untouched");
    assertTrue(Files.exists(root.resolve("real/file")), "nothing moved out of the root either");
  }

  @ParameterizedTest
  @MethodSource("accesses")
  void writesAlongRealDirectoriesWork(FileSystemAccess plain) throws Exception {
    FileSystemAccess access = plain.confinedTo(root);
    Path dir = root.resolve("real/deeper/made");
    access.createDirectory(dir, 0755);
    try (OutputStream out = access.createFile(dir.resolve("a"))) {
      out.write("bytes".getBytes());
    }
    access.createHardLink(dir.resolve("b"), dir.resolve("a"));
    access.rename(dir.resolve("b"), root.resolve("c"));
    access.createSymlink(dir.resolve("s"), "../a");
    access.setMetadata(dir.resolve("a"), like(EntryKind.REGULAR_FILE), false);
    access.delete(dir.resolve("s"));
    // a file given its metadata through the open file once its bytes are in
    FileStatus finished = new FileStatus(EntryKind.REGULAR_FILE, new FileId(0, 0), 0, 2_000_000_123L,
        2_000_000_123L, 2_000_000_123L, 1, 0640, -1, -1, 0);
    byte[] big = new byte[1 << 20];
    big[big.length - 1] = 7;
    try (OutputStream out = access.createFile(dir.resolve("f"), finished, false)) {
      out.write(big);
      out.write(9);
    }
    FileStatus f = access.stat(dir.resolve("f"));
    assertEquals(big.length + 1, f.size());
    assertEquals(0640, f.mode());
    assertEquals(2_000_000_123L, f.modifiedNanos());
    assertEquals(7, Files.readAllBytes(dir.resolve("f"))[big.length - 1]);
    // a directory's mode changed by name, and a name looked up that may be missing
    access.setMetadata(dir, new FileStatus(EntryKind.DIRECTORY, new FileId(0, 0), 0, 3_000_000_000L,
        3_000_000_000L, 3_000_000_000L, 1, 0750, -1, -1, 0), false);
    assertEquals(0750, access.stat(dir).mode());
    assertEquals(null, access.statIfExists(dir.resolve("missing")));
    assertEquals(EntryKind.REGULAR_FILE, access.statIfExists(dir.resolve("f")).kind());
    assertThrows(FileSystemException.class, () -> access.statIfExists(dir.resolve("f/below-a-file")));
    assertEquals("bytes", Files.readString(root.resolve("c")));
    assertEquals(1_000L, Files.getLastModifiedTime(dir.resolve("a")).toMillis());
    assertEquals(2, Files.getAttribute(dir.resolve("a"), "unix:nlink"));
    // the root itself may be reached through a link: only what lies below it is confined
    Path alias = Files.createSymbolicLink(base.resolve("alias"), root);
    FileSystemAccess viaAlias = plain.confinedTo(alias);
    viaAlias.createDirectory(alias.resolve("real/through-alias"), 0755);
    assertTrue(Files.isDirectory(root.resolve("real/through-alias")));
  }

  @FunctionalInterface
  interface Executable {
    void run() throws Exception;
  }
}
