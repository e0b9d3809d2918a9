package dev.linksafe.platform;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Direct-mapped glibc calls used on Linux. Paths are NUL-terminated byte arrays in the
 * encoding the JDK uses for file names, so that what Java lists is what the kernel receives.
 */
final class LinuxLibc {
  static final boolean AVAILABLE;

  static {
    AVAILABLE = register(LinuxLibc.class);
  }

  private static final String JNA_SEARCH_PATH = "jna.platform.library.path";

  /** Binds the native methods of {@code natives} to glibc; false where there is none. */
  static boolean register(Class<?> natives) {
    if (!Platform.isLinux()) {
      return false;
    }
    if (System.getProperty(JNA_SEARCH_PATH) == null) {
      // unset, JNA builds its search path by running `ldconfig -p` (about 25 ms of every run);
      // libc is the process's own, which JNA binds without searching
      System.setProperty(JNA_SEARCH_PATH, "");
    }
    try {
      Native.register(natives, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
      return true;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return false;
    }
  }

  static final int AT_FDCWD = -100;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_NO_AUTOMOUNT = 0x800;
  static final int STATX_BASIC_STATS = 0x7ff;
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_NONBLOCK = 04000;
  static final int O_EXCL = 0200;
  /** Differs by architecture: 0400000 on x86, 0100000 on arm and powerpc (there 0400000 is O_LARGEFILE). */
  static final int O_NOFOLLOW = oNoFollow(Platform.ARCH);
  static final int AT_EMPTY_PATH = 0x1000;
  static final int O_CLOEXEC = 02000000;
  static final int SEEK_CUR = 1;
  static final int SEEK_DATA = 3;
  static final int SEEK_HOLE = 4;
  static final long FICLONE = 0x40049409L;
  static final int EINTR = 4;
  static final int ENXIO = 6;
  static final int EXDEV = 18;
  static final int EINVAL = 22;
  static final int ENOSYS = 38;
  static final int EOPNOTSUPP = 95;
  static final int ENOTSUP = 95;
  static final int ENODATA = 61;
  static final int ERANGE = 34;
  static final int ENOTTY = 25;
  static final int EBADF = 9;
  static final int EPERM = 1;
  static final int ELOOP = 40;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EAGAIN = 11;
  static final int O_PATH = 010000000;
  /** Differs by architecture like O_NOFOLLOW. */
  static final int O_DIRECTORY = oDirectory(Platform.ARCH);
  static final int AT_REMOVEDIR = 0x200;
  static final long SYS_OPENAT2 = 437;
  static final long RESOLVE_NO_SYMLINKS = 0x04;

  private LinuxLibc() {}

  static int oNoFollow(String arch) {
    return arch.startsWith("aarch64") || arch.startsWith("arm") || arch.startsWith("ppc") ? 0100000 : 0400000;
  }

  static int oDirectory(String arch) {
    return arch.startsWith("aarch64") || arch.startsWith("arm") || arch.startsWith("ppc") ? 040000 : 0200000;
  }

  static native int geteuid();

  /** openat2(2), which glibc does not wrap; {@code how} is a struct open_how. */
  static native long syscall(long number, int dirfd, byte[] path, byte[] how, long size)
      throws LastErrorException;

  static native int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

  static native long write(int fd, byte[] buffer, long count) throws LastErrorException;

  /** Into native memory: a Java array would be copied whole to and from native memory each call. */
  static native long read(int fd, com.sun.jna.Pointer buffer, long count) throws LastErrorException;

  static native int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

  static native int renameat(int fromDirfd, byte[] from, int toDirfd, byte[] to)
      throws LastErrorException;

  static native int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

  static native int symlinkat(byte[] target, int dirfd, byte[] linkPath) throws LastErrorException;

  static native int linkat(int fromDirfd, byte[] from, int toDirfd, byte[] to, int flags)
      throws LastErrorException;

  static native int mknodat(int dirfd, byte[] path, int mode, long dev) throws LastErrorException;

  static native int fchownat(int dirfd, byte[] path, int uid, int gid, int flags)
      throws LastErrorException;

  static native int fsetxattr(int fd, byte[] name, byte[] value, long size, int flags)
      throws LastErrorException;

  static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] buffer)
      throws LastErrorException;

  static native int open(byte[] path, int flags, int mode) throws LastErrorException;

  static native long readlink(byte[] path, byte[] buffer, long size) throws LastErrorException;

  static native long readlinkat(int dirfd, byte[] path, byte[] buffer, long size)
      throws LastErrorException;

  static native int symlink(byte[] target, byte[] linkPath) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  static native long lseek(int fd, long offset, int whence) throws LastErrorException;

  static native long copy_file_range(int fdIn, long[] offIn, int fdOut, long[] offOut, long len,
      int flags) throws LastErrorException;

  static native long sendfile(int outFd, int inFd, long[] offset, long count)
      throws LastErrorException;

  static native int ioctl(int fd, long request, int arg) throws LastErrorException;

  static native int ftruncate(int fd, long length) throws LastErrorException;

  static native int fchmod(int fd, int mode) throws LastErrorException;

  static native int fchown(int fd, int uid, int gid) throws LastErrorException;

  static native int futimens(int fd, long[] times) throws LastErrorException;

  static native int utimensat(int dirfd, byte[] path, long[] times, int flags)
      throws LastErrorException;

  static native int fchmodat(int dirfd, byte[] path, int mode, int flags) throws LastErrorException;

  static native int lchown(byte[] path, int uid, int gid) throws LastErrorException;

  static native int mknod(byte[] path, int mode, long dev) throws LastErrorException;

  static native long llistxattr(byte[] path, byte[] list, long size) throws LastErrorException;

  static native long lgetxattr(byte[] path, byte[] name, byte[] value, long size)
      throws LastErrorException;

  static native int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags)
      throws LastErrorException;

  static native int lremovexattr(byte[] path, byte[] name) throws LastErrorException;

  /** Listing a directory in one call per buffer of names; glibc 2.30 and later. */
  static final class Directories {
    static final boolean AVAILABLE;

    static {
      AVAILABLE = LinuxLibc.AVAILABLE && register(Directories.class);
    }

    private Directories() {}

    static native long getdents64(int fd, com.sun.jna.Pointer buffer, long size) throws LastErrorException;
  }

  /**
   * Calls whose failure is an expected answer (a name that is not there yet): they return -1
   * and leave errno in {@link Native#getLastError()} instead of throwing, since building an
   * exception with its stack trace costs more than the call itself.
   */
  static final class Quiet {
    static final boolean AVAILABLE;

    static {
      AVAILABLE = LinuxLibc.AVAILABLE && register(Quiet.class);
    }

    /** fchmodat2(2), Linux 6.6: the only chmod that takes AT_SYMLINK_NOFOLLOW without a detour. */
    static final long SYS_FCHMODAT2 = 452;

    private Quiet() {}

    static native int statx(int dirfd, byte[] path, int flags, int mask, byte[] buffer);

    static native int mkdirat(int dirfd, byte[] path, int mode);

    static native long syscall(long number, int dirfd, byte[] path, int mode, int flags);

    /** Refused between some file systems (EXDEV across types since Linux 5.19): asked per file. */
    static native long copy_file_range(int fdIn, long[] offIn, int fdOut, long[] offOut, long len, int flags);
  }
}
