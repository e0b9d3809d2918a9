package dev.linksafe.platform;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.DirectoryStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
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
  private static final boolean NAME_IS_UTF8 = NAME_CHARSET.equals(java.nio.charset.StandardCharsets.UTF_8);
  private static final ThreadLocal<byte[]> STATX_BUFFER = ThreadLocal.withInitial(() -> new byte[256]);

  private volatile boolean copyFileRangeWorks = true;
  /** False once the kernel (older than 5.6, or a sandbox) refuses openat2. */
  private static volatile boolean openat2Works = true;
  /** The confinement root with every link in it resolved, or null. */
  private final Path realConfinement;

  public LinuxFileSystemAccess() {
    this(null);
  }

  protected LinuxFileSystemAccess(Path confinement) {
    super(confinement);
    this.realConfinement = this.confinement == null ? null : realPathOf(this.confinement);
  }

  @Override
  public FileSystemAccess confinedTo(Path root) {
    return new LinuxFileSystemAccess(root);
  }

  /** The real path of {@code path}, which need not exist: its longest existing part resolved. */
  static Path realPathOf(Path path) {
    Path existing = path;
    while (existing != null && !java.nio.file.Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return path;
    }
    try {
      return existing.toRealPath().resolve(existing.relativize(path));
    } catch (IOException e) {
      return path;
    }
  }

  /**
   * A directory descriptor and a last name: where a write to a path lands. Below the confinement
   * root the directory is opened without following any link on the way, so what is written
   * there stays inside the root even if a directory is swapped for a link meanwhile.
   */
  final class At implements AutoCloseable {
    final int dirFd;
    final byte[] name;
    final Path path;
    /** Whether closing this closes the descriptor: not when it is a thread's kept way. */
    private final boolean owned;

    At(int dirFd, byte[] name, Path path) {
      this(dirFd, name, path, true);
    }

    At(int dirFd, byte[] name, Path path, boolean owned) {
      this.dirFd = dirFd;
      this.name = name;
      this.path = path;
      this.owned = owned;
    }

    /** A name for path-only calls (xattrs): the descriptor's directory through /proc. */
    byte[] procPath() {
      if (dirFd == LinuxLibc.AT_FDCWD) {
        return name;
      }
      byte[] prefix = ("/proc/self/fd/" + dirFd + "/").getBytes(StandardCharsets.US_ASCII);
      byte[] c = new byte[prefix.length + name.length];
      System.arraycopy(prefix, 0, c, 0, prefix.length);
      System.arraycopy(name, 0, c, prefix.length, name.length);
      return c;
    }

    @Override
    public void close() {
      if (owned && dirFd != LinuxLibc.AT_FDCWD) {
        closeQuietly(dirFd);
      }
    }
  }

  /**
   * The directory a thread wrote into last, kept open: a file is made there, then renamed into
   * place, then given its times, all in one directory. A kept descriptor is still the directory
   * found without links when it was opened, wherever that directory is now, so nothing written
   * through it can leave DST by a link; it is dropped when this access deletes a directory or
   * moves a name to another directory, which could make it name another place.
   */
  private static final class KeptWay {
    Path parent;
    int fd = -1;
    long generation;

    synchronized void close() {
      if (fd >= 0) {
        closeQuietly(fd);
        fd = -1;
      }
    }
  }

  private final AtomicLong wayGeneration = new AtomicLong();
  /** Per thread: the directory written into last, and the one a hard link was made from last. */
  private final ThreadLocal<KeptWay[]> keptWay = new ThreadLocal<>();
  private final Queue<KeptWay> keptWays = new ConcurrentLinkedQueue<>();

  /** Closes the directories kept open by confined writes. */
  @Override
  public void close() {
    for (KeptWay way; (way = keptWays.poll()) != null; ) {
      way.close();
    }
  }

  /** The most bytes of a path handed to the kernel at once: PATH_MAX is 4096 with its NUL. */
  static final int MAX_PATH_BYTES = 4000;

  /** Where a write to {@code path} lands; see {@link At}. */
  At at(Path path) throws IOException {
    return at(path, WRITTEN);
  }

  private static final int UNKEPT = -1;
  private static final int WRITTEN = 0;
  private static final int LINKED_FROM = 1;

  /** As {@link #at(Path)}; {@code slot} names the thread's kept directory to use, or none. */
  private At at(Path path, int slot) throws IOException {
    Path parent = confinedParent(path);
    if (parent == null) {
      return reading(path);
    }
    byte[] name = cName(path);
    if (slot == UNKEPT) {
      return new At(openDirectory(path, realConfinement.resolve(confinement.relativize(parent)), true),
          name, path);
    }
    KeptWay[] ways = keptWay.get();
    if (ways == null) {
      ways = new KeptWay[] {new KeptWay(), new KeptWay()};
      keptWay.set(ways);
      keptWays.add(ways[0]);
      keptWays.add(ways[1]);
    }
    KeptWay way = ways[slot];
    long generation = wayGeneration.get();
    if (way.fd < 0 || way.generation != generation || !parent.equals(way.parent)) {
      way.close();
      way.fd = openDirectory(path, realConfinement.resolve(confinement.relativize(parent)), true);
      way.parent = parent;
      way.generation = generation;
    }
    return new At(way.fd, name, path, false);
  }

  /**
   * Where a read of {@code path} looks: the whole path when the kernel takes it in one piece,
   * else (a tree deeper than PATH_MAX) its directory opened piece by piece.
   */
  At reading(Path path) throws IOException {
    byte[] c = cPath(path);
    if (c.length <= MAX_PATH_BYTES || path.getParent() == null) {
      return new At(LinuxLibc.AT_FDCWD, c, path);
    }
    int fd = openDirectory(path, path.toAbsolutePath().getParent(), false);
    return new At(fd, cName(path), path);
  }

  /** {@code path} split into pieces the kernel takes, the first one absolute. */
  static List<byte[]> pieces(Path path) {
    Path absolute = path.toAbsolutePath();
    byte[] whole = cPath(absolute);
    if (whole.length <= MAX_PATH_BYTES) {
      return List.of(whole);
    }
    List<byte[]> pieces = new ArrayList<>();
    java.io.ByteArrayOutputStream piece = new java.io.ByteArrayOutputStream();
    piece.write('/');
    boolean slash = true;
    for (Path name : path.toAbsolutePath()) {
      byte[] n = rawBytes(name);
      if (piece.size() > 1 && piece.size() + n.length + 1 > MAX_PATH_BYTES) {
        piece.write(0);
        pieces.add(piece.toByteArray());
        piece.reset();
        slash = true;
      }
      if (!slash) {
        piece.write('/');
      }
      piece.write(n, 0, n.length);
      slash = false;
    }
    piece.write(0);
    pieces.add(piece.toByteArray());
    return pieces;
  }

  /**
   * Opens the directory {@code dir} (O_PATH) in pieces the kernel takes; with {@code noLinks}
   * no name on the way may be a link (a write's way below the confinement root).
   */
  private int openDirectory(Path path, Path dir, boolean noLinks) throws IOException {
    return openDirectory(path, dir, noLinks, LinuxLibc.O_PATH | LinuxLibc.O_DIRECTORY | LinuxLibc.O_CLOEXEC);
  }

  /** As {@link #openDirectory(Path, Path, boolean)}, the directory itself opened with {@code flags}. */
  private int openDirectory(Path path, Path dir, boolean noLinks, int flags) throws IOException {
    int wayFlags = LinuxLibc.O_PATH | LinuxLibc.O_DIRECTORY | LinuxLibc.O_CLOEXEC;
    int fd = LinuxLibc.AT_FDCWD;
    try {
      List<byte[]> pieces = pieces(dir);
      for (int i = 0; i < pieces.size(); i++) {
        byte[] piece = pieces.get(i);
        int pieceFlags = i == pieces.size() - 1 ? flags : wayFlags;
        int next = noLinks ? openWithoutLinks(fd, piece, pieceFlags, path)
            : LinuxLibc.openat(fd, piece, pieceFlags, 0);
        if (fd != LinuxLibc.AT_FDCWD) {
          closeQuietly(fd);
        }
        fd = next;
      }
      return fd;
    } catch (LastErrorException e) {
      if (fd != LinuxLibc.AT_FDCWD) {
        closeQuietly(fd);
      }
      throw error(e, path, "cannot open its directory");
    } catch (IOException e) {
      if (fd != LinuxLibc.AT_FDCWD) {
        closeQuietly(fd);
      }
      throw e;
    }
  }

  /** openat2 with RESOLVE_NO_SYMLINKS, or name after name with O_NOFOLLOW where it is missing. */
  private static int openWithoutLinks(int dirFd, byte[] piece, int flags, Path path) throws IOException {
    if (openat2Works) {
      ByteBuffer how = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
      how.putLong(0, flags).putLong(8, 0).putLong(16, LinuxLibc.RESOLVE_NO_SYMLINKS);
      for (int attempt = 0; ; attempt++) {
        try {
          return (int) LinuxLibc.syscall(LinuxLibc.SYS_OPENAT2, dirFd, piece, how.array(), 24);
        } catch (LastErrorException e) {
          int errno = e.getErrorCode();
          if (errno == LinuxLibc.ELOOP || errno == LinuxLibc.ENOTDIR) {
            throw linkOnTheWay(path, null);
          }
          if (errno == LinuxLibc.EAGAIN && attempt < 10) {
            continue;
          }
          if (errno != LinuxLibc.ENOSYS && errno != LinuxLibc.EPERM) {
            throw error(e, path, "cannot open its directory");
          }
          openat2Works = false;
          break;
        }
      }
    }
    int fd = dirFd;
    try {
      if (piece[0] == '/') {
        fd = LinuxLibc.openat(LinuxLibc.AT_FDCWD, cString("/"), flags, 0);
      }
      // name by name, split on the bytes: a name need not be valid in the name encoding
      int start = 0;
      for (int i = 0; i < piece.length; i++) {
        if (piece[i] != '/' && piece[i] != 0) {
          continue;
        }
        if (i > start) {
          byte[] name = java.util.Arrays.copyOfRange(piece, start, i + 1);
          name[name.length - 1] = 0;
          int next = LinuxLibc.openat(fd, name, flags | LinuxLibc.O_NOFOLLOW, 0);
          if (fd != dirFd) {
            closeQuietly(fd);
          }
          fd = next;
        }
        start = i + 1;
      }
      return fd;
    } catch (LastErrorException e) {
      if (fd != dirFd) {
        closeQuietly(fd);
      }
      int errno = e.getErrorCode();
      if (errno == LinuxLibc.ELOOP || errno == LinuxLibc.ENOTDIR) {
        throw linkOnTheWay(path, null);
      }
      throw error(e, path, "cannot open its directory");
    }
  }

  /** Reads a file; one deeper than the kernel takes in one path is opened piece by piece. */
  @Override
  public java.io.InputStream newInputStream(Path file) throws IOException {
    return new DescriptorInputStream(openRegularFile(file), file);
  }

  /**
   * Reads a descriptor through a thread's native buffer, in one call a read; closes it once.
   * The JDK's stream took a channel, a set of options, a cleaner and a copy through its own
   * native buffer for each file: most of archive's reading thread, which opens every small file.
   */
  private static final class DescriptorInputStream extends java.io.InputStream {
    private final int fd;
    private final Path path;
    private boolean closed;

    DescriptorInputStream(int fd, Path path) {
      this.fd = fd;
      this.path = path;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (closed) {
        throw new IOException("stream closed");
      }
      if (len == 0) {
        return 0;
      }
      com.sun.jna.Memory memory = READ_MEMORY.get();
      while (true) {
        long n;
        try {
          n = LinuxLibc.read(fd, memory, Math.min(len, memory.size()));
        } catch (LastErrorException e) {
          if (e.getErrorCode() == LinuxLibc.EINTR) {
            continue;
          }
          throw error(e, path, "cannot read");
        }
        if (n <= 0) {
          return -1;
        }
        memory.read(0, b, off, (int) n);
        return (int) n;
      }
    }

    /** Skips by moving the file offset: a sparse file's holes are not read as zeros. */
    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      try {
        LinuxLibc.lseek(fd, n, LinuxLibc.SEEK_CUR);
      } catch (LastErrorException e) {
        throw error(e, path, "cannot read");
      }
      return n;
    }

    @Override
    public long transferTo(java.io.OutputStream out) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      long total = 0;
      for (int n; (n = read(buffer, 0, buffer.length)) > 0; ) {
        out.write(buffer, 0, n);
        total += n;
      }
      return total;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        closeQuietly(fd);
      }
    }
  }

  /**
   * Opens a regular file for reading: a link at the name is not followed (O_NOFOLLOW), and
   * anything else swapped in for the file since it was looked at (a FIFO, whose open or read
   * would wait for a writer forever; a device) is refused (O_NONBLOCK, then its type).
   */
  private int openRegularFile(Path file) throws IOException {
    int fd;
    try (At at = reading(file)) {
      fd = LinuxLibc.openat(at.dirFd, at.name,
          LinuxLibc.O_RDONLY | LinuxLibc.O_NOFOLLOW | LinuxLibc.O_CLOEXEC | LinuxLibc.O_NONBLOCK, 0);
    } catch (LastErrorException e) {
      throw error(e, file, "cannot open for reading");
    }
    byte[] b = STATX_BUFFER.get();
    try {
      LinuxLibc.statx(fd, new byte[1], LinuxLibc.AT_EMPTY_PATH, LinuxLibc.STATX_BASIC_STATS, b);
    } catch (LastErrorException e) {
      return fd; // no statx on descriptors (a very old kernel): as before
    }
    int mode = statxMode(b) & 0xf000;
    if (mode != 0100000) {
      closeQuietly(fd);
      throw new FileSystemException(file.toString(), null, "is no longer a regular file (replaced since it was looked at)");
    }
    return fd;
  }

  /** Native memory a descriptor stream reads into, a thread's own. */
  private static final ThreadLocal<com.sun.jna.Memory> READ_MEMORY =
      ThreadLocal.withInitial(() -> new com.sun.jna.Memory(256 * 1024));

  /**
   * Lists a directory; one deeper than the kernel takes in one path is opened piece by piece and
   * listed through /proc. The children are named under {@code dir} either way.
   */
  @Override
  public DirectoryStream<Path> newDirectoryStream(Path dir) throws IOException {
    if (cPath(dir).length <= MAX_PATH_BYTES) {
      return super.newDirectoryStream(dir);
    }
    int fd = openDirectory(dir, dir.toAbsolutePath(), false);
    DirectoryStream<Path> listed;
    try {
      listed = java.nio.file.Files.newDirectoryStream(Path.of("/proc/self/fd/" + fd));
    } finally {
      closeQuietly(fd); // the listing opened its own descriptor
    }
    return new DirectoryStream<>() {
      @Override
      public java.util.Iterator<Path> iterator() {
        java.util.Iterator<Path> names = listed.iterator();
        return new java.util.Iterator<>() {
          @Override
          public boolean hasNext() {
            return names.hasNext();
          }

          @Override
          public Path next() {
            return dir.resolve(names.next().getFileName().toString());
          }
        };
      }

      @Override
      public void close() throws IOException {
        listed.close();
      }
    };
  }

  @Override
  public java.io.OutputStream createFile(Path path) throws IOException {
    return new DescriptorOutputStream(createNew(path), path, null, false);
  }

  @Override
  public java.io.OutputStream createFile(Path path, FileStatus like, boolean owner) throws IOException {
    return new DescriptorOutputStream(createNew(path), path, like, owner);
  }

  @Override
  public SparseOutput createSparseFile(Path path, FileStatus like, boolean owner) throws IOException {
    DescriptorOutputStream file = new DescriptorOutputStream(createNew(path), path, like, owner);
    return new SparseOutput(file) {
      @Override
      public void hole(long length) throws IOException {
        file.hole(length);
      }
    };
  }

  /** Creates a new file, owner-only, for writing; an existing name (never followed) is an error. */
  int createNew(Path path) throws IOException {
    try (At at = at(path)) {
      return LinuxLibc.openat(at.dirFd, at.name, LinuxLibc.O_WRONLY | LinuxLibc.O_CREAT
          | LinuxLibc.O_EXCL | LinuxLibc.O_NOFOLLOW | LinuxLibc.O_CLOEXEC, 0600);
    } catch (LastErrorException e) {
      throw error(e, path, "cannot create");
    }
  }

  /** Writes to a descriptor in large chunks; close reports errors that only show then (NFS, FUSE). */
  private static final class DescriptorOutputStream extends java.io.OutputStream {
    private final int fd;
    private final Path path;
    /** What the file becomes once written, or null. */
    private final FileStatus like;
    private final boolean owner;
    private byte[] buffer = new byte[8 * 1024];
    private int filled;
    private boolean closed;
    /** Whether the file ends in a hole, which only a final length makes part of it. */
    private boolean endsInHole;

    DescriptorOutputStream(int fd, Path path, FileStatus like, boolean owner) {
      this.fd = fd;
      this.path = path;
      this.like = like;
      this.owner = owner;
    }

    /** Grows the buffer for a large file: small files, the most, then cost little memory. */
    private void grow() {
      if (buffer.length < 256 * 1024) {
        buffer = java.util.Arrays.copyOf(buffer, buffer.length * 4);
      }
    }

    @Override
    public void write(int b) throws IOException {
      if (filled == buffer.length) {
        drain();
        grow();
      }
      buffer[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (filled == buffer.length) {
          drain();
          grow();
        }
        int n = Math.min(len, buffer.length - filled);
        System.arraycopy(b, off, buffer, filled, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    /** Moves {@code length} bytes on without writing them: a hole, where the file system can. */
    void hole(long length) throws IOException {
      drain();
      if (length <= 0) {
        return;
      }
      try {
        LinuxLibc.lseek(fd, length, LinuxLibc.SEEK_CUR);
      } catch (LastErrorException e) {
        throw error(e, path, "cannot write");
      }
      endsInHole = true;
    }

    private void drain() throws IOException {
      if (filled > 0) {
        endsInHole = false;
      }
      int done = 0;
      while (done < filled) {
        if (done > 0) {
          System.arraycopy(buffer, done, buffer, 0, filled - done);
          filled -= done;
          done = 0;
        }
        try {
          done += (int) LinuxLibc.write(fd, buffer, filled);
        } catch (LastErrorException e) {
          if (e.getErrorCode() != LinuxLibc.EINTR) {
            throw error(e, path, "cannot write");
          }
        }
      }
      filled = 0;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        drain();
        if (endsInHole) {
          try {
            LinuxLibc.ftruncate(fd, LinuxLibc.lseek(fd, 0, LinuxLibc.SEEK_CUR));
          } catch (LastErrorException e) {
            throw error(e, path, "cannot write");
          }
        }
        if (like != null) {
          setMetadata(fd, path, like, owner);
        }
      } catch (IOException e) {
        closeQuietly(fd);
        throw e;
      }
      try {
        LinuxLibc.close(fd);
      } catch (LastErrorException e) {
        throw error(e, path, "cannot finish writing");
      }
    }
  }

  @Override
  public void createDirectory(Path dir, int mode) throws IOException {
    try (At at = at(dir)) {
      LinuxLibc.mkdirat(at.dirFd, at.name, mode);
    } catch (LastErrorException e) {
      throw error(e, dir, "cannot create directory");
    }
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    boolean sameDirectory = java.util.Objects.equals(from.getParent(), to.getParent());
    // a file's temporary name renamed into place moves no directory: kept ways stay right
    if (!sameDirectory || !TempNames.isTemporary(from.getFileName().toString())) {
      wayGeneration.incrementAndGet();
    }
    try (At b = at(to)) {
      if (sameDirectory) {
        // one directory for both names: resolved once
        byte[] fromName = b.dirFd == LinuxLibc.AT_FDCWD ? cPath(from) : cName(from);
        LinuxLibc.renameat(b.dirFd, fromName, b.dirFd, b.name);
      } else {
        try (At a = at(from, UNKEPT)) {
          LinuxLibc.renameat(a.dirFd, a.name, b.dirFd, b.name);
        }
      }
    } catch (LastErrorException e) {
      throw error(e, to, "cannot rename " + from + " to it");
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    try (At at = at(path)) {
      try {
        LinuxLibc.unlinkat(at.dirFd, at.name, 0);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != LinuxLibc.EISDIR) {
          throw e;
        }
        wayGeneration.incrementAndGet(); // a kept way may be this directory
        LinuxLibc.unlinkat(at.dirFd, at.name, LinuxLibc.AT_REMOVEDIR);
      }
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 39) {
        throw new java.nio.file.DirectoryNotEmptyException(path.toString());
      }
      throw error(e, path, "cannot delete");
    }
  }

  @Override
  public void createHardLink(Path link, Path existing) throws IOException {
    try (At a = at(existing, LINKED_FROM); At b = at(link)) {
      LinuxLibc.linkat(a.dirFd, a.name, b.dirFd, b.name, 0);
    } catch (LastErrorException e) {
      throw error(e, link, "cannot link to " + existing);
    }
  }

  static boolean isAvailable() {
    return LinuxLibc.AVAILABLE;
  }

  static byte[] cPath(Path path) {
    byte[] s = rawBytes(path);
    byte[] c = new byte[s.length + 1];
    System.arraycopy(s, 0, c, 0, s.length);
    return c;
  }

  /** The last name of {@code path}, NUL-terminated, with its bytes as the kernel has them. */
  static byte[] cName(Path path) {
    return cPath(path.getFileName());
  }

  /**
   * A path's bytes as the kernel names it. The JDK keeps the bytes of a name it listed even when
   * they are not valid in the name encoding (its string shows U+FFFD there); its URI spells them
   * out, so such a name is copied under its own bytes.
   */
  static byte[] rawBytes(Path path) {
    String text = path.toString();
    if (text.indexOf('\uFFFD') < 0 || path.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
      return text.getBytes(NAME_CHARSET);
    }
    String uri = path.toAbsolutePath().toUri().getRawPath();
    java.io.ByteArrayOutputStream decoded = new java.io.ByteArrayOutputStream(uri.length());
    for (int i = 0; i < uri.length(); i++) {
      char ch = uri.charAt(i);
      if (ch == '%' && i + 2 < uri.length()) {
        decoded.write(Integer.parseInt(uri.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        decoded.write(ch);
      }
    }
    byte[] all = decoded.toByteArray();
    int end = all.length;
    if (end > 1 && all[end - 1] == '/') {
      end--; // a directory's URI ends with a slash
    }
    // the last getNameCount() names, or all of an absolute path
    int start = 0;
    if (!path.isAbsolute()) {
      int names = path.getNameCount();
      start = end;
      while (names > 0 && start > 0) {
        start--;
        if (all[start] == '/') {
          names--;
        }
      }
      start++;
    }
    return java.util.Arrays.copyOfRange(all, start, end);
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
    try (At at = reading(path)) {
      LinuxLibc.statx(at.dirFd, at.name,
          LinuxLibc.AT_SYMLINK_NOFOLLOW | LinuxLibc.AT_NO_AUTOMOUNT, LinuxLibc.STATX_BASIC_STATS, b);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == LinuxLibc.ENOSYS) {
        return super.stat(path);
      }
      throw error(e, path, "cannot read status");
    }
    return status(b);
  }

  /** As read once from the file system's type; 0 until then. */
  private volatile long granularity;

  /**
   * By the type of the file system holding the confinement root: FAT keeps times to 2 s, exFAT
   * to 10 ms, HFS+ to 1 s, NTFS (the kernel's driver, or a Windows share) to 100 ns. Compared
   * exactly there, a mirror would copy every file again on every run.
   */
  @Override
  public long timeGranularityNanos() {
    long g = granularity;
    if (g == 0) {
      String type = "";
      try {
        type = confinement == null ? "" : Files.getFileStore(confinement).type();
      } catch (IOException | RuntimeException e) {
        // not known: exact
      }
      granularity = g = granularityOf(type);
    }
    return g;
  }

  static long granularityOf(String fileSystemType) {
    return switch (fileSystemType) {
      case "vfat", "msdos", "fat" -> 2_000_000_000L;
      case "exfat" -> 10_000_000L;
      case "hfs", "hfsplus" -> 1_000_000_000L;
      case "ntfs", "ntfs3", "cifs", "smb3" -> 100L;
      default -> 1L;
    };
  }

  /** The way opened as a write's is, without following links, and kept for the next name in it. */
  @Override
  protected void checkWayBeneath(Path path) throws IOException {
    try (At at = at(path, LINKED_FROM)) {
      // opening the directory was the check
    }
  }

  @Override
  public FileStatus statIfExists(Path path) throws IOException {
    if (!LinuxLibc.Quiet.AVAILABLE) {
      return super.statIfExists(path);
    }
    try (At at = reading(path)) {
      return statIfExists(at.dirFd, at.name, path);
    } catch (NoSuchFileException e) {
      return null; // a deep path whose directory is missing
    }
  }

  /** statx of {@code name} in the directory {@code dirFd}; null when nothing has that name. */
  private FileStatus statIfExists(int dirFd, byte[] name, Path path) throws IOException {
    FileStatus s = statx(dirFd, name);
    return s != null ? s : statFailed(Native.getLastError(), path);
  }

  /**
   * A name's status, or null with the error left for {@link Native#getLastError()}: the path for
   * a message is made only on failure, and no function to make it is built for each name.
   */
  private static FileStatus statx(int dirFd, byte[] name) {
    byte[] b = STATX_BUFFER.get();
    return LinuxLibc.Quiet.statx(dirFd, name, LinuxLibc.AT_SYMLINK_NOFOLLOW | LinuxLibc.AT_NO_AUTOMOUNT,
        LinuxLibc.STATX_BASIC_STATS, b) == 0 ? status(b) : null;
  }

  /** After a failed statx: null for a name that is not there, else the error. */
  private FileStatus statFailed(int errno, Path path) throws IOException {
    if (errno == 2) {
      return null;
    }
    if (errno == LinuxLibc.ENOSYS) {
      return super.statIfExists(path);
    }
    throw error(errno, path, "cannot read status");
  }

  /**
   * Holds the directory open (O_PATH): each look at a name in it is one statx relative to it,
   * where a whole path makes the kernel look up every directory on the way again. Below the
   * confinement root it is opened without following links, like a write's way.
   */
  @Override
  public DirectoryHandle openDirectoryHandle(Path dir) {
    if (!LinuxLibc.Quiet.AVAILABLE) {
      return super.openDirectoryHandle(dir);
    }
    try {
      return new HeldDirectory(openHeld(dir, LinuxLibc.O_PATH | LinuxLibc.O_DIRECTORY | LinuxLibc.O_CLOEXEC));
    } catch (IOException e) {
      return FileSystemAccess.byPath(this);
    }
  }

  /** Opens {@code dir} with {@code flags}, below the confinement root without following links. */
  private int openHeld(Path dir, int flags) throws IOException {
    Path confinedDir = confinedParent(dir.resolve("x"));
    return confinedDir != null
        ? openDirectory(dir, realConfinement.resolve(confinement.relativize(confinedDir)), true, flags)
        : openDirectory(dir, dir.toAbsolutePath(), false, flags);
  }

  /** A directory held open by its descriptor; each look at a name is a statx relative to it. */
  private class HeldDirectory implements DirectoryHandle {
    final int fd;
    private boolean closed;

    HeldDirectory(int fd) {
      this.fd = fd;
    }

    @Override
    public FileStatus stat(Path child) throws IOException {
      FileStatus s = statIfExists(child);
      if (s == null) {
        throw error(2, child, "cannot read status");
      }
      return s;
    }

    @Override
    public FileStatus statIfExists(Path child) throws IOException {
      return LinuxFileSystemAccess.this.statIfExists(fd, cName(child), child);
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        closeQuietly(fd);
      }
    }
  }

  /** A directory's names, read at once, held open by the descriptor they were read through. */
  private final class ListedDirectory extends HeldDirectory implements Listing {
    private final Path dir;
    private final byte[][] names;

    ListedDirectory(int fd, Path dir, byte[][] names) {
      super(fd);
      this.dir = dir;
      this.names = names;
    }

    @Override
    public int size() {
      return names.length;
    }

    @Override
    public Path name(int i) {
      byte[] raw = names[i];
      String text = escapedString(raw, raw.length - 1);
      if (!RawNames.hasEscapes(text)) {
        return dir.getFileSystem().getPath(text);
      }
      Path absolute = dir.toAbsolutePath();
      return absolute.relativize(RawNames.resolve(absolute, text));
    }

    @Override
    public FileStatus statIfExists(int i) throws IOException {
      FileStatus s = statx(fd, names[i]);
      return s != null ? s : statFailed(Native.getLastError(), dir.resolve(name(i)));
    }
  }

  /**
   * Lists the directory with getdents64 on a descriptor that then serves each look at a name
   * (statx relative to it): one opening where the JDK's listing and a handle took two, each
   * walking the whole path, and names kept as the bytes the kernel gave. The directory itself
   * is not followed if it has become a link since it was seen.
   */
  @Override
  public Listing list(Path dir) throws IOException {
    if (!LinuxLibc.Directories.AVAILABLE || !LinuxLibc.Quiet.AVAILABLE) {
      return FileSystemAccess.listThrough(this, dir);
    }
    int fd = openHeld(dir, LinuxLibc.O_RDONLY | LinuxLibc.O_DIRECTORY | LinuxLibc.O_CLOEXEC | LinuxLibc.O_NOFOLLOW);
    try {
      return new ListedDirectory(fd, dir, readNames(fd, dir));
    } catch (IOException | RuntimeException e) {
      closeQuietly(fd);
      throw e;
    }
  }

  private static final int DIRENT_BUFFER_BYTES = 32 * 1024;
  private static final ThreadLocal<com.sun.jna.Memory> DIRENT_MEMORY =
      ThreadLocal.withInitial(() -> new com.sun.jna.Memory(DIRENT_BUFFER_BYTES));
  private static final ThreadLocal<byte[]> DIRENT_BYTES = ThreadLocal.withInitial(() -> new byte[DIRENT_BUFFER_BYTES]);

  /** The names in an open directory, each NUL-terminated, without "." and "..". */
  private static byte[][] readNames(int fd, Path dir) throws IOException {
    com.sun.jna.Memory memory = DIRENT_MEMORY.get();
    byte[] bytes = DIRENT_BYTES.get();
    List<byte[]> names = new ArrayList<>();
    while (true) {
      long n;
      try {
        n = LinuxLibc.Directories.getdents64(fd, memory, DIRENT_BUFFER_BYTES);
      } catch (LastErrorException e) {
        throw error(e, dir, "cannot read directory");
      }
      if (n <= 0) {
        break;
      }
      memory.read(0, bytes, 0, (int) n);
      // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
      for (int at = 0; at < n; at += (short) SHORT.get(bytes, at + 16) & 0xffff) {
        int start = at + 19;
        int end = start;
        while (bytes[end] != 0) {
          end++;
        }
        int length = end - start;
        if (length == 1 && bytes[start] == '.' || length == 2 && bytes[start] == '.' && bytes[start + 1] == '.') {
          continue;
        }
        names.add(java.util.Arrays.copyOfRange(bytes, start, end + 1));
      }
    }
    return names.toArray(new byte[0][]);
  }

  /** Native-order views of the statx buffer: no ByteBuffer made for each of a walk's names. */
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.nativeOrder());
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private static int statxMode(byte[] b) {
    return (short) SHORT.get(b, 28) & 0xffff;
  }

  private static FileId statxId(byte[] b) {
    return new FileId(makedev((int) INT.get(b, 136), (int) INT.get(b, 140)), (long) LONG.get(b, 32));
  }

  /** A statx buffer as a status. */
  private static FileStatus status(byte[] b) {
    int mode = statxMode(b);
    return new FileStatus(
        kindOfMode(mode),
        statxId(b),
        (long) LONG.get(b, 40),
        timestamp(b, 112),
        timestamp(b, 64),
        timestamp(b, 96),
        (int) INT.get(b, 16),
        mode & 07777,
        (int) INT.get(b, 20),
        (int) INT.get(b, 24),
        makedev((int) INT.get(b, 128), (int) INT.get(b, 132)),
        (long) LONG.get(b, 48) * 512);
  }

  /** A statx_timestamp (seconds, then nanoseconds) as nanoseconds. */
  private static long timestamp(byte[] b, int offset) {
    return (long) LONG.get(b, offset) * 1_000_000_000L + ((int) INT.get(b, offset + 8) & 0xffffffffL);
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
    try (At at = reading(source)) {
      in = LinuxLibc.openat(at.dirFd, at.name, LinuxLibc.O_RDONLY | LinuxLibc.O_NOFOLLOW | LinuxLibc.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 2) {
        throw new NoSuchFileException(source.toString(), null,
            "vanished since the walk; skipped, the next run sees what is there");
      }
      if (e.getErrorCode() == LinuxLibc.ELOOP) {
        throw new FileSystemException(source.toString(), null,
            "replaced by a symlink since the walk; skipped, the next run copies the link");
      }
      throw error(e, source, "cannot open for reading");
    }
    try {
      int out = createNew(target);
      boolean closed = false;
      try {
        long copied = copyOpen(in, out, source, target, like.size(), reflink);
        checkUnchangedWhileCopied(in, source, like);
        // chown drops security.capability and set-id bits: owner first, then attributes, then mode
        if (owner && like.uid() >= 0) {
          try {
            LinuxLibc.fchown(out, like.uid(), like.gid());
          } catch (LastErrorException e) {
            throw error(e, target, "cannot set owner");
          }
        }
        writeXattrs(out, target, xattrs);
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

  /**
   * Refuses a copy whose source is not the file the walk saw (replaced since), or was written to
   * while it was read: its bytes may mix old and new. One look at the open file, after the bytes,
   * answers both; the caller drops the copy and the next run copies the file as it then is.
   */
  private static void checkUnchangedWhileCopied(int fd, Path source, FileStatus like) throws IOException {
    byte[] b = STATX_BUFFER.get();
    try {
      LinuxLibc.statx(fd, new byte[1], LinuxLibc.AT_EMPTY_PATH, LinuxLibc.STATX_BASIC_STATS, b);
    } catch (LastErrorException e) {
      return; // no statx on descriptors: the walk's view stands
    }
    FileId opened = statxId(b);
    if (!opened.equals(like.id())) {
      throw new FileSystemException(source.toString(), null,
          "replaced by another file since the walk; this copy is not kept, the next run copies it");
    }
    long size = (long) LONG.get(b, 40);
    long modified = timestamp(b, 112);
    if (size != like.size() || modified != like.modifiedNanos()) {
      throw new FileSystemException(source.toString(), null, "changed while it was copied ("
          + (size != like.size() ? "size " + like.size() + " -> " + size : "modified again")
          + "); this copy is not kept, the next run copies it");
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
    List<long[]> runs = dataRuns(in, size);
    if (runs == null) {
      // no hole support: copy it flat
      return copyRange(in, out, 0, Long.MAX_VALUE, source, target, mayShare);
    }
    long copied = 0;
    for (long[] run : runs) {
      copied += copyRange(in, out, run[0], run[1], source, target, mayShare);
    }
    try {
      LinuxLibc.ftruncate(out, size);
    } catch (LastErrorException e) {
      throw error(e, target, "cannot set size");
    }
    return copied;
  }

  @Override
  public List<long[]> dataRuns(Path file, long size) throws IOException {
    int fd;
    try (At at = reading(file)) {
      fd = LinuxLibc.openat(at.dirFd, at.name, LinuxLibc.O_RDONLY | LinuxLibc.O_NOFOLLOW | LinuxLibc.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw error(e, file, "cannot open for reading");
    }
    try {
      return dataRuns(fd, size);
    } finally {
      closeQuietly(fd);
    }
  }

  /**
   * The data runs of the first {@code size} bytes of an open file, from SEEK_DATA and
   * SEEK_HOLE; null where the file system does not tell.
   */
  private static List<long[]> dataRuns(int fd, long size) {
    List<long[]> runs = new ArrayList<>();
    long offset = 0;
    while (offset < size) {
      long data;
      try {
        data = LinuxLibc.lseek(fd, offset, LinuxLibc.SEEK_DATA);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LinuxLibc.ENXIO) {
          break; // only a hole remains
        }
        return null;
      }
      if (data >= size) {
        break; // grew since its status was taken: the rest is not this entry's
      }
      long hole;
      try {
        hole = Math.min(size, LinuxLibc.lseek(fd, data, LinuxLibc.SEEK_HOLE));
      } catch (LastErrorException e) {
        hole = size;
      }
      runs.add(new long[] {data, hole - data});
      offset = hole;
    }
    return runs;
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
      int errno = 0;
      if (useCopyFileRange && LinuxLibc.Quiet.AVAILABLE) {
        // no exception per refusal: across file system types it is refused for every file
        n = LinuxLibc.Quiet.copy_file_range(in, inOff, out, outOff, want, 0);
        if (n < 0) {
          errno = Native.getLastError();
        }
      } else {
        try {
          n = useCopyFileRange ? LinuxLibc.copy_file_range(in, inOff, out, outOff, want, 0)
              : sendfileAt(in, out, inOff, outOff, want);
        } catch (LastErrorException e) {
          n = -1;
          errno = e.getErrorCode();
        }
      }
      if (n < 0) {
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
   * Reads a symlink's target as the kernel stores it; bytes not valid in the file-name encoding
   * are kept as lone surrogates (see {@link #escapedString}).
   */
  @Override
  public String readSymlink(Path path) throws IOException {
    byte[] buffer = LINK_BUFFER.get();
    long n;
    while (true) {
      try (At at = reading(path)) {
        n = LinuxLibc.readlinkat(at.dirFd, at.name, buffer, buffer.length);
      } catch (LastErrorException e) {
        throw error(e, path, "cannot read link");
      }
      if (n < buffer.length) {
        break;
      }
      // readlink cuts a target that fills the buffer: read it again with more room
      buffer = new byte[buffer.length * 2];
    }
    return escapedString(buffer, (int) n);
  }

  /**
   * Decodes a symlink target. A byte that is not valid in the name encoding becomes the lone
   * surrogate U+DC80..U+DCFF (as Python's surrogateescape does), which no valid text decodes to,
   * so {@link #escapedBytes} gives the same bytes back.
   */
  /** A buffer for link targets: most fit it, and one a link cost 4 KiB of garbage. */
  private static final ThreadLocal<byte[]> LINK_BUFFER = ThreadLocal.withInitial(() -> new byte[4096]);

  static String escapedString(byte[] bytes, int length) {
    if (NAME_IS_UTF8) {
      // most names: ASCII, or valid UTF-8 (a decoder made a name was most of extract's cost for names)
      boolean ascii = true;
      for (int i = 0; i < length && ascii; i++) {
        ascii = bytes[i] >= 0;
      }
      if (ascii) {
        return new String(bytes, 0, length, java.nio.charset.StandardCharsets.ISO_8859_1);
      }
      String decoded = new String(bytes, 0, length, java.nio.charset.StandardCharsets.UTF_8);
      if (decoded.indexOf('\uFFFD') < 0) {
        return decoded; // (a U+FFFD in the name itself is decoded below, the same)
      }
    }
    java.nio.charset.CharsetDecoder decoder = NAME_CHARSET.newDecoder()
        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(length + 1);
    while (true) {
      java.nio.charset.CoderResult r = decoder.decode(in, out, true);
      if (r.isError()) {
        for (int i = 0; i < r.length(); i++) {
          out.put((char) (0xDC00 | (in.get() & 0xff)));
        }
      } else {
        break;
      }
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /** The bytes of a string from {@link #escapedString}, NUL-terminated. */
  static byte[] escapedBytes(String text) {
    return escapedBytes(text, true);
  }

  /** The bytes of a string from {@link #escapedString}, NUL-terminated or not. */
  static byte[] escapedBytes(String text, boolean nul) {
    if (NAME_IS_UTF8 && !hasSurrogates(text)) {
      byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      return nul ? java.util.Arrays.copyOf(b, b.length + 1) : b;
    }
    byte[] c = escapedBytesOneByOne(text);
    return nul ? c : java.util.Arrays.copyOf(c, c.length - 1);
  }

  private static boolean hasSurrogates(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isSurrogate(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static byte[] escapedBytesOneByOne(String text) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length() + 8);
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i < text.length() ? text.charAt(i) : 0;
      if (i == text.length() || (c >= 0xDC80 && c <= 0xDCFF
          && !(i > 0 && Character.isHighSurrogate(text.charAt(i - 1))))) {
        byte[] run = text.substring(start, i).getBytes(NAME_CHARSET);
        out.write(run, 0, run.length);
        if (i < text.length()) {
          out.write(c & 0xff);
        }
        start = i + 1;
      }
    }
    out.write(0);
    return out.toByteArray();
  }

  /** Creates a symlink whose target is exactly these bytes (see {@link #escapedString}). */
  @Override
  public void createSymlink(Path link, String target) throws IOException {
    try (At at = at(link)) {
      LinuxLibc.symlinkat(escapedBytes(target), at.dirFd, at.name);
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
    try (At at = at(path)) {
      LinuxLibc.mknodat(at.dirFd, at.name, type | (like.mode() & 0777), like.rdev());
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

  /** False once the kernel (older than 6.6) has no fchmodat2. */
  private static volatile boolean fchmodat2Works = true;

  /**
   * chmod without following a link at the name. glibc does that for fchmodat by opening the
   * name, checking it and changing it through /proc (four calls); fchmodat2 does it in one.
   */
  private static void chmodNoFollow(int dirFd, byte[] name, int mode) {
    if (fchmodat2Works && LinuxLibc.Quiet.AVAILABLE) {
      if (LinuxLibc.Quiet.syscall(LinuxLibc.Quiet.SYS_FCHMODAT2, dirFd, name, mode,
          LinuxLibc.AT_SYMLINK_NOFOLLOW) == 0) {
        return;
      }
      int errno = Native.getLastError();
      if (errno != LinuxLibc.ENOSYS && errno != LinuxLibc.EPERM) {
        throw new LastErrorException(errno);
      }
      // too old a kernel, a sandbox that refuses calls it does not know (EPERM), or a chmod
      // really not permitted: the old way tells, and throws in the last case
      LinuxLibc.fchmodat(dirFd, name, mode, LinuxLibc.AT_SYMLINK_NOFOLLOW);
      fchmodat2Works = false;
      return;
    }
    LinuxLibc.fchmodat(dirFd, name, mode, LinuxLibc.AT_SYMLINK_NOFOLLOW);
  }

  private static long[] times(FileStatus like) {
    return new long[] {
      Math.floorDiv(like.accessedNanos(), 1_000_000_000L), Math.floorMod(like.accessedNanos(), 1_000_000_000L),
      Math.floorDiv(like.modifiedNanos(), 1_000_000_000L), Math.floorMod(like.modifiedNanos(), 1_000_000_000L)};
  }

  @Override
  public void setMetadata(Path path, FileStatus like, boolean owner) throws IOException {
    try (At at = at(path)) {
      if (owner && like.uid() >= 0) {
        LinuxLibc.fchownat(at.dirFd, at.name, like.uid(), like.gid(), LinuxLibc.AT_SYMLINK_NOFOLLOW);
      }
      if (like.kind() != EntryKind.SYMLINK) {
        // after chown, which clears set-id bits; not followed: a link put here is refused
        chmodNoFollow(at.dirFd, at.name, like.mode() & 07777);
      }
      LinuxLibc.utimensat(at.dirFd, at.name, times(like), LinuxLibc.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException e) {
      throw error(e, path, "cannot set metadata");
    }
  }

  @Override
  public Map<String, byte[]> readXattrs(Path path) throws IOException {
    try (At at = reading(path)) {
      return readXattrs(at.procPath(), path);
    }
  }

  private Map<String, byte[]> readXattrs(byte[] c, Path path) throws IOException {
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
        // kept as bytes (escaped where not valid in the name encoding): decoded plainly, a name
        // that is not UTF-8 was asked for under another name and lost
        String name = escapedString(java.util.Arrays.copyOfRange(names, start, i), i - start);
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
    byte[] cname = escapedBytes(name);
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
    if (xattrs.isEmpty()) {
      return;
    }
    try (At at = at(path)) {
      writeXattrs(-1, at.procPath(), path, xattrs);
    }
  }

  @Override
  public void removeXattrs(Path path, java.util.Collection<String> names) throws IOException {
    if (names.isEmpty()) {
      return;
    }
    try (At at = at(path)) {
      byte[] c = at.procPath();
      for (String name : names) {
        try {
          LinuxLibc.lremovexattr(c, escapedBytes(name));
        } catch (LastErrorException e) {
          if (e.getErrorCode() != LinuxLibc.ENODATA && e.getErrorCode() != LinuxLibc.ENOTSUP) {
            throw error(e, path, "cannot remove extended attribute " + name);
          }
        }
      }
    }
  }

  private static void writeXattrs(int fd, Path path, Map<String, byte[]> xattrs) throws IOException {
    writeXattrs(fd, null, path, xattrs);
  }

  /** Sets attributes through the descriptor {@code fd}, or where {@code fd} is -1 on {@code c}. */
  private static void writeXattrs(int fd, byte[] c, Path path, Map<String, byte[]> xattrs)
      throws IOException {
    for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
      byte[] value = x.getValue();
      try {
        if (fd >= 0) {
          LinuxLibc.fsetxattr(fd, escapedBytes(x.getKey()), value, value.length, 0);
        } else {
          LinuxLibc.lsetxattr(c, escapedBytes(x.getKey()), value, value.length, 0);
        }
      } catch (LastErrorException e) {
        if (e.getErrorCode() == LinuxLibc.ENOTSUP) {
          continue; // this volume cannot hold this attribute: nothing to keep
        }
        throw error(e, path, "cannot set extended attribute " + x.getKey());
      }
    }
  }
}
