package dev.linksafe.platform;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.win32.StdCallLibrary;
import com.sun.jna.win32.W32APIOptions;

/** The few kernel32 calls linksafe needs on Windows, wide-character versions. */
interface WindowsKernel32 extends StdCallLibrary {
  int GENERIC_READ = 0x80000000;
  int GENERIC_WRITE = 0x40000000;
  int FILE_SHARE_ALL = 0x1 | 0x2 | 0x4;
  int OPEN_EXISTING = 3;
  int FILE_FLAG_BACKUP_SEMANTICS = 0x02000000;
  int FILE_FLAG_OPEN_REPARSE_POINT = 0x00200000;
  int FSCTL_GET_REPARSE_POINT = 0x000900A8;
  int FSCTL_SET_REPARSE_POINT = 0x000900A4;
  int ERROR_NOT_A_REPARSE_POINT = 4390;
  int FILE_ATTRIBUTE_DIRECTORY = 0x10;
  int FILE_ATTRIBUTE_REPARSE_POINT = 0x400;

  /** Loaded on first use, so that merely naming this type on another platform costs nothing. */
  static WindowsKernel32 load() {
    return Native.load("kernel32", WindowsKernel32.class, W32APIOptions.UNICODE_OPTIONS);
  }

  HANDLE CreateFile(String name, int access, int share, Pointer security, int disposition,
      int flags, HANDLE template);

  boolean DeviceIoControl(HANDLE handle, int code, byte[] in, int inSize, byte[] out, int outSize,
      IntByReference returned, Pointer overlapped);

  /** Fills the 52-byte BY_HANDLE_FILE_INFORMATION. */
  boolean GetFileInformationByHandle(HANDLE handle, byte[] information);

  boolean CloseHandle(HANDLE handle);

  int GetLastError();
}
