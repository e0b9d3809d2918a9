package dev.linksafe.platform;

import java.nio.file.FileSystems;
import java.nio.file.Path;

/** Chooses the {@link FileSystemAccess} for a volume, once. */
public final class Platforms {
  private static final FileSystemAccess NIO = new NioFileSystemAccess();
  private static final FileSystemAccess LINUX =
      LinuxFileSystemAccess.isAvailable() ? new LinuxFileSystemAccess() : NIO;

  private Platforms() {}

  /** Whether this process may set owners and create device nodes (root on POSIX). */
  public static boolean isPrivileged() {
    if (LinuxFileSystemAccess.isAvailable()) {
      return LinuxLibc.geteuid() == 0;
    }
    return "root".equals(System.getProperty("user.name"));
  }

  /** The access to use for names under {@code root}. */
  public static FileSystemAccess forPath(Path root) {
    if (root.getFileSystem() != FileSystems.getDefault()) {
      return NIO;
    }
    return LINUX;
  }
}
