package dev.linksafe.platform;

import com.sun.jna.LastErrorException;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.ReparsePoint;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * An NTFS volume mounted by ntfs-3g on Linux. Reparse points are read and written as the raw
 * REPARSE_DATA_BUFFER in the extended attribute {@code system.ntfs_reparse_data} of the name
 * itself. ntfs-3g shows every reparse point as a symlink and fails lstat with EIO on one it
 * cannot resolve; such a name is still reported, from its reparse data. The volume's drive
 * letter comes from the {@code .NTFS-3G/X:} link at its root, or is given.
 */
public final class Ntfs3gFileSystemAccess extends LinuxFileSystemAccess {
  static final String REPARSE_XATTR = "system.ntfs_reparse_data";
  static final String DOS_NAME_XATTR = "system.ntfs_dos_name";
  static final String ATTRIB_XATTR = "system.ntfs_attrib";
  private static final byte[] REPARSE_NAME = cString(REPARSE_XATTR);
  private static final byte[] DOS_NAME = cString(DOS_NAME_XATTR);
  private static final int EIO = 5;

  private final Path mountRoot;
  private final Character driveLetter;

  /**
   * @param mountRoot where the volume is mounted
   * @param driveLetter its drive letter, or null when unknown
   */
  public Ntfs3gFileSystemAccess(Path mountRoot, Character driveLetter) {
    this(mountRoot, driveLetter, null);
  }

  private Ntfs3gFileSystemAccess(Path mountRoot, Character driveLetter, Path confinement) {
    super(confinement);
    this.mountRoot = mountRoot;
    this.driveLetter = driveLetter == null ? null : Character.toUpperCase(driveLetter);
  }

  @Override
  public FileSystemAccess confinedTo(Path root) {
    return new Ntfs3gFileSystemAccess(mountRoot, driveLetter, root);
  }

  /** Whether {@code path} lies on a volume mounted by ntfs-3g. */
  static boolean isNtfs3g(Path path) {
    try {
      LinuxLibc.lgetxattr(cPath(path), cString(ATTRIB_XATTR), null, 0);
      return true;
    } catch (LastErrorException e) {
      return false;
    }
  }

  /** The drive letter named by a {@code .NTFS-3G/X:} entry at the volume root, if any. */
  static Character driveLetterAt(Path mountRoot) {
    Path dir = mountRoot.resolve(".NTFS-3G");
    if (!Files.isDirectory(dir)) {
      return null;
    }
    try (DirectoryStream<Path> names = Files.newDirectoryStream(dir)) {
      for (Path p : names) {
        String n = p.getFileName().toString();
        if (n.length() == 2 && n.charAt(1) == ':' && Character.isLetter(n.charAt(0))) {
          Path real = p.toRealPath();
          if (real.equals(mountRoot.toRealPath())) {
            return Character.toUpperCase(n.charAt(0));
          }
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  public Path mountRoot() {
    return mountRoot;
  }

  public Optional<Character> driveLetter() {
    return Optional.ofNullable(driveLetter);
  }

  /**
   * The Windows path of a name on this volume, such as {@code C:\data\projects}, or empty when
   * the drive letter is unknown.
   */
  @Override
  public Optional<String> windowsPath(Path path) {
    if (driveLetter == null) {
      return Optional.empty();
    }
    Path relative = mountRoot.relativize(path.toAbsolutePath().normalize());
    String rest = relative.toString().replace('/', '\\');
    return Optional.of(driveLetter + ":\\" + rest);
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
  public FileStatus stat(Path path) throws IOException {
    FileStatus status;
    try {
      status = super.stat(path);
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("EIO")) {
        throw e;
      }
      // a reparse point ntfs-3g cannot resolve: it still exists, and its reparse data says what it is
      Optional<ReparsePoint> reparse = readReparsePoint(path);
      if (reparse.isEmpty()) {
        throw e;
      }
      FileStatus parent = super.stat(path.toAbsolutePath().getParent());
      long syntheticId = Integer.toUnsignedLong(path.getFileName().toString().hashCode()) | (1L << 62);
      return new FileStatus(EntryKind.REPARSE_POINT, new FileId(parent.id().volume(), syntheticId),
          0, parent.modifiedNanos(), parent.accessedNanos(), parent.changedNanos(), 1, 0777, parent.uid(),
          parent.gid(), 0);
    }
    if (status.kind() == EntryKind.REGULAR_FILE && status.linkCount() > 1 && hasDosName(path)) {
      // ntfs-3g counts the DOS 8.3 short name as a link: it is no name of the tree
      return new FileStatus(status.kind(), status.id(), status.size(), status.modifiedNanos(),
          status.accessedNanos(), status.changedNanos(), status.linkCount() - 1, status.mode(),
          status.uid(), status.gid(), status.rdev());
    }
    return status;
  }

  /** Through {@link #stat}, which corrects what ntfs-3g shows: never a bare statx. */
  @Override
  public FileStatus statIfExists(Path path) throws IOException {
    try {
      return stat(path);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  /** Through this class's own look at a name, which knows NTFS's DOS names are not links. */
  @Override
  public Listing list(Path dir) throws IOException {
    return FileSystemAccess.listThrough(this, dir);
  }

  @Override
  public DirectoryHandle openDirectoryHandle(Path dir) {
    return FileSystemAccess.byPath(this);
  }

  private boolean hasDosName(Path path) {
    try {
      return LinuxLibc.lgetxattr(cPath(path), DOS_NAME, null, 0) > 0;
    } catch (LastErrorException e) {
      return false;
    }
  }

  @Override
  public Optional<ReparsePoint> readReparsePoint(Path path) throws IOException {
    byte[] raw = readXattr(cPath(path), REPARSE_XATTR, path);
    if (raw == null) {
      return Optional.empty();
    }
    return Optional.of(ReparseBufferCodec.decode(raw, path.toString()));
  }

  /** Windows refuses a 1024th name (ERROR_TOO_MANY_LINKS); ntfs-3g does not, so it is kept here. */
  static final int MAXIMUM_LINKS = 1023;

  /** Synchronized: the count is checked, then raised, as one step. */
  @Override
  public synchronized void createHardLink(Path link, Path existing) throws IOException {
    if (super.stat(existing).linkCount() >= MAXIMUM_LINKS) {
      throw new FileSystemException(link.toString(), existing.toString(),
          "EMLINK (too many links: NTFS holds at most " + MAXIMUM_LINKS + " names of a file)");
    }
    super.createHardLink(link, existing);
  }

  @Override
  public boolean supportsShortNames() {
    return true;
  }

  @Override
  public Optional<byte[]> readShortName(Path path) throws IOException {
    return Optional.ofNullable(readXattr(cPath(path), DOS_NAME_XATTR, path));
  }

  @Override
  public void writeShortName(Path path, byte[] shortName) throws IOException {
    try (At at = at(path)) {
      LinuxLibc.lsetxattr(at.procPath(), DOS_NAME, shortName, shortName.length, 0);
    } catch (LastErrorException e) {
      throw error(e, path, "cannot set the DOS short name " + new String(shortName, java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  @Override
  public boolean isDirectoryReparsePoint(Path path) throws IOException {
    byte[] attrib = readXattr(cPath(path), ATTRIB_XATTR, path);
    // FILE_ATTRIBUTE_DIRECTORY, in the little-endian attribute word
    return attrib != null && attrib.length >= 1 && (attrib[0] & 0x10) != 0;
  }

  @Override
  public void createReparsePoint(Path path, ReparsePoint reparsePoint, boolean directory)
      throws IOException {
    byte[] raw = reparsePoint.raw();
    try (At at = at(path)) {
      if (directory) {
        LinuxLibc.mkdirat(at.dirFd, at.name, 0755);
      } else {
        LinuxLibc.close(LinuxLibc.openat(at.dirFd, at.name, LinuxLibc.O_WRONLY | LinuxLibc.O_CREAT
            | LinuxLibc.O_EXCL | LinuxLibc.O_NOFOLLOW | LinuxLibc.O_CLOEXEC, 0644));
      }
      LinuxLibc.lsetxattr(at.procPath(), REPARSE_NAME, raw, raw.length, 0);
    } catch (LastErrorException e) {
      throw error(e, path, String.format("cannot set reparse data (tag 0x%08X)", reparsePoint.tag()));
    }
  }

  @Override
  public String toString() {
    return "ntfs-3g volume at " + mountRoot
        + (driveLetter == null ? "" : " (" + driveLetter.toString().toUpperCase(Locale.ROOT) + ":)");
  }

  static boolean isEio(LastErrorException e) {
    return e.getErrorCode() == EIO;
  }
}
