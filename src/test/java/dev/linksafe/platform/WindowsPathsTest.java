package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The parts of the Windows platform that run anywhere. */
class WindowsPathsTest {
  @Test
  void drivePathsGetTheExtendedLengthPrefix() {
    assertEquals("\\\\?\\C:\\data\\x", WindowsPaths.extendedLength("C:\\data\\x"));
    assertEquals("\\\\?\\C:\\data\\x", WindowsPaths.extendedLength("C:/data/x"));
  }

  @Test
  void uncPathsBecomeExtendedUnc() {
    assertEquals("\\\\?\\UNC\\server\\share\\f", WindowsPaths.extendedLength("\\\\server\\share\\f"));
  }

  @Test
  void prefixedPathsAreLeftAlone() {
    assertEquals("\\\\?\\C:\\a", WindowsPaths.extendedLength("\\\\?\\C:\\a"));
  }

  @Test
  void relativePathsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> WindowsPaths.extendedLength("data\\x"));
  }

  @Test
  void fileTimesConvertBothWays() {
    long nanos = Instant.parse("2024-02-29T12:34:56.1234567Z").getEpochSecond() * 1_000_000_000L + 123_456_700;
    assertEquals(nanos, WindowsPaths.fileTimeToNanos(WindowsPaths.nanosToFileTime(nanos)));
    assertEquals(0, WindowsPaths.fileTimeToNanos(116_444_736_000_000_000L));
  }

  @Test
  void fileInformationGivesIdentityLinksAndKind() {
    ByteBuffer b = ByteBuffer.allocate(52).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x400 | 0x10);                     // reparse point, directory
    b.putLong(20, WindowsPaths.nanosToFileTime(1_000_000_000L));
    b.putInt(28, 0xCAFEBABE);                      // volume serial
    b.putInt(32, 1).putInt(36, 2);                 // size 4 GiB + 2
    b.putInt(40, 3);                               // links
    b.putInt(44, 7).putInt(48, 9);                 // file index
    FileStatus s = WindowsPaths.fileStatus(b.array());
    assertEquals(EntryKind.REPARSE_POINT, s.kind());
    assertEquals(0xCAFEBABEL, s.id().volume());
    assertEquals((7L << 32) | 9, s.id().object());
    assertEquals((1L << 32) + 2, s.size());
    assertEquals(3, s.linkCount());
    assertEquals(1_000_000_000L, s.modifiedNanos());
  }
}
