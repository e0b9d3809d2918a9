package dev.linksafe.platform;

import dev.linksafe.model.FileStatus;
import dev.linksafe.model.ReparsePoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The operations linksafe needs from a volume, none of which follows a link at the last path
 * component. One implementation per platform, chosen per volume by {@link Platforms}.
 */
public interface FileSystemAccess extends AutoCloseable {

  /** Reports the name itself, never what it points to (lstat). */
  FileStatus stat(Path path) throws IOException;

  /**
   * A directory held open while the names in it are looked at, so that a look does not walk the
   * directory's whole path again. The holder closes it.
   */
  interface DirectoryHandle extends AutoCloseable {
    /** As {@link FileSystemAccess#stat}, for a name in this directory. */
    FileStatus stat(Path child) throws IOException;

    /** As {@link FileSystemAccess#statIfExists}, for a name in this directory. */
    FileStatus statIfExists(Path child) throws IOException;

    @Override
    void close();
  }

  /**
   * Holds {@code dir} open for looking at its names. Where it cannot be held (not there, not
   * readable, or a platform that holds nothing) the handle looks by whole path, so that each
   * look reports what is wrong with its own name.
   */
  default DirectoryHandle openDirectoryHandle(Path dir) {
    return byPath(this);
  }

  /** A handle that looks at each name by its whole path through {@code access}. */
  static DirectoryHandle byPath(FileSystemAccess access) {
    return new DirectoryHandle() {
      @Override
      public FileStatus stat(Path child) throws IOException {
        return access.stat(child);
      }

      @Override
      public FileStatus statIfExists(Path child) throws IOException {
        return access.statIfExists(child);
      }

      @Override
      public void close() {}
    };
  }

  /**
   * A directory's names, read at once, with the directory held open for looking at them: one
   * opening of the directory for both, where a listing and a handle would each walk its whole
   * path. Names are addressed by their place in the listing. The holder closes it.
   */
  interface Listing extends DirectoryHandle {
    /** How many names the directory held ("." and ".." left out). */
    int size();

    /** The {@code i}th name, as a path of that one name (its bytes kept). */
    Path name(int i);

    /** The status of the {@code i}th name (lstat), or null when it has gone since the listing. */
    FileStatus statIfExists(int i) throws IOException;
  }

  /**
   * Lists {@code dir}, held open for looking at its names until the listing is closed.
   *
   * @throws java.nio.file.NoSuchFileException if it is not there
   * @throws java.nio.file.AccessDeniedException if it may not be read
   */
  default Listing list(Path dir) throws IOException {
    return listThrough(this, dir);
  }

  /** A listing made of {@code access}'s directory stream and directory handle. */
  static Listing listThrough(FileSystemAccess access, Path dir) throws IOException {
    java.util.List<Path> names = new java.util.ArrayList<>();
    try (java.nio.file.DirectoryStream<Path> children = access.newDirectoryStream(dir)) {
      for (Path child : children) {
        names.add(child.getFileName());
      }
    } catch (java.nio.file.DirectoryIteratorException e) {
      throw e.getCause();
    }
    DirectoryHandle handle = access.openDirectoryHandle(dir);
    return new Listing() {
      @Override
      public int size() {
        return names.size();
      }

      @Override
      public Path name(int i) {
        return names.get(i);
      }

      @Override
      public FileStatus statIfExists(int i) throws IOException {
        return handle.statIfExists(dir.resolve(names.get(i)));
      }

      @Override
      public FileStatus stat(Path child) throws IOException {
        return handle.stat(child);
      }

      @Override
      public FileStatus statIfExists(Path child) throws IOException {
        return handle.statIfExists(child);
      }

      @Override
      public void close() {
        handle.close();
      }
    };
  }

  /**
   * The status of {@code path} as {@link #stat}, or null when nothing has that name: for names
   * that are usually missing, where an exception per name would cost more than the look.
   */
  default FileStatus statIfExists(Path path) throws IOException {
    try {
      return stat(path);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  /**
   * As {@link #statIfExists}, for a name strictly below the root this access is confined to,
   * reached from that root without following a link on the way: reading another tree of the
   * same volume (the previous snapshot) must not lead out of it where that tree holds a link.
   *
   * @throws java.nio.file.FileSystemException if {@code path} is not below the root, holds a
   *     {@code .} or {@code ..} name, or a link stands on its way
   */
  FileStatus statBeneath(Path path) throws IOException;

  /** Whether this volume can hold NTFS reparse points; POSIX volumes cannot. */
  boolean supportsReparsePoints();

  /** The reparse data of a name, or empty where it has none or the volume holds none. */
  Optional<ReparsePoint> readReparsePoint(Path path) throws IOException;

  /**
   * Creates a reparse point at {@code path}: an empty directory (for a junction or a directory
   * symlink) or file carrying {@code reparsePoint}'s buffer. Only where
   * {@link #supportsReparsePoints()}.
   */
  default void createReparsePoint(Path path, ReparsePoint reparsePoint, boolean directory)
      throws IOException {
    throw new java.nio.file.FileSystemException(path.toString(), null,
        "this volume cannot hold reparse points");
  }

  /**
   * Whether a reparse point is a directory (a junction, or a symlink made for a directory). Only
   * where {@link #supportsReparsePoints()}.
   */
  default boolean isDirectoryReparsePoint(Path path) throws IOException {
    return false;
  }

  /** The Windows path of a name, e.g. {@code C:\data}, where the volume has a known drive letter. */
  default Optional<String> windowsPath(Path path) {
    return Optional.empty();
  }

  /** Whether names on this volume can have a DOS 8.3 short name beside their long one. */
  default boolean supportsShortNames() {
    return false;
  }

  /** The DOS 8.3 short name of a name, if it has one. */
  default Optional<byte[]> readShortName(Path path) throws IOException {
    return Optional.empty();
  }

  /**
   * Gives a name its DOS 8.3 short name. Renaming drops a short name on NTFS, so this comes after
   * a name is in its final place.
   */
  default void writeShortName(Path path, byte[] shortName) throws IOException {
    throw new java.nio.file.FileSystemException(path.toString(), null, "this volume has no short names");
  }

  /**
   * The precision, in nanoseconds, at which this volume keeps modification times: a time read
   * back is the one set, rounded down to it (100 on NTFS).
   */
  default long timeGranularityNanos() {
    return 1;
  }

  /**
   * The names in a directory, each resolved against {@code dir}. Works for directories deeper
   * than the kernel takes in one path where the platform allows.
   */
  java.nio.file.DirectoryStream<Path> newDirectoryStream(Path dir) throws IOException;

  /** Reads a regular file's bytes; a link there is not followed. */
  java.io.InputStream newInputStream(Path file) throws IOException;

  /** Whether two regular files hold the same bytes, read through their volumes' accesses. */
  static boolean sameBytes(FileSystemAccess a, Path x, FileSystemAccess b, Path y) throws IOException {
    try (java.io.InputStream in1 = a.newInputStream(x); java.io.InputStream in2 = b.newInputStream(y)) {
      byte[] b1 = new byte[64 * 1024];
      byte[] b2 = new byte[64 * 1024];
      while (true) {
        int n1 = in1.readNBytes(b1, 0, b1.length);
        int n2 = in2.readNBytes(b2, 0, b2.length);
        if (n1 != n2 || !java.util.Arrays.equals(b1, 0, n1, b2, 0, n2)) {
          return false;
        }
        if (n1 < b1.length) {
          return true;
        }
      }
    }
  }

  /** The target of a symlink, exactly as stored. */
  String readSymlink(Path path) throws IOException;

  /**
   * Creates {@code target}, which must not exist and is never followed, as a copy of the bytes of
   * the regular file {@code source}, keeping holes; then sets {@code xattrs} on it, and last the
   * permission bits, times and (when {@code owner}) owner of {@code like}, so that a file with
   * its final modification time is complete. Returns the number of bytes copied.
   */
  long copyFile(Path source, Path target, FileStatus like, ReflinkMode reflink, boolean owner,
      Map<String, byte[]> xattrs) throws IOException;

  /** Creates a new name {@code link} for the file {@code existing}; neither is followed. */
  void createHardLink(Path link, Path existing) throws IOException;

  /** Creates a symlink whose target is exactly {@code target}. */
  void createSymlink(Path link, String target) throws IOException;

  /** Creates a FIFO or device node like the one described. */
  void createSpecial(Path path, FileStatus like) throws IOException;

  /**
   * Sets permission bits, owner (when {@code owner}) and times of a name, without following it.
   * For a symlink only owner and times apply.
   */
  void setMetadata(Path path, FileStatus like, boolean owner) throws IOException;

  /**
   * Where a regular file of {@code size} bytes holds data, as {@code {offset, length}} runs in
   * order (the rest are holes), when the file system says (SEEK_DATA and SEEK_HOLE); null when
   * it cannot, and the file is to be read whole.
   */
  default java.util.List<long[]> dataRuns(Path file, long size) throws IOException {
    return null;
  }

  /** The extended attributes of a name (not followed), by name; empty where unsupported. */
  Map<String, byte[]> readXattrs(Path path) throws IOException;

  /** Sets extended attributes on a name (not followed). */
  void writeXattrs(Path path, Map<String, byte[]> xattrs) throws IOException;

  /** Removes extended attributes from a name (not followed); one that is not there is no error. */
  default void removeXattrs(Path path, java.util.Collection<String> names) throws IOException {
    // volumes whose attributes are not kept hold none to remove
  }

  /**
   * Creates a new file (an existing name there is an error, and never followed) with owner-only
   * permissions, and returns a stream that writes its bytes; metadata is set separately.
   */
  java.io.OutputStream createFile(Path path) throws IOException;

  /**
   * As {@link #createFile(Path, FileStatus, boolean)}, for a file with holes: the stream's
   * {@link SparseOutput#hole} leaves one where the file system can make it.
   */
  default SparseOutput createSparseFile(Path path, FileStatus like, boolean owner) throws IOException {
    return new SparseOutput(createFile(path, like, owner)) {
      @Override
      public void hole(long length) throws IOException {
        byte[] zeros = new byte[(int) Math.min(length, 64 * 1024)];
        for (long left = length; left > 0; left -= zeros.length) {
          out.write(zeros, 0, (int) Math.min(left, zeros.length));
        }
      }
    };
  }

  /** A file being written that may have holes. */
  abstract class SparseOutput extends java.io.FilterOutputStream {
    protected SparseOutput(java.io.OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    /** Leaves {@code length} bytes of zeros, as a hole where the file system can make one. */
    public abstract void hole(long length) throws IOException;
  }

  /**
   * As {@link #createFile(Path)}, and closing the stream, after the last byte, gives the file
   * the mode, times and (with {@code owner}) the owner of {@code like}.
   */
  default java.io.OutputStream createFile(Path path, FileStatus like, boolean owner) throws IOException {
    java.io.OutputStream out = createFile(path);
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        super.close();
        setMetadata(path, like, owner);
      }
    };
  }

  /**
   * Creates a directory with the permission bits {@code mode} (less the umask); an existing name
   * there is an error.
   */
  void createDirectory(Path dir, int mode) throws IOException;

  /**
   * Renames {@code from} to {@code to} in one step, replacing a file or link (never followed) or
   * an empty directory that stands at {@code to}.
   */
  void rename(Path from, Path to) throws IOException;

  /** Deletes a file, a link (not what it points to) or an empty directory. */
  void delete(Path path) throws IOException;

  /**
   * Deletes a tree without following any link in it, opening read-only directories (copied as
   * such) so that they can lose their entries; with {@code countOnly} deletes nothing. Returns
   * the number of names deleted, or that would be.
   */
  default long deleteTree(Path root, boolean countOnly) throws IOException {
    return deleteTree(root, countOnly, null);
  }

  /**
   * As {@link #deleteTree(Path, boolean)}, but never deletes the directory {@code kept} (nor,
   * so, any directory holding it): the source of a mirror reached inside its destination under
   * another name (a bind mount) is not one of the destination's names to delete.
   *
   * @throws IOException if the tree holds {@code kept}; what else it held may be gone
   */
  default long deleteTree(Path root, boolean countOnly, dev.linksafe.model.FileId kept) throws IOException {
    FileStatus s = stat(root);
    long names = 1;
    if (s.kind() == dev.linksafe.model.EntryKind.DIRECTORY) {
      refuseKept(root, s, kept);
      if (!countOnly) {
        openForOwner(root, s);
      }
      java.util.List<Path> children = new java.util.ArrayList<>();
      try (java.nio.file.DirectoryStream<Path> listed = newDirectoryStream(root)) {
        listed.forEach(children::add);
      }
      for (Path child : children) {
        names += deleteTree(child, countOnly, kept);
      }
    }
    if (!countOnly) {
      delete(root);
    }
    return names;
  }

  /**
   * Refuses to delete the directory {@code kept} (a mirror's source reached inside its
   * destination under another name), whose status is {@code s}.
   */
  static void refuseKept(Path directory, FileStatus s, dev.linksafe.model.FileId kept)
      throws java.nio.file.FileSystemException {
    if (s.id().equals(kept)) {
      throw new java.nio.file.FileSystemException(directory.toString(), null,
          "is the source itself, reached inside the destination: not deleted");
    }
  }

  /**
   * Gives a directory's owner full access where it lacks write or search (a read-only
   * directory copied as such), so that names can be made in it or removed; its owner, group and
   * times stay. Returns whether it changed the mode.
   *
   * @param s the directory's status, as just looked at
   */
  default boolean openForOwner(Path directory, FileStatus s) throws IOException {
    if (s.kind() != dev.linksafe.model.EntryKind.DIRECTORY || (s.mode() & 0300) == 0300) {
      return false;
    }
    setMetadata(directory, new FileStatus(s.kind(), s.id(), s.size(), s.modifiedNanos(), s.accessedNanos(),
        s.changedNanos(), s.linkCount(), s.mode() | 0700, -1, -1, 0), false);
    return true;
  }

  /**
   * This access, changed so that no write under {@code root} follows a link on the way to the
   * name it writes: a directory replaced by a symlink while a run works below it makes that write
   * fail instead of landing outside {@code root}. Reads and names outside {@code root} are as
   * before. Where the platform allows, the whole way is resolved by the kernel in one step;
   * elsewhere each directory on the way is checked, which narrows the race but cannot close it.
   */
  FileSystemAccess confinedTo(Path root) throws IOException;

  /** Releases what a confined access keeps open between writes; a no-op elsewhere. */
  @Override
  default void close() {}

  /** How reflink clones are used when copying file contents. */
  enum ReflinkMode {
    /** Let the kernel share extents where the volume can (copy_file_range), else copy. */
    AUTO,
    /** Clone (FICLONE) or fail. */
    ALWAYS,
    /** Always write the bytes: the copy shares no extent with its source. */
    NEVER
  }
}
