package dev.linksafe.platform;

import com.sun.jna.LastErrorException;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Linux through glibc: statx for status, copy_file_range (or a FICLONE reflink) for contents
 * with holes kept, and the l*xattr calls for extended attributes. Every call acts on the name
 * itself and never follows a link at the last component.
 */
public class LinuxFileSystemAccess extends NioFileSystemAccess {

  /** Files smaller than this are copied flat: looking for holes costs more than it saves. */
  private static final long SPARSE_THRESHOLD = 64 * 1024;
  private static final long COPY_CHUNK = 1L << 30;
  private static final Charset NAME_CHARSET = Charset.forName(
      System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));
  private static final ThreadLocal<byte[]> STATX_BUFFER = ThreadLocal.withInitial(() -> new byte[256]);

  private volatile boolean copyFileRangeWorks = true;

  static boolean isAvailable() {
    return LinuxLibc.AVAILABLE;
  }

  static byte[] cPath(Path path) {
    byte[] s = path.toString().getBytes(NAME_CHARSET);
    byte[] c = new byte[s.length + 1];
    System.arraycopy(s, 0, c, 0, s.length);
    return c;
  }

  static byte[] cString(String s) {
    byte[] b = s.getBytes(NAME_CHARSET);
    byte[] c = new byte[b.length + 1];
    System.arraycopy(b, 0, c, 0, b.length);
    return c;
  }

  static IOException error(LastErrorException e, Path path, String what) {
    return error(e.getErrorCode(), path, what);
  }

  static IOException error(int errno, Path path, String what) {
    String file = path.toString();
    String reason = what + ": " + strerror(errno);
    switch (errno) {
      case 2: return new NoSuchFileException(file, null, reason);
      case 13: case 1: return new AccessDeniedException(file, null, reason);
      case 17: return new FileAlreadyExistsException(file, null, reason);
      default: return new FileSystemException(file, null, reason);
    }
  }

  private static String strerror(int errno) {
    switch (errno) {
      case 1: return "EPERM (operation not permitted)";
      case 2: return "ENOENT (no such file or directory)";
      case 5: return "EIO (input/output error)";
      case 13: return "EACCES (permission denied)";
      case 17: return "EEXIST (file exists)";
      case 18: return "EXDEV (cross-device link)";
      case 20: return "ENOTDIR (not a directory)";
      case 28: return "ENOSPC (no space left on device)";
      case 31: return "EMLINK (too many links)";
      case 40: return "ELOOP (too many levels of symbolic links)";
      case 95: return "EOPNOTSUPP (operation not supported)";
      case 122: return "EDQUOT (disk quota exceeded)";
      default: return "errno " + errno;
    }
  }

  @Override
  public FileStatus stat(Path path) throws IOException {
    byte[] b = STATX_BUFFER.get();
    try {
      LinuxLibc.statx(LinuxLibc.AT_FDCWD, cPath(path),
          LinuxLibc.AT_SYMLINK_NOFOLLOW | LinuxLibc.AT_NO_AUTOMOUNT, LinuxLibc.STATX_BASIC_STATS, b);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LinuxLibc.ENOSYS) {
        return super.stat(path);
      }
      throw error(e, path, "cannot read status");
    }
    ByteBuffer s = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    int mode = s.getShort(28) & 0xffff;
    return new FileStatus(
        kindOfMode(mode),
        new FileId(makedev(s.getInt(136), s.getInt(140)), s.getLong(32)),
        s.getLong(40),
        timestamp(s, 112),
        timestamp(s, 64),
        timestamp(s, 96),
        s.getInt(16),
        mode & 07777,
        s.getInt(20),
        s.getInt(24),
        makedev(s.getInt(128), s.getInt(132)));
  }

  private static long timestamp(ByteBuffer s, int offset) {
    return s.getLong(offset) * 1_000_000_000L + (s.getInt(offset + 8) & 0xffffffffL);
  }

  /** glibc's encoding of a device number, so that values match st_dev and st_rdev. */
  static long makedev(int major, int minor) {
    long ma = major & 0xffffffffL;
    long mi = minor & 0xffffffffL;
    return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
  }

  @Override
  public long copyFile(Path source, Path target, FileStatus like, ReflinkMode reflink,
      boolean owner, Map<String, byte[]> xattrs) throws IOException {
    int in;
    try {
      in = LinuxLibc.open(cPath(source), LinuxLibc.O_RDONLY | LinuxLibc.O_NOFOLLOW | LinuxLibc.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw error(e, source, "cannot open for reading");
    }
    try {
      checkSameFile(in, source, like);
      int out;
      try {
        out = LinuxLibc.open(cPath(target), LinuxLibc.O_WRONLY | LinuxLibc.O_CREAT | LinuxLibc.O_EXCL
            | LinuxLibc.O_NOFOLLOW | LinuxLibc.O_CLOEXEC, 0600);
      } catch (LastErrorException e) {
        throw error(e, target, "cannot create");
      }
      boolean closed = false;
      try {
        long copied = copyOpen(in, out, source, target, like.size(), reflink);
        // chown drops security.capability and set-id bits: owner first, then attributes, then mode
        if (owner && like.uid() >= 0) {
          try {
            LinuxLibc.fchown(out, like.uid(), like.gid());
          } catch (LastErrorException e) {
            throw error(e, target, "cannot set owner");
          }
        }
        if (!xattrs.isEmpty()) {
          writeXattrs(target, xattrs);
        }
        setMetadata(out, target, like, false);
        closed = true;
        try {
          LinuxLibc.close(out);
        } catch (LastErrorException e) {
          // NFS and FUSE report write errors as late as close
          throw error(e, target, "cannot finish writing");
        }
        return copied;
      } finally {
        if (!closed) {
          closeQuietly(out);
        }
      }
    } finally {
      closeQuietly(in);
    }
  }

  /** Refuses to copy a file that was replaced between the walk and the open. */
  private static void checkSameFile(int fd, Path source, FileStatus like) throws IOException {
    byte[] b = STATX_BUFFER.get();
    try {
      LinuxLibc.statx(fd, new byte[1], LinuxLibc.AT_EMPTY_PATH, LinuxLibc.STATX_BASIC_STATS, b);
    } catch (LastErrorException e) {
      return; // no statx on descriptors: the walk's view stands
    }
    ByteBuffer s = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
    FileId opened = new FileId(makedev(s.getInt(136), s.getInt(140)), s.getLong(32));
    if (!opened.equals(like.id())) {
      throw new FileSystemException(source.toString(), null,
          "changed during the copy (replaced by another file); skipped, the next run copies it");
    }
  }

  private long copyOpen(int in, int out, Path source, Path target, long size, ReflinkMode reflink)
      throws IOException {
    if (reflink == ReflinkMode.ALWAYS) {
      try {
        LinuxLibc.ioctl(out, LinuxLibc.FICLONE, in);
        return size;
      } catch (LastErrorException e) {
        throw error(e, target, "cannot clone (reflink) from " + source);
      }
    }
    // copy_file_range lets the kernel share extents where it can (btrfs, xfs, NFS server-side
    // copy); sendfile always writes the bytes, as --reflink=never promises
    boolean mayShare = reflink == ReflinkMode.AUTO;
    if (size < SPARSE_THRESHOLD) {
      return copyRange(in, out, 0, size, source, target, mayShare);
    }
    long copied = 0;
    long offset = 0;
    while (offset < size) {
      long data;
      try {
        data = LinuxLibc.lseek(in, offset, LinuxLibc.SEEK_DATA);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LinuxLibc.ENXIO) {
          break; // only a hole remains
        }
        // no hole support: copy the rest flat
        copied += copyRange(in, out, offset, Long.MAX_VALUE, source, target, mayShare);
        return copied;
      }
      long hole;
      try {
        hole = LinuxLibc.lseek(in, data, LinuxLibc.SEEK_HOLE);
      } catch (LastErrorException e) {
        hole = size;
      }
      copied += copyRange(in, out, data, hole - data, source, target, mayShare);
      offset = hole;
    }
    try {
      LinuxLibc.ftruncate(out, Math.max(size, offset));
    } catch (LastErrorException e) {
      throw error(e, target, "cannot set size");
    }
    return copied;
  }

  /** Copies up to {@code length} bytes from {@code offset} (to end of file when the source ends). */
  private long copyRange(int in, int out, long offset, long length, Path source, Path target,
      boolean mayShare) throws IOException {
    long[] inOff = {offset};
    long[] outOff = {offset};
    long done = 0;
    boolean useCopyFileRange = mayShare && copyFileRangeWorks;
    while (done < length) {
      long want = Math.min(COPY_CHUNK, length - done);
      long n;
      try {
        n = useCopyFileRange ? LinuxLibc.copy_file_range(in, inOff, out, outOff, want, 0)
            : sendfileAt(in, out, inOff, outOff, want);
      } catch (LastErrorException e) {
        int errno = e.getErrorCode();
        if (errno == LinuxLibc.EINTR) {
          continue;
        }
        if (useCopyFileRange && (errno == LinuxLibc.EXDEV || errno == LinuxLibc.ENOSYS
            || errno == LinuxLibc.EINVAL || errno == LinuxLibc.EOPNOTSUPP || errno == LinuxLibc.EPERM
            || errno == LinuxLibc.EBADF)) {
          // refused between some file systems (FUSE, old kernels): sendfile does the same work
          if (errno == LinuxLibc.ENOSYS) {
            copyFileRangeWorks = false;
          }
          useCopyFileRange = false;
          continue;
        }
        boolean full = errno == 28 || errno == 122;
        throw error(errno, full ? target : source, full ? "cannot write" : "cannot copy bytes to " + target);
      }
      if (n == 0) {
        break;
      }
      done += n;
    }
    return done;
  }

  private static long sendfileAt(int in, int out, long[] inOff, long[] outOff, long want)
      throws LastErrorException {
    LinuxLibc.lseek(out, outOff[0], 0);
    long n = LinuxLibc.sendfile(out, in, inOff, want);
    outOff[0] += n;
    return n;
  }

  private static void closeQuietly(int fd) {
    try {
      LinuxLibc.close(fd);
    } catch (LastErrorException ignored) {
      // nothing useful to do: the data was already written or the error reported
    }
  }

  /**
   * Reads a symlink's target as the kernel stores it. A target that is not valid in the file-name
   * encoding is refused rather than copied altered.
   */
  @Override
  public String readSymlink(Path path) throws IOException {
    byte[] c = cPath(path);
    byte[] buffer = new byte[4096];
    long n;
    while (true) {
      try {
        n = LinuxLibc.readlink(c, buffer, buffer.length);
      } catch (LastErrorException e) {
        throw error(e, path, "cannot read link");
      }
      if (n < buffer.length) {
        break;
      }
      // readlink cuts a target that fills the buffer: read it again with more room
      buffer = new byte[buffer.length * 2];
    }
    java.nio.charset.CharsetDecoder decoder = NAME_CHARSET.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    try {
      return decoder.decode(ByteBuffer.wrap(buffer, 0, (int) n)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new FileSystemException(path.toString(), null,
          "symlink target has bytes that are not valid " + NAME_CHARSET + "; not copied");
    }
  }

  /** Creates a symlink whose target is exactly these characters: no path normalisation. */
  @Override
  public void createSymlink(Path link, String target) throws IOException {
    try {
      LinuxLibc.symlink(cString(target), cPath(link));
    } catch (LastErrorException e) {
      throw error(e, link, "cannot create symlink");
    }
  }

  @Override
  public void createSpecial(Path path, FileStatus like) throws IOException {
    int type;
    switch (like.kind()) {
      case FIFO: type = 0010000; break;
      case CHARACTER_DEVICE: type = 0020000; break;
      case BLOCK_DEVICE: type = 0060000; break;
      case SOCKET: type = 0140000; break;
      default: throw new IllegalArgumentException("not a special file: " + like.kind());
    }
    try {
      LinuxLibc.mknod(cPath(path), type | (like.mode() & 0777), like.rdev());
    } catch (LastErrorException e) {
      throw error(e, path, "cannot create " + like.kind().name().toLowerCase().replace('_', ' '));
    }
  }

  private static void setMetadata(int fd, Path path, FileStatus like, boolean owner) throws IOException {
    try {
      if (owner && like.uid() >= 0) {
        LinuxLibc.fchown(fd, like.uid(), like.gid());
      }
      LinuxLibc.fchmod(fd, like.mode() & 07777);
      LinuxLibc.futimens(fd, times(like));
    } catch (LastErrorException e) {
      throw error(e, path, "cannot set metadata");
    }
  }

  private static long[] times(FileStatus like) {
    return new long[] {
      Math.floorDiv(like.accessedNanos(), 1_000_000_000L), Math.floorMod(like.accessedNanos(), 1_000_000_000L),
      Math.floorDiv(like.modifiedNanos(), 1_000_000_000L), Math.floorMod(like.modifiedNanos(), 1_000_000_000L)};
  }

  @Override
  public void setMetadata(Path path, FileStatus like, boolean owner) throws IOException {
    byte[] c = cPath(path);
    try {
      if (owner && like.uid() >= 0) {
        LinuxLibc.lchown(c, like.uid(), like.gid());
      }
      if (like.kind() != EntryKind.SYMLINK) {
        // after chown, which clears set-id bits
        LinuxLibc.fchmodat(LinuxLibc.AT_FDCWD, c, like.mode() & 07777, 0);
      }
      LinuxLibc.utimensat(LinuxLibc.AT_FDCWD, c, times(like), LinuxLibc.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException e) {
      throw error(e, path, "cannot set metadata");
    }
  }

  @Override
  public Map<String, byte[]> readXattrs(Path path) throws IOException {
    byte[] c = cPath(path);
    Map<String, byte[]> result = new LinkedHashMap<>();
    byte[] names;
    try {
      long size = LinuxLibc.llistxattr(c, null, 0);
      if (size <= 0) {
        return result;
      }
      names = new byte[(int) size];
      size = LinuxLibc.llistxattr(c, names, names.length);
      names = java.util.Arrays.copyOf(names, (int) size);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LinuxLibc.ENOTSUP || e.getErrorCode() == LinuxLibc.ERANGE) {
        return result;
      }
      throw error(e, path, "cannot list extended attributes");
    }
    int start = 0;
    for (int i = 0; i < names.length; i++) {
      if (names[i] == 0) {
        String name = new String(names, start, i - start, NAME_CHARSET);
        start = i + 1;
        byte[] value = readXattr(c, name, path);
        if (value != null) {
          result.put(name, value);
        }
      }
    }
    return result;
  }

  /** Reads one attribute, or null when it vanished meanwhile. */
  byte[] readXattr(byte[] c, String name, Path path) throws IOException {
    byte[] cname = cString(name);
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        long size = LinuxLibc.lgetxattr(c, cname, null, 0);
        byte[] value = new byte[(int) size];
        long read = LinuxLibc.lgetxattr(c, cname, value, value.length);
        return read == size ? value : java.util.Arrays.copyOf(value, (int) read);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LinuxLibc.ENODATA) {
          return null;
        }
        if (e.getErrorCode() != LinuxLibc.ERANGE) {
          throw error(e, path, "cannot read extended attribute " + name);
        }
      }
    }
    throw new FileSystemException(path.toString(), null, "extended attribute keeps changing: " + name);
  }

  @Override
  public void writeXattrs(Path path, Map<String, byte[]> xattrs) throws IOException {
    byte[] c = cPath(path);
    for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
      byte[] value = x.getValue();
      try {
        LinuxLibc.lsetxattr(c, cString(x.getKey()), value, value.length, 0);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LinuxLibc.ENOTSUP) {
          continue; // this volume cannot hold this attribute: nothing to keep
        }
        throw error(e, path, "cannot set extended attribute " + x.getKey());
      }
    }
  }
}
