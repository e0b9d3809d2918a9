package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How finely a destination keeps modification times, by its file system's type: compared more
 * finely than it keeps them, every file would look changed on every mirror run.
 */
class TimeGranularityTest {
  @TempDir Path base;

  @Test
  void fileSystemsThatRoundTimesSaySo() {
    assertEquals(2_000_000_000L, LinuxFileSystemAccess.granularityOf("vfat"));
    assertEquals(2_000_000_000L, LinuxFileSystemAccess.granularityOf("msdos"));
    assertEquals(10_000_000L, LinuxFileSystemAccess.granularityOf("exfat"));
    assertEquals(1_000_000_000L, LinuxFileSystemAccess.granularityOf("hfsplus"));
    assertEquals(100L, LinuxFileSystemAccess.granularityOf("ntfs3"));
    assertEquals(100L, LinuxFileSystemAccess.granularityOf("cifs"));
    assertEquals(1L, LinuxFileSystemAccess.granularityOf("ext4"));
    assertEquals(1L, LinuxFileSystemAccess.granularityOf("tmpfs"));
  }

  @Test
  void aVolumeKeepingNanosecondsIsComparedExactly() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(LinuxFileSystemAccess.isAvailable(), "Linux only");
    try (FileSystemAccess access = new LinuxFileSystemAccess().confinedTo(base)) {
      assertEquals(1L, access.timeGranularityNanos());
    }
  }
}
