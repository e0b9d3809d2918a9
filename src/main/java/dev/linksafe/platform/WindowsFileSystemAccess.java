package dev.linksafe.platform;

import com.sun.jna.platform.win32.WinBase;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.ReparsePoint;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Windows through kernel32: handles opened with FILE_FLAG_OPEN_REPARSE_POINT and
 * FILE_FLAG_BACKUP_SEMANTICS (so a link is opened, not followed, and directories open too),
 * FSCTL_GET_REPARSE_POINT and FSCTL_SET_REPARSE_POINT for reparse data, and identity from the
 * volume serial number and file index. Names are passed in extended-length form ({@code \\?\}).
 */
public final class WindowsFileSystemAccess extends NioFileSystemAccess {
  private static final int ERROR_FILE_NOT_FOUND = 2;
  private static final int ERROR_PATH_NOT_FOUND = 3;

  private final WindowsKernel32 kernel32;

  WindowsFileSystemAccess() {
    this(WindowsKernel32.load(), null);
  }

  private WindowsFileSystemAccess(WindowsKernel32 kernel32, Path confinement) {
    super(confinement);
    this.kernel32 = kernel32;
  }

  @Override
  public FileSystemAccess confinedTo(Path root) {
    return new WindowsFileSystemAccess(kernel32, root);
  }

  private HANDLE open(Path path, int access) throws IOException {
    HANDLE h = kernel32.CreateFile(WindowsPaths.extendedLength(path.toAbsolutePath().toString()),
        access, WindowsKernel32.FILE_SHARE_ALL, null, WindowsKernel32.OPEN_EXISTING,
        WindowsKernel32.FILE_FLAG_OPEN_REPARSE_POINT | WindowsKernel32.FILE_FLAG_BACKUP_SEMANTICS, null);
    if (h == null || WinBase.INVALID_HANDLE_VALUE.equals(h)) {
      int error = kernel32.GetLastError();
      if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND) {
        throw new NoSuchFileException(path.toString());
      }
      throw new FileSystemException(path.toString(), null, "cannot open: Windows error " + error);
    }
    return h;
  }

  @Override
  public FileStatus stat(Path path) throws IOException {
    HANDLE h = open(path, 0);
    try {
      byte[] info = new byte[52];
      if (!kernel32.GetFileInformationByHandle(h, info)) {
        throw new FileSystemException(path.toString(), null,
            "cannot read file information: Windows error " + kernel32.GetLastError());
      }
      return WindowsPaths.fileStatus(info);
    } finally {
      kernel32.CloseHandle(h);
    }
  }

  /** NTFS keeps times in 100-nanosecond units. */
  @Override
  public long timeGranularityNanos() {
    return 100;
  }

  @Override
  public boolean supportsReparsePoints() {
    return true;
  }

  @Override
  public Optional<ReparsePoint> readReparsePoint(Path path) throws IOException {
    HANDLE h = open(path, 0);
    try {
      byte[] buffer = new byte[ReparseBufferCodec.MAXIMUM_SIZE];
      IntByReference returned = new IntByReference();
      if (!kernel32.DeviceIoControl(h, WindowsKernel32.FSCTL_GET_REPARSE_POINT, null, 0, buffer,
          buffer.length, returned, null)) {
        int error = kernel32.GetLastError();
        if (error == WindowsKernel32.ERROR_NOT_A_REPARSE_POINT) {
          return Optional.empty();
        }
        throw new FileSystemException(path.toString(), null, "cannot read reparse data: Windows error " + error);
      }
      return Optional.of(ReparseBufferCodec.decode(Arrays.copyOf(buffer, returned.getValue()), path.toString()));
    } finally {
      kernel32.CloseHandle(h);
    }
  }

  @Override
  public boolean isDirectoryReparsePoint(Path path) throws IOException {
    HANDLE h = open(path, 0);
    try {
      byte[] info = new byte[52];
      return kernel32.GetFileInformationByHandle(h, info) && WindowsPaths.isDirectory(info);
    } finally {
      kernel32.CloseHandle(h);
    }
  }

  @Override
  public void createReparsePoint(Path path, ReparsePoint reparsePoint, boolean directory)
      throws IOException {
    checkWay(path);
    if (directory) {
      Files.createDirectory(path);
    } else {
      Files.createFile(path);
    }
    HANDLE h = open(path, WindowsKernel32.GENERIC_WRITE);
    try {
      byte[] raw = reparsePoint.raw();
      if (!kernel32.DeviceIoControl(h, WindowsKernel32.FSCTL_SET_REPARSE_POINT, raw, raw.length, null,
          0, new IntByReference(), null)) {
        throw new FileSystemException(path.toString(), null,
            "cannot set reparse data: Windows error " + kernel32.GetLastError());
      }
    } finally {
      kernel32.CloseHandle(h);
    }
  }

  @Override
  public Optional<String> windowsPath(Path path) {
    return Optional.of(path.toAbsolutePath().normalize().toString());
  }
}
