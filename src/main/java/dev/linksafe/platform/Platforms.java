package dev.linksafe.platform;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Chooses the {@link FileSystemAccess} for a volume, once. */
public final class Platforms {
  private static final FileSystemAccess NIO = new NioFileSystemAccess();
  private static final FileSystemAccess LINUX =
      LinuxFileSystemAccess.isAvailable() ? new LinuxFileSystemAccess() : NIO;

  private Platforms() {}

  /** Made on first use only: loading kernel32 is possible on Windows alone. */
  private static final class Windows {
    static final FileSystemAccess ACCESS = new WindowsFileSystemAccess();
  }

  /** Whether this process may set owners and create device nodes (root on POSIX). */
  public static boolean isPrivileged() {
    if (LinuxFileSystemAccess.isAvailable()) {
      return LinuxLibc.geteuid() == 0;
    }
    return "root".equals(System.getProperty("user.name"));
  }

  /** The access to use for names under {@code root}, which need not exist yet. */
  public static FileSystemAccess forPath(Path root) {
    return forPath(root, null);
  }

  /**
   * The access for names under {@code root}; {@code driveLetter}, when given, names the drive
   * letter of an NTFS volume that has no {@code .NTFS-3G/X:} link.
   */
  public static FileSystemAccess forPath(Path root, Character driveLetter) {
    if (root.getFileSystem() != FileSystems.getDefault()) {
      return NIO;
    }
    if (com.sun.jna.Platform.isWindows()) {
      return Windows.ACCESS;
    }
    if (LINUX == NIO) {
      return NIO;
    }
    Path existing = root.toAbsolutePath().normalize();
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      existing = existing.getParent();
    }
    if (existing == null || !Ntfs3gFileSystemAccess.isNtfs3g(existing)) {
      return LINUX;
    }
    Path mountRoot = mountRoot(existing);
    Character letter = driveLetter != null ? driveLetter : Ntfs3gFileSystemAccess.driveLetterAt(mountRoot);
    return new Ntfs3gFileSystemAccess(mountRoot, letter);
  }

  /** The root of the volume holding {@code path}: the last ancestor on the same device. */
  static Path mountRoot(Path path) {
    try {
      Path current = path.toRealPath();
      Object device = Files.getAttribute(current, "unix:dev");
      while (current.getParent() != null
          && device.equals(Files.getAttribute(current.getParent(), "unix:dev"))) {
        current = current.getParent();
      }
      return current;
    } catch (java.io.IOException e) {
      return path;
    }
  }
}
