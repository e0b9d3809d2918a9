package dev.linksafe.platform;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.ReparsePoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Portable access through java.nio only: works on any {@link java.nio.file.FileSystem} with a
 * {@code unix} attribute view (the JDK's on Linux and macOS, jimfs in tests). Holds no reparse
 * points. Faster platform paths extend it.
 */
public class NioFileSystemAccess implements FileSystemAccess {

  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private static final String UNIX_ATTRIBUTES =
      "unix:ino,dev,nlink,mode,size,uid,gid,rdev,lastModifiedTime,lastAccessTime,ctime,"
          + "isDirectory,isRegularFile,isSymbolicLink";

  /** The root below which writes never pass a link, as callers name it; null for none. */
  protected final Path confinement;

  public NioFileSystemAccess() {
    this(null);
  }

  protected NioFileSystemAccess(Path confinement) {
    this.confinement = confinement == null ? null : confinement.toAbsolutePath().normalize();
  }

  @Override
  public FileSystemAccess confinedTo(Path root) throws IOException {
    return new NioFileSystemAccess(root);
  }

  /**
   * Refuses a write to {@code path} when a directory between the confinement root and it is a
   * link. Checked one name after another: this narrows the race with a directory swapped for a
   * link, where the kernel offers nothing better.
   */
  protected void checkWay(Path path) throws IOException {
    Path parent = confinedParent(path);
    if (parent == null) {
      return;
    }
    Path current = confinement;
    for (Path name : confinement.relativize(parent)) {
      current = current.resolve(name);
      if (Files.isSymbolicLink(current)) {
        throw linkOnTheWay(path, current);
      }
    }
  }

  @Override
  public FileStatus statBeneath(Path path) throws IOException {
    Path absolute = path.toAbsolutePath();
    if (confinement == null || !absolute.normalize().equals(absolute) || absolute.equals(confinement)
        || !absolute.startsWith(confinement)) {
      throw new FileSystemException(path.toString(), null, "not a name below " + confinement);
    }
    checkWayBeneath(path);
    return statIfExists(path);
  }

  /** As {@link #checkWay}, for {@link #statBeneath}; platforms with a better way override it. */
  protected void checkWayBeneath(Path path) throws IOException {
    checkWay(path);
  }

  /** The parent of {@code path} when it lies strictly below the confinement root, else null. */
  protected final Path confinedParent(Path path) {
    if (confinement == null) {
      return null;
    }
    Path absolute = path.toAbsolutePath().normalize();
    Path parent = absolute.getParent();
    if (parent == null || parent.equals(confinement) || !parent.startsWith(confinement)) {
      return null;
    }
    return parent;
  }

  static FileSystemException linkOnTheWay(Path path, Path where) {
    return new FileSystemException(path.toString(), null, "the way to it passes a symbolic link"
        + (where == null ? "" : " at " + where) + " (a directory replaced by a link?); not followed,"
        + " nothing written there");
  }

  @Override
  public java.nio.file.DirectoryStream<Path> newDirectoryStream(Path dir) throws IOException {
    return Files.newDirectoryStream(dir);
  }

  @Override
  public java.io.InputStream newInputStream(Path file) throws IOException {
    return Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public java.io.OutputStream createFile(Path path) throws IOException {
    checkWay(path);
    return Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void createDirectory(Path dir, int mode) throws IOException {
    checkWay(dir);
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectory(dir,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(permissions(mode)));
    } else {
      Files.createDirectory(dir);
    }
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    checkWay(from);
    checkWay(to);
    Files.move(from, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public void delete(Path path) throws IOException {
    checkWay(path);
    Files.delete(path);
  }

  @Override
  public FileStatus stat(Path path) throws IOException {
    Map<String, Object> a;
    try {
      a = Files.readAttributes(path, UNIX_ATTRIBUTES, NOFOLLOW);
    } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
      return statBasic(path);
    }
    int mode = (Integer) a.get("mode");
    long modified = nanos((FileTime) a.get("lastModifiedTime"));
    Object ctime = a.get("ctime");
    Object rdev = a.get("rdev");
    // jimfs keeps only permission bits in its mode; the JDK keeps the file type too
    EntryKind kind = (mode & 0170000) != 0 ? kindOfMode(mode)
        : Boolean.TRUE.equals(a.get("isDirectory")) ? EntryKind.DIRECTORY
        : Boolean.TRUE.equals(a.get("isRegularFile")) ? EntryKind.REGULAR_FILE
        : Boolean.TRUE.equals(a.get("isSymbolicLink")) ? EntryKind.SYMLINK : EntryKind.OTHER;
    return new FileStatus(
        kind,
        new FileId(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue()),
        ((Number) a.get("size")).longValue(),
        modified,
        nanos((FileTime) a.get("lastAccessTime")),
        ctime == null ? modified : nanos((FileTime) ctime),
        ((Number) a.get("nlink")).intValue(),
        mode & 07777,
        ((Number) a.get("uid")).intValue(),
        ((Number) a.get("gid")).intValue(),
        rdev == null ? 0 : ((Number) rdev).longValue());
  }

  private static FileStatus statBasic(Path path) throws IOException {
    BasicFileAttributes b = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    EntryKind kind = b.isDirectory() ? EntryKind.DIRECTORY
        : b.isRegularFile() ? EntryKind.REGULAR_FILE
        : b.isSymbolicLink() ? EntryKind.SYMLINK : EntryKind.OTHER;
    Object key = b.fileKey();
    long object = key == null ? path.toAbsolutePath().hashCode() : key.hashCode();
    long modified = nanos(b.lastModifiedTime());
    return new FileStatus(kind, new FileId(0, object), b.size(), modified,
        nanos(b.lastAccessTime()), modified, 1, 0, -1, -1, 0);
  }

  static EntryKind kindOfMode(int mode) {
    switch (mode & 0170000) {
      case 0040000: return EntryKind.DIRECTORY;
      case 0100000: return EntryKind.REGULAR_FILE;
      case 0120000: return EntryKind.SYMLINK;
      case 0010000: return EntryKind.FIFO;
      case 0020000: return EntryKind.CHARACTER_DEVICE;
      case 0060000: return EntryKind.BLOCK_DEVICE;
      case 0140000: return EntryKind.SOCKET;
      default: return EntryKind.OTHER;
    }
  }

  static long nanos(FileTime t) {
    return t.to(TimeUnit.SECONDS) * 1_000_000_000L + t.toInstant().getNano();
  }

  static FileTime fileTime(long nanos) {
    return FileTime.from(java.time.Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)));
  }

  @Override
  public boolean supportsReparsePoints() {
    return false;
  }

  @Override
  public Optional<ReparsePoint> readReparsePoint(Path path) throws IOException {
    return Optional.empty();
  }

  @Override
  public String readSymlink(Path path) throws IOException {
    return Files.readSymbolicLink(path).toString();
  }

  @Override
  public long copyFile(Path source, Path target, FileStatus like, ReflinkMode reflink,
      boolean owner, Map<String, byte[]> xattrs) throws IOException {
    checkWay(target);
    long copied = copyContents(source, target, reflink);
    FileStatus after = stat(source);
    if (after.size() != like.size() || after.modifiedNanos() != like.modifiedNanos()) {
      // its bytes may mix old and new: the caller drops this copy, the next run makes a new one
      throw new FileSystemException(source.toString(), null,
          "changed while it was copied; this copy is not kept, the next run copies it");
    }
    setMetadata(target, like, owner);
    // after the owner, whose change would drop capabilities; attributes leave times alone
    if (!xattrs.isEmpty()) {
      writeXattrs(target, xattrs);
    }
    return copied;
  }

  private static long copyContents(Path source, Path target, ReflinkMode reflink) throws IOException {
    if (reflink == ReflinkMode.ALWAYS) {
      throw new FileSystemException(target.toString(), null, "reflink clones are not supported here");
    }
    try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      long size = in.size();
      long done = 0;
      while (done < size) {
        long n = in.transferTo(done, size - done, out);
        if (n <= 0) {
          // transferTo may stop early on some channels; fall back to a buffered read
          ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
          int r = in.read(buffer, done);
          if (r < 0) {
            break;
          }
          buffer.flip();
          while (buffer.hasRemaining()) {
            out.write(buffer);
          }
          n = r;
        }
        done += n;
      }
      return done;
    }
  }

  @Override
  public void createHardLink(Path link, Path existing) throws IOException {
    checkWay(link);
    checkWay(existing);
    Files.createLink(link, existing);
  }

  @Override
  public void createSymlink(Path link, String target) throws IOException {
    checkWay(link);
    Files.createSymbolicLink(link, link.getFileSystem().getPath(target));
  }

  @Override
  public void createSpecial(Path path, FileStatus like) throws IOException {
    throw new FileSystemException(path.toString(), null,
        "cannot create " + like.kind().name().toLowerCase() + " on this platform");
  }

  @Override
  public void setMetadata(Path path, FileStatus like, boolean owner) throws IOException {
    checkWay(path);
    if (owner && like.uid() >= 0) {
      setOwner(path, like);
    }
    boolean link = like.kind().isLink();
    if (!link) {
      PosixFileAttributeView posix =
          Files.getFileAttributeView(path, PosixFileAttributeView.class, NOFOLLOW);
      if (posix != null) {
        if ((like.mode() & 07000) != 0) {
          Files.setAttribute(path, "unix:mode", like.mode(), NOFOLLOW);
        } else {
          posix.setPermissions(permissions(like.mode()));
        }
      }
    }
    BasicFileAttributeView basic =
        Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW);
    basic.setTimes(fileTime(like.modifiedNanos()), fileTime(like.accessedNanos()), null);
  }

  private static void setOwner(Path path, FileStatus like) throws IOException {
    try {
      Files.setAttribute(path, "unix:uid", like.uid(), NOFOLLOW);
      Files.setAttribute(path, "unix:gid", like.gid(), NOFOLLOW);
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // no unix view: owners cannot be expressed by number here
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  @Override
  public Map<String, byte[]> readXattrs(Path path) throws IOException {
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(path, UserDefinedFileAttributeView.class, NOFOLLOW);
    Map<String, byte[]> result = new LinkedHashMap<>();
    if (view == null) {
      return result;
    }
    for (String name : view.list()) {
      ByteBuffer buffer = ByteBuffer.allocate(view.size(name));
      view.read(name, buffer);
      result.put("user." + name, buffer.array());
    }
    return result;
  }

  @Override
  public void writeXattrs(Path path, Map<String, byte[]> xattrs) throws IOException {
    checkWay(path);
    UserDefinedFileAttributeView view =
        Files.getFileAttributeView(path, UserDefinedFileAttributeView.class, NOFOLLOW);
    if (view == null) {
      return;
    }
    for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
      if (x.getKey().startsWith("user.")) {
        view.write(x.getKey().substring(5), ByteBuffer.wrap(x.getValue()));
      }
    }
  }
}
