package dev.linksafe.archive;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.Problem;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.KeptReparseData;
import dev.linksafe.platform.Platforms;
import dev.linksafe.platform.RawNames;
import dev.linksafe.platform.ReparseBufferCodec;
import dev.linksafe.platform.TempNames;
import dev.linksafe.model.ReparsePoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * Extracts a tar stream into a destination and refuses, entry by entry, anything that would
 * write outside it: names with {@code ..} or absolute names, hard links to names outside it, and
 * any entry whose path passes through a symlink, whether an earlier entry made it or it stood
 * in the destination already. A refused entry is reported by name and the rest extracted.
 * Symlinks are created with their exact targets and never followed. A name already taken in
 * the destination is replaced through a temporary name renamed over it; a new name is made in
 * place, a file's mode, owner and times set only once its bytes are in (see {@code makeFile}).
 * Directory times are set after their contents.
 *
 * <p>The archive is read by one thread; small files are handed, bytes and all, to a few writer
 * threads, so that making them (create, write, owner, mode, times, rename: system calls that
 * wait on the file system) overlaps with reading and parsing the stream. Anything that depends
 * on a name still being written waits for it first: a hard link to it, another entry of the
 * same name, a name below it. Everything else happens in archive order, on the reading thread.
 */
public final class TarExtractor {
  /** Files up to this size are read whole and made by a writer thread. */
  private static final int SMALL_FILE_BYTES = 1 << 20;
  /** Bytes read ahead for the writers at most. */
  private static final int WRITE_AHEAD_BYTES = 8 << 20;
  /**
   * Writers: one per core beyond the reading thread's. More do not pay: measured on two cores,
   * two writers took 5% longer than one (they contend for the directory they both write into).
   */
  private static final int WRITER_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));

  private final boolean owners;
  /** Which extended attributes in the archive to set, by name; null for none. */
  private final java.util.function.Predicate<String> xattrs;

  /** The set-user-ID and set-group-ID bits, which a file the extracting user owns does not keep. */
  static final int SET_ID_BITS = 06000;
  /**
   * The process's umask, applied as tar applies it for a user who is not root: an archive's
   * world-writable names are not made so. Linux tells it in /proc; elsewhere the usual 022.
   */
  static final int UMASK = readUmask();

  private static int readUmask() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Umask:")) {
          return Integer.parseInt(line.substring(6).trim(), 8) & 0777;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return 022;
  }

  /** @param owners whether to set owners from the archive (as root) */
  public TarExtractor(boolean owners) {
    this(owners, null);
  }

  /**
   * @param owners whether to set owners from the archive (as root)
   * @param xattrs which extended attributes to set on files and directories, by name (from
   *     {@code SCHILY.xattr.*} records), or null for none: an archive from elsewhere must not set
   *     {@code security.*} or {@code trusted.*} unless asked
   */
  public TarExtractor(boolean owners, java.util.function.Predicate<String> xattrs) {
    this.owners = owners;
    this.xattrs = xattrs;
  }

  /** Extracts {@code in} (which is closed) into {@code target}, created if missing. */
  public ArchiveReport extract(InputStream in, Path target) throws IOException {
    Files.createDirectories(target);
    Path root = target.toRealPath();
    // confined: a directory swapped for a link while extracting is not followed
    try (FileSystemAccess access = Platforms.forPath(root).confinedTo(root)) {
      Extraction x = new Extraction(root, access);
      x.removeLeftovers(root);
      return extract(in, root, x);
    }
  }

  private ArchiveReport extract(InputStream in, Path root, Extraction x) throws IOException {
    try {
      return read(in, root, x);
    } finally {
      // whatever ended the reading, no writer is left making a file under a temporary name
      x.awaitWriters();
      x.writers.shutdownNow();
    }
  }

  private ArchiveReport read(InputStream in, Path root, Extraction x) throws IOException {
    try (InputStream data = Compression.unwrap(in)) {
      TarInput tar = new TarInput(data);
      while (true) {
        TarEntry entry;
        try {
          entry = tar.next();
        } catch (IOException | RuntimeException e) {
          x.problems.add(new Problem(x.lastName == null ? "(archive)" : "after " + x.lastName,
              e instanceof TarInput.CorruptArchive ? e.getMessage() : "archive is truncated or corrupt: " + e.getMessage()));
          break;
        }
        if (entry == null) {
          break;
        }
        String name = entry.nameText();
        String linkName = entry.linkNameText();
        x.lastName = name;
        try {
          x.extract(entry, tar, name, linkName);
        } catch (IOException e) {
          x.failed(name, e);
          if (isTruncation(e)) {
            break;
          }
        } catch (RuntimeException e) {
          // a bug must not end the run silently or leave the rest unextracted
          x.failed(name, new IOException("internal error: " + e, e));
        }
        if (x.full != null) {
          break;
        }
      }
    }
    x.awaitWriters();
    x.finishDirectories();
    if (x.full != null) {
      throw new java.nio.file.FileSystemException(root.toString(), null, "the destination is full ("
          + x.full + "); stopped after " + x.files.sum() + " files. Nothing partial was left under a"
          + " final name: free space and extract again");
    }
    List<Problem> problems;
    synchronized (x.problems) {
      problems = new ArrayList<>(x.problems);
    }
    return new ArchiveReport(x.entries.sum(), x.files.sum(), x.links, x.symlinks, x.directories, x.bytes.sum(), problems);
  }

  private static boolean isTruncation(IOException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase();
    return m.contains("truncated") || e instanceof java.io.EOFException;
  }

  /** An entry's name refused for where it points. */
  static final class Refused extends IOException {
    Refused(String reason) {
      super(reason);
    }
  }

  /** A directory whose times and mode are set once its contents are in. */
  private record DirectoryTime(Path path, FileStatus like) {}

  private final class Extraction {
    final Path root;
    final FileSystemAccess access;
    final List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
    /** Makes the small files; see the class comment. */
    final ExecutorService writers = Executors.newFixedThreadPool(
        WRITER_THREADS, r -> {
          Thread t = new Thread(r, "linksafe-extract-writer");
          t.setDaemon(true);
          return t;
        });
    /** The files being made by the writers, by path. */
    final Map<Path, Future<?>> writing = new ConcurrentHashMap<>();
    /** Bytes read ahead and not yet written: bounds the memory the writers may hold. */
    final Semaphore budget = new Semaphore(WRITE_AHEAD_BYTES);
    /** The arrays small files are read into, reused once written. */
    final ArrayPool arrays = new ArrayPool(SMALL_FILE_BYTES, 2L * WRITE_AHEAD_BYTES);
    /** The first problem that said the destination is full, after which nothing new starts. */
    volatile Problem full;
    /** Directories whose times are set last, deepest first (a stack in archive order). */
    final Deque<DirectoryTime> directoryTimes = new ArrayDeque<>();
    /**
     * Directories checked (or made) as real directories on the way down, the most recent few:
     * entries come directory by directory, so this spares a look at every parent of every
     * entry. No entry can replace one of them: a directory in the way of a non-directory
     * entry is refused.
     */
    final Map<Path, Boolean> checkedDirectories = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Path, Boolean> eldest) {
        return size() > 1024;
      }
    };
    String lastName;
    final LongAdder entries = new LongAdder();
    final LongAdder files = new LongAdder();
    long links;
    long symlinks;
    long directories;
    final LongAdder bytes = new LongAdder();

    /** Names this run's temporary files, which its removal of leftovers leaves alone. */
    final String run = TempNames.newRun();

    Extraction(Path root, FileSystemAccess access) {
      this.root = root;
      this.access = access;
    }

    /**
     * Removes the temporary files a killed extraction left in a directory that was there
     * before this one: a rerun must end with the archive's names only. Looked at once per
     * directory met (again should it fall out of those kept as checked).
     */
    void removeLeftovers(Path dir) {
      String ours = TempNames.PREFIX + run + ".";
      try (var children = access.newDirectoryStream(dir)) {
        for (Path child : children) {
          String name = child.getFileName().toString();
          if (TempNames.isTemporary(name) && !name.startsWith(ours)) {
            try {
              access.delete(child);
            } catch (IOException e) {
              // a directory of that name is not a file we made; the next run tries again
            }
          }
        }
      } catch (IOException e) {
        // unreadable: what it holds is reported as the archive's names are written into it
      }
    }

    /** Notes a failed entry; one that says the destination is full stops the extraction. */
    void failed(String name, IOException e) {
      Problem problem = new Problem(name, "cannot extract: " + e.getMessage());
      problems.add(problem);
      if (full == null && Problem.isDestinationFull(e)) {
        full = problem;
      }
    }

    /** Waits until the file being made at {@code path}, if any, is there (or failed). */
    void awaitWriting(Path path) {
      Future<?> pending = writing.get(path);
      if (pending != null) {
        await(pending);
      }
    }

    /** Waits for every file handed to the writers. */
    void awaitWriters() {
      for (Future<?> pending : writing.values()) {
        await(pending);
      }
    }

    private void await(Future<?> pending) {
      try {
        pending.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | CancellationException e) {
        // the writer reported its own failure
      }
    }

    /** Hands a small file, read whole, to a writer. */
    void writeLater(Path path, TarEntry e, String name, byte[] content, int length) {
      int cost = length + 512;
      budget.acquireUninterruptibly(cost);
      FileStatus like = status(e, EntryKind.REGULAR_FILE);
      CompletableFuture<Void> done = new CompletableFuture<>();
      writing.put(path, done);
      try {
        writers.execute(() -> {
          try {
            if (full == null) {
              makeFile(path, like, owners, access::createFile, out -> out.write(content, 0, length),
                  made -> restoreXattrs(made, e, name));
              files.increment();
              entries.increment();
              bytes.add(length);
            }
          } catch (IOException | RuntimeException x) {
            failed(name, x instanceof IOException io ? io : new IOException(x.toString(), x));
          } finally {
            budget.release(cost);
            arrays.give(content);
            writing.remove(path, done);
            done.complete(null);
          }
        });
      } catch (RejectedExecutionException x) {
        budget.release(cost);
        arrays.give(content);
        writing.remove(path, done);
        done.complete(null);
        failed(name, new IOException("extraction stopped", x));
      }
    }

    void extract(TarEntry e, TarInput tar, String name, String linkName) throws IOException {
      if (e.type() == 'V') {
        return; // a volume label: no file, as tar reads it
      }
      if ((e.isSymbolicLink() || e.isHardLink()) && linkName == null) {
        throw new IOException("archive is corrupt: a link without a target; skipped");
      }
      Path path = resolveInside(name);
      boolean directory = e.isDirectory();
      leaveDirectoriesFor(path, directory);
      // the same name again, or a name this entry needs, may still be in a writer's hands
      awaitWriting(path);
      if (path.equals(root)) {
        if (directory) {
          directoryTimes.push(new DirectoryTime(path, status(e, EntryKind.DIRECTORY)));
        }
        return;
      }
      ensureParents(path, true);
      String reparse = e.reparse();
      if (directory) {
        try {
          access.createDirectory(path, 0755);
        } catch (FileAlreadyExistsException there) {
          FileStatus existing = statOrNull(path);
          if (existing != null && existing.kind() != EntryKind.DIRECTORY) {
            access.delete(path); // a file or link in the way: replaced, not followed
            access.createDirectory(path, 0755);
          } else if (checkedDirectories.get(path) == null) {
            removeLeftovers(path);
          }
        }
        checkedDirectories.put(path, Boolean.TRUE);
        restoreXattrs(path, e, name);
        directoryTimes.push(new DirectoryTime(path, status(e, EntryKind.DIRECTORY)));
        directories++;
      } else if (e.isSymbolicLink()) {
        if (reparse != null && access.supportsReparsePoints()) {
          ReparsePoint r = ReparseBufferCodec.decode(reparseBuffer(reparse), name);
          replace(path, temp -> access.createReparsePoint(temp, r, r.isJunction()));
        } else {
          make(path, temp -> access.createSymlink(temp, linkName), made -> {
            if (reparse != null && owners) {
              KeptReparseData.write(access, made, ReparseBufferCodec.decode(reparseBuffer(reparse), name));
            }
            setMetadata(made, e, EntryKind.SYMLINK);
          });
        }
        symlinks++;
      } else if (e.isHardLink()) {
        Path existingName = resolveInside(linkName);
        awaitWriting(existingName);
        if (!ensureParents(existingName, false)) {
          throw new Refused("hard link to " + linkName + ", which the archive has not extracted");
        }
        FileStatus linked = statOrNull(existingName);
        if (linked == null) {
          throw new Refused("hard link to " + linkName + ", which the archive has not extracted");
        }
        if (linked.kind() == EntryKind.DIRECTORY) {
          throw new Refused("hard link to a directory (" + linkName + "): refused");
        }
        try {
          access.createHardLink(path, existingName);
        } catch (FileAlreadyExistsException there) {
          FileStatus existing = statOrNull(path);
          if (existing == null || !existing.id().equals(linked.id())) {
            // (a rename between two names of one file does nothing and would leave the temporary name)
            replace(path, temp -> access.createHardLink(temp, existingName));
          }
        }
        links++;
      } else if (e.isFifo() || e.isCharacterDevice() || e.isBlockDevice()) {
        EntryKind kind = e.isFifo() ? EntryKind.FIFO : e.isCharacterDevice() ? EntryKind.CHARACTER_DEVICE : EntryKind.BLOCK_DEVICE;
        if (kind != EntryKind.FIFO && !owners) {
          throw new IOException("device nodes can only be created when running as root; skipped");
        }
        FileStatus like = status(e, kind);
        make(path, temp -> access.createSpecial(temp, like), made -> setMetadata(made, e, kind));
      } else if (e.isFile()) {
        if (e.realSize() <= SMALL_FILE_BYTES && !e.isSparse()) {
          // (a sparse one, small or not, is written on this thread with its holes left holes)
          int length = (int) e.realSize();
          byte[] content = arrays.take(length);
          try {
            tar.readFully(content, length);
          } catch (IOException | RuntimeException x) {
            arrays.give(content);
            throw x;
          }
          writeLater(path, e, name, content, length);
          return; // counted by the writer once made
        } else {
          FileStatus like = status(e, EntryKind.REGULAR_FILE);
          if (e.isSparse()) {
            makeFile(path, like, owners, access::createSparseFile, out -> bytes.add(sparse(e, tar, out)),
                made -> restoreXattrs(made, e, name));
          } else {
            makeFile(path, like, owners, access::createFile, out -> bytes.add(transfer(tar, out)),
                made -> restoreXattrs(made, e, name));
          }
          files.increment();
        }
      } else {
        throw new IOException("entry type '" + (char) e.type() + "' is not supported; skipped");
      }
      entries.increment();
    }

    private long transfer(TarInput tar, OutputStream out) throws IOException {
      byte[] buffer = new byte[64 * 1024];
      long copied = 0;
      for (int n; (n = tar.read(buffer, 0, buffer.length)) > 0; ) {
        out.write(buffer, 0, n);
        copied += n;
      }
      return copied;
    }

    /**
     * Writes a sparse entry from its map: its data runs copied, its holes left as holes (a seek
     * each), as GNU tar extracts them. The map was checked to fit the entry's data and size.
     */
    private long sparse(TarEntry e, TarInput tar, FileSystemAccess.SparseOutput out) throws IOException {
      long at = 0;
      long copied = 0;
      byte[] buffer = new byte[64 * 1024];
      long[] map = e.sparseMap();
      for (int i = 0; i < map.length; i += 2) {
        hole(out, map[i] - at);
        long left = map[i + 1];
        while (left > 0) {
          int n = tar.read(buffer, 0, (int) Math.min(buffer.length, left));
          out.write(buffer, 0, n);
          left -= n;
          copied += n;
        }
        at = map[i] + map[i + 1];
      }
      hole(out, e.realSize() - at);
      return copied;
    }

    private static void hole(FileSystemAccess.SparseOutput out, long length) throws IOException {
      if (length > 0) {
        out.hole(length);
      }
    }

    /** Sixteen times PATH_MAX: trees deeper than the kernel takes in one path come back whole. */
    static final int NAME_CHARS_LIMIT = 65_536;
    /** As many levels as a PATH_MAX path can hold, twice over. */
    static final int DEPTH_LIMIT = 4_096;

    /**
     * The destination path of an entry name, refusing absolute names, {@code ..} components and
     * anything that resolves outside the destination.
     */
    Path resolveInside(String name) throws Refused {
      if (name.isEmpty() || name.indexOf('\0') >= 0) {
        throw new Refused("empty or malformed name");
      }
      if (name.startsWith("/") || isDriveAbsolute(name)) {
        throw new Refused("absolute name: refused (would write outside the destination)");
      }
      if (name.length() > NAME_CHARS_LIMIT) {
        throw new Refused("name of more than " + NAME_CHARS_LIMIT + " characters: refused");
      }
      String[] parts = name.split("/");
      if (parts.length > DEPTH_LIMIT) {
        // each level is a directory made and looked at: a small archive must not cost hours
        throw new Refused("name " + parts.length + " levels deep, more than " + DEPTH_LIMIT + ": refused");
      }
      for (String part : parts) {
        if (part.equals("..")) {
          throw new Refused("name with '..': refused (would write outside the destination)");
        }
        if (TempNames.isTemporary(part)) {
          // the form of linksafe's own temporary names: a partial file of an interrupted run,
          // which a later run at this destination would take for its own leftover
          throw new Refused("name reserved for temporary files (" + part + "): refused");
        }
      }
      Path p = RawNames.resolve(root, name).normalize();
      if (!p.startsWith(root)) {
        throw new Refused("name resolves outside the destination: refused");
      }
      return p;
    }

    /** A Windows name such as {@code C:\\x} or {@code C:/x}. */
    private static boolean isDriveAbsolute(String name) {
      return name.length() > 2 && name.charAt(1) == ':' && (name.charAt(2) == '\\' || name.charAt(2) == '/')
          && (name.charAt(0) | 0x20) >= 'a' && (name.charAt(0) | 0x20) <= 'z';
    }

    /**
     * Makes the parents of {@code path} as real directories, checking each one on the way:
     * a symlink (or anything but a directory) among them is refused, never followed. With
     * {@code create} false a missing parent is not made and the answer is false (a hard link's
     * target: nothing to link to there).
     */
    boolean ensureParents(Path path, boolean create) throws IOException {
      if (path.equals(root) || !path.startsWith(root)) {
        return true; // the destination itself (a hard link to "." names it): nothing above is looked at
      }
      Path parent = path.getParent() == null ? root : path.getParent();
      if (parent.equals(root) || checkedDirectories.get(parent) != null) {
        return true;
      }
      // from the top down, so that the levels of a deep name are never all held at once
      Path below = root.relativize(parent);
      for (int level = 1; level <= below.getNameCount(); level++) {
        Path current = root.resolve(below.subpath(0, level));
        if (checkedDirectories.get(current) != null) {
          continue;
        }
        awaitWriting(current); // a file of that name being made: refused below, as in archive order
        FileStatus s = statOrNull(current);
        if (s == null) {
          if (!create) {
            return false;
          }
          access.createDirectory(current, 0755);
        } else if (s.kind() != EntryKind.DIRECTORY) {
          throw new Refused("would be written through " + root.relativize(current)
              + (s.kind() == EntryKind.SYMLINK ? ", a symlink" : ", which is not a directory") + ": refused");
        } else {
          removeLeftovers(current);
        }
        checkedDirectories.put(current, Boolean.TRUE);
      }
      return true;
    }

    FileStatus statOrNull(Path p) throws IOException {
      return access.statIfExists(p);
    }

    interface Maker {
      void make(Path temp) throws IOException;
    }

    interface Opener<T extends OutputStream> {
      T create(Path path, FileStatus like, boolean owners) throws IOException;
    }

    interface Filler<T extends OutputStream> {
      void fill(T out) throws IOException;
    }

    /**
     * Makes an entry that the file system makes whole or not at all (a symlink, a FIFO, a
     * device node) at its name in one call when nothing is there, then sets what {@code finish}
     * sets (removing it again if that fails); over something that is there, through a
     * temporary name.
     */
    void make(Path path, Maker create, Maker finish) throws IOException {
      try {
        create.make(path);
      } catch (FileAlreadyExistsException there) {
        replace(path, temp -> {
          create.make(temp);
          finish.make(temp);
        });
        return;
      }
      boolean done = false;
      try {
        finish.make(path);
        done = true;
      } finally {
        if (!done) {
          try {
            access.delete(path); // what this entry made, left half done
          } catch (IOException gone) {
            // reported with the failure itself
          }
        }
      }
    }

    /** The reparse buffer of a {@value TarWriter#REPARSE_HEADER} record. */
    private byte[] reparseBuffer(String base64) throws IOException {
      try {
        return Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new IOException("archive is corrupt: its " + TarWriter.REPARSE_HEADER + " record is not base64");
      }
    }

    /**
     * Writes a file at its name when nothing is there, as tar does: a rename fewer than going
     * through a temporary name. Mode, owner and times are set only once its bytes are in, so a
     * file cut short by a kill shows mode 0600 and the time of the extraction, and one whose
     * writing fails (a full volume) is removed. Over something that is there, the file goes
     * through a temporary name, so the old one stays whole until the new one is.
     */
    <T extends OutputStream> void makeFile(Path path, FileStatus like, boolean owners, Opener<T> opener,
        Filler<T> filler, Maker finish) throws IOException {
      T out;
      try {
        out = opener.create(path, like, owners);
      } catch (FileAlreadyExistsException there) {
        replace(path, temp -> {
          try (T o = opener.create(temp, like, owners)) {
            filler.fill(o);
          }
          finish.make(temp);
        });
        return;
      }
      boolean done = false;
      try {
        try (out) {
          filler.fill(out);
        }
        done = true;
        finish.make(path);
      } finally {
        if (!done) {
          try {
            access.delete(path);
          } catch (IOException gone) {
            // reported with the failure itself
          }
        }
      }
    }

    /** Makes the entry under a temporary name beside its place and renames it over whatever is there. */
    void replace(Path path, Maker maker) throws IOException {
      Path temp = TempNames.beside(path, run);
      boolean done = false;
      try {
        maker.make(temp);
        try {
          access.rename(temp, path);
        } catch (IOException e) {
          // rename refuses to put a non-directory over a directory: most names are new, so
          // that is asked only then instead of before every entry
          FileStatus existing = statOrNull(path);
          if (existing != null && existing.kind() == EntryKind.DIRECTORY) {
            throw new FileAlreadyExistsException(path.toString(), null, "a directory stands there; left alone");
          }
          throw e;
        }
        done = true;
      } finally {
        if (!done) {
          try {
            access.delete(temp);
          } catch (NoSuchFileException gone) {
            // nothing was made
          }
        }
      }
    }

    FileStatus status(TarEntry e, EntryKind kind) {
      long nanos = e.modifiedNanos();
      long major = e.devMajor() & 0xffffffffL;
      long minor = e.devMinor() & 0xffffffffL;
      long rdev = (major & 0xfffL) << 8 | (major & ~0xfffL) << 32 | (minor & 0xffL) | (minor & ~0xffL) << 12;
      return new FileStatus(kind, new FileId(0, 0), e.realSize(), nanos, nanos, nanos, 1,
          owners ? e.mode() : e.mode() & ~UMASK & ~SET_ID_BITS, owners ? (int) e.uid() : -1,
          owners ? (int) e.gid() : -1, rdev);
    }

    /**
     * Sets the entry's extended attributes that were asked for, once its owner is set (a change
     * of owner clears {@code security.capability}). One that cannot be set is reported; the
     * entry stays.
     */
    void restoreXattrs(Path p, TarEntry e, String name) {
      if (xattrs == null || e.xattrs().isEmpty()) {
        return;
      }
      Map<String, byte[]> wanted = new LinkedHashMap<>();
      e.xattrs().forEach((key, value) -> {
        if (xattrs.test(key)) {
          wanted.put(key, value);
        }
      });
      try {
        access.writeXattrs(p, wanted);
      } catch (IOException x) {
        problems.add(new Problem(name, "cannot set extended attributes: " + Problem.reason(x)));
      }
    }

    void setMetadata(Path p, TarEntry e, EntryKind kind) throws IOException {
      access.setMetadata(p, status(e, kind), owners);
    }

    /**
     * Directories whose times wait for the writes into them: only the ones the archive is still
     * inside are kept on {@link #directoryTimes}; those it has left wait here and get their
     * times a batch at a time, once the writers have finished. Memory is then the depth of the
     * tree plus a batch, whatever the archive holds (the same directory a million times, say).
     */
    private final List<DirectoryTime> leftDirectories = new ArrayList<>();
    private static final int LEFT_DIRECTORIES_BATCH = 16_384;

    /**
     * The directories whose times were set last, kept in case the archive comes back into one
     * (its entries need not be in depth-first order): the time is then set again later. Only
     * an archive that comes back after this many other directories were left loses the time.
     */
    private final Map<Path, FileStatus> timesSet = new java.util.LinkedHashMap<>() {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Path, FileStatus> eldest) {
        return size() > REMEMBERED_DIRECTORIES;
      }
    };
    private static final int REMEMBERED_DIRECTORIES = 65_536;

    /** Moves the directories the archive has left, seen from the next entry's path, aside. */
    private void leaveDirectoriesFor(Path path, boolean directory) {
      if (!timesSet.isEmpty()) {
        FileStatus set = timesSet.remove(path.getParent());
        if (set != null) {
          leftDirectories.add(new DirectoryTime(path.getParent(), set)); // set again, after this entry
        }
      }
      while (!directoryTimes.isEmpty()) {
        DirectoryTime top = directoryTimes.peek();
        if (path.startsWith(top.path()) && !path.equals(top.path())) {
          break; // an ancestor: the archive is still inside it
        }
        directoryTimes.pop();
        if (!(directory && path.equals(top.path()))) {
          leftDirectories.add(top); // (the same directory again brings its own times)
        }
      }
      if (leftDirectories.size() >= LEFT_DIRECTORIES_BATCH) {
        setLeftDirectoryTimes();
      }
    }

    private void setLeftDirectoryTimes() {
      awaitWriters(); // a file made in a directory after its times were set would change them
      for (DirectoryTime d : leftDirectories) {
        setTimes(d);
        timesSet.put(d.path(), d.like());
      }
      leftDirectories.clear();
    }

    private void setTimes(DirectoryTime d) {
      try {
        access.setMetadata(d.path(), d.like(), owners);
      } catch (IOException e) {
        problems.add(new Problem(root.relativize(d.path()).toString(), "cannot set directory metadata: " + Problem.reason(e)));
      }
    }

    void finishDirectories() {
      setLeftDirectoryTimes();
      while (!directoryTimes.isEmpty()) {
        setTimes(directoryTimes.pop());
      }
    }
  }
}
