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
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts a tar stream into a destination and refuses, entry by entry, anything that would
 * write outside it: names with {@code ..} or absolute names, hard links to names outside it, and
 * any entry whose path passes through a symlink, whether an earlier entry made it or it stood
 * in the destination already. A refused entry is reported by name and the rest extracted.
 * Symlinks are created with their exact targets and never followed. Files are written under a
 * temporary name and renamed into place; directory times are set after their contents.
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

  /** @param owners whether to set owners from the archive (as root) */
  public TarExtractor(boolean owners) {
    this.owners = owners;
  }

  /** Extracts {@code in} (which is closed) into {@code target}, created if missing. */
  public ArchiveReport extract(InputStream in, Path target) throws IOException {
    Files.createDirectories(target);
    Path root = target.toRealPath();
    // confined: a directory swapped for a link while extracting is not followed
    try (FileSystemAccess access = Platforms.forPath(root).confinedTo(root)) {
      return extract(in, root, new Extraction(root, access));
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

  /**
   * Whether the stream holds whole blocks up to where reading stopped: tar comes in 512-byte
   * blocks, and ending inside one means the archive was cut. Commons Compress may stop inside
   * one on a whole archive (it counts a sparse entry's holes as read when it skips to the end of
   * the last record), so the block is read to its end first.
   */
  private static boolean endsOnABlock(RawPaxHeaders raw) throws IOException {
    long rest = (512 - raw.position() % 512) % 512;
    return rest == 0 || raw.skip(rest) == rest;
  }

  private ArchiveReport read(InputStream in, Path root, Extraction x) throws IOException {
    RawPaxHeaders raw = new RawPaxHeaders(Compression.unwrap(in));
    try (TarArchiveInputStream tar = new TarArchiveInputStream(raw, "UTF-8")) {
      TarArchiveEntry entry = null;
      while (true) {
        try {
          if (entry != null) {
            // the rest of the last entry's data, so that what getNextEntry reads is headers only
            while (tar.skip(Long.MAX_VALUE) > 0) {
              // skipped
            }
          }
          raw.readingHeaders();
          entry = tar.getNextEntry();
          raw.readingData();
        } catch (IOException | RuntimeException | StackOverflowError e) {
          // Commons Compress reads each extended header (pax, GNU long name) by calling itself
          // again: a few thousand in a row exhaust the stack
          x.problems.add(new Problem(x.lastName == null ? "(archive)" : "after " + x.lastName,
              "archive is truncated or corrupt: " + (e instanceof StackOverflowError
                  ? "too many extended headers in a row" : e.getMessage())));
          break;
        }
        if (entry == null) {
          if (raw.position() == 0) {
            x.problems.add(new Problem("(archive)", "not a tar archive: it is empty"));
          } else if (raw.endsAfterAnExtendedHeader()) {
            x.problems.add(new Problem(x.lastName == null ? "(archive)" : "after " + x.lastName,
                "archive is truncated or corrupt: it ends after an extended header, without its entry"));
          } else if (!endsOnABlock(raw)) {
            x.problems.add(new Problem(x.lastName == null ? "(archive)" : "after " + x.lastName,
                "archive is truncated or corrupt: it ends inside a header block"));
          }
          break;
        }
        if (!entry.isCheckSumOK()) {
          x.problems.add(new Problem(x.lastName == null ? "(archive)" : "after " + x.lastName,
              "archive is truncated or corrupt: a header's checksum does not match; stopped there"));
          break;
        }
        String name = entry.getName();
        String linkName = entry.getLinkName();
        boolean binary = "BINARY".equals(entry.getExtraPaxHeader("hdrcharset"));
        if (binary || lossy(name) || lossy(linkName)) {
          // names whose bytes are not UTF-8, which Commons Compress decodes as UTF-8, losing the
          // bytes that do not decode: read again from the headers themselves (a pax header with
          // hdrcharset=BINARY as linksafe and bsdtar write it, or raw bytes as GNU tar writes
          // them in pax or ustar headers)
          Map<String, byte[]> records = raw.lastHeader();
          if (binary && records == null) {
            x.problems.add(new Problem(name, "cannot extract: its pax header (raw bytes) could not be read back; skipped"));
            continue;
          }
          byte[][] ustar = raw.lastUstarNames();
          // GNU tar's default format: names over 100 bytes in long-name entries before the header
          byte[][] gnu = records != null && records.containsKey("path") && records.containsKey("linkpath")
              ? null : raw.lastGnuLongNames();
          if (records != null && records.containsKey("GNU.sparse.name")) {
            name = RawNames.text(records.get("GNU.sparse.name")); // a sparse 1.0 entry's real name
          } else if (records != null && records.containsKey("path")) {
            name = RawNames.text(records.get("path"));
          } else if (gnu != null && gnu[0] != null && fromField(gnu[0], name)) {
            name = RawNames.text(gnu[0]);
          } else if (ustar != null && fromField(ustar[0], name)) {
            name = RawNames.text(ustar[0]);
          }
          if (records != null && records.containsKey("linkpath")) {
            linkName = RawNames.text(records.get("linkpath"));
          } else if (gnu != null && gnu[1] != null && fromField(gnu[1], linkName)) {
            linkName = RawNames.text(gnu[1]);
          } else if (ustar != null && ustar[1] != null && fromField(ustar[1], linkName)) {
            linkName = RawNames.text(ustar[1]);
          }
        }
        x.lastName = name;
        try {
          x.extract(entry, tar, name, linkName);
        } catch (IOException e) {
          x.failed(name, e);
          if (isTruncation(e)) {
            break;
          }
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

  /**
   * The size of an entry's file. A sparse entry (GNU tar's and bsdtar's, in any of the GNU
   * sparse formats) holds only its data blocks; Commons Compress reads it back with its holes
   * as zeros, up to its real size.
   */
  static long dataSize(TarArchiveEntry e) {
    return e.isSparse() ? e.getRealSize() : e.getSize();
  }

  /**
   * Whether decoding may have lost bytes of a name: Commons Compress shows them as U+FFFD in a
   * pax value and as '?' in a ustar field.
   */
  private static boolean lossy(String text) {
    return text != null && (text.indexOf('\uFFFD') >= 0 || text.indexOf('?') >= 0);
  }

  /**
   * Whether {@code decoded} is a ustar field's {@code raw} bytes, not valid UTF-8, as Commons
   * Compress decodes them ('?' for what does not decode): the name came from that field.
   */
  private static boolean fromField(byte[] raw, String decoded) {
    java.nio.charset.CharsetDecoder strict = java.nio.charset.StandardCharsets.UTF_8.newDecoder();
    try {
      strict.decode(java.nio.ByteBuffer.wrap(raw));
      return false; // valid UTF-8: nothing was lost
    } catch (java.nio.charset.CharacterCodingException invalid) {
      try {
        String asRead = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE)
            .replaceWith("?").decode(java.nio.ByteBuffer.wrap(raw)).toString();
        return asRead.equals(decoded) || ("./" + asRead).equals(decoded) || asRead.equals("./" + decoded);
      } catch (java.nio.charset.CharacterCodingException e) {
        return false;
      }
    }
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

    Extraction(Path root, FileSystemAccess access) {
      this.root = root;
      this.access = access;
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
    void writeLater(Path path, TarArchiveEntry e, String name, byte[] content) {
      int cost = content.length + 512;
      budget.acquireUninterruptibly(cost);
      FileStatus like = status(e, EntryKind.REGULAR_FILE);
      CompletableFuture<Void> done = new CompletableFuture<>();
      writing.put(path, done);
      try {
        writers.execute(() -> {
          try {
            if (full == null) {
              replace(path, temp -> {
                try (OutputStream out = access.createFile(temp, like, owners)) {
                  out.write(content);
                }
              });
              files.increment();
              entries.increment();
              bytes.add(content.length);
            }
          } catch (IOException | RuntimeException x) {
            failed(name, x instanceof IOException io ? io : new IOException(x.toString(), x));
          } finally {
            budget.release(cost);
            writing.remove(path, done);
            done.complete(null);
          }
        });
      } catch (RejectedExecutionException x) {
        budget.release(cost);
        writing.remove(path, done);
        done.complete(null);
        failed(name, new IOException("extraction stopped", x));
      }
    }

    void extract(TarArchiveEntry e, TarArchiveInputStream tar, String name, String linkName) throws IOException {
      Path path = resolveInside(name);
      boolean directory = isDirectory(e);
      leaveDirectoriesFor(path, directory);
      // the same name again, or a name this entry needs, may still be in a writer's hands
      awaitWriting(path);
      if (path.equals(root)) {
        if (directory) {
          directoryTimes.push(new DirectoryTime(path, status(e, EntryKind.DIRECTORY)));
        }
        return;
      }
      ensureParents(path);
      String reparse = e.getExtraPaxHeader(TarWriter.REPARSE_HEADER);
      if (directory) {
        try {
          access.createDirectory(path, 0755);
        } catch (FileAlreadyExistsException there) {
          FileStatus existing = statOrNull(path);
          if (existing != null && existing.kind() != EntryKind.DIRECTORY) {
            access.delete(path); // a file or link in the way: replaced, not followed
            access.createDirectory(path, 0755);
          }
        }
        checkedDirectories.put(path, Boolean.TRUE);
        directoryTimes.push(new DirectoryTime(path, status(e, EntryKind.DIRECTORY)));
        directories++;
      } else if (e.isSymbolicLink()) {
        if (reparse != null && access.supportsReparsePoints()) {
          ReparsePoint r = ReparseBufferCodec.decode(Base64.getDecoder().decode(reparse), name);
          replace(path, temp -> access.createReparsePoint(temp, r, r.isJunction()));
        } else {
          replace(path, temp -> {
            access.createSymlink(temp, linkName);
            if (reparse != null && owners) {
              KeptReparseData.write(access, temp,
                  ReparseBufferCodec.decode(Base64.getDecoder().decode(reparse), name));
            }
            setMetadata(temp, e, EntryKind.SYMLINK);
          });
        }
        symlinks++;
      } else if (e.isLink()) {
        Path existingName = resolveInside(linkName);
        awaitWriting(existingName);
        ensureParents(existingName);
        FileStatus linked = statOrNull(existingName);
        if (linked == null) {
          throw new Refused("hard link to " + linkName + ", which the archive has not extracted");
        }
        if (linked.kind() == EntryKind.DIRECTORY) {
          throw new Refused("hard link to a directory (" + linkName + "): refused");
        }
        replace(path, temp -> access.createHardLink(temp, existingName));
        links++;
      } else if (e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice()) {
        // asked before isFile(), which Commons Compress answers yes for any entry whose name
        // does not end in '/', FIFOs and devices included
        EntryKind kind = e.isFIFO() ? EntryKind.FIFO : e.isCharacterDevice() ? EntryKind.CHARACTER_DEVICE : EntryKind.BLOCK_DEVICE;
        if (kind != EntryKind.FIFO && !owners) {
          throw new IOException("device nodes can only be created when running as root; skipped");
        }
        FileStatus like = status(e, kind);
        replace(path, temp -> {
          access.createSpecial(temp, like);
          setMetadata(temp, e, kind);
        });
      } else if (e.isFile()) {
        long size = dataSize(e);
        if (size < 0) {
          throw new IOException("archive is corrupt: negative size for " + name);
        }
        if (size <= SMALL_FILE_BYTES) {
          byte[] content = tar.readNBytes((int) size);
          if (content.length < size) {
            throw new java.io.EOFException("archive is truncated inside " + name);
          }
          writeLater(path, e, name, content);
          return; // counted by the writer once made
        } else {
          replace(path, temp -> {
            // mode, owner and times set through the open file once its bytes are in
            FileStatus like = status(e, EntryKind.REGULAR_FILE);
            if (e.isSparse()) {
              try (FileSystemAccess.SparseOutput out = access.createSparseFile(temp, like, owners)) {
                bytes.add(sparse(e, tar, out));
              }
            } else {
              try (OutputStream out = access.createFile(temp, like, owners)) {
                bytes.add(tar.transferTo(out));
              }
            }
          });
          files.increment();
        }
      } else {
        throw new IOException("entry type '" + (char) e.getLinkFlag() + "' is not supported; skipped");
      }
      entries.increment();
    }

    /**
     * Writes a sparse entry from its map: its data blocks copied, its holes (which Commons
     * Compress would read back as zeros, a byte at a time) skipped on both sides and left as
     * holes, as GNU tar extracts them. A crafted map cannot make this read or write more than the
     * archive holds: holes cost a seek each.
     */
    private long sparse(TarArchiveEntry e, TarArchiveInputStream tar, FileSystemAccess.SparseOutput out)
        throws IOException {
      long at = 0;
      long copied = 0;
      byte[] buffer = new byte[64 * 1024];
      for (org.apache.commons.compress.archivers.tar.TarArchiveStructSparse block : e.getOrderedSparseHeaders()) {
        if (block.getOffset() < at || block.getNumbytes() < 0) {
          throw new IOException("archive is corrupt: its sparse map for " + e.getName() + " goes backwards");
        }
        skipHole(tar, out, block.getOffset() - at);
        long left = block.getNumbytes();
        while (left > 0) {
          int n = tar.read(buffer, 0, (int) Math.min(buffer.length, left));
          if (n < 0) {
            throw new java.io.EOFException("archive is truncated inside " + e.getName());
          }
          out.write(buffer, 0, n);
          left -= n;
          copied += n;
        }
        at = block.getOffset() + block.getNumbytes();
      }
      if (e.getRealSize() > at) {
        skipHole(tar, out, e.getRealSize() - at);
      }
      return copied;
    }

    private void skipHole(TarArchiveInputStream tar, FileSystemAccess.SparseOutput out, long length)
        throws IOException {
      if (length <= 0) {
        return;
      }
      long skipped = 0;
      while (skipped < length) {
        long n = tar.skip(length - skipped);
        if (n <= 0) {
          break; // the map says more than the entry holds: the rest stays a hole
        }
        skipped += n;
      }
      out.hole(length);
    }

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
      for (String part : name.split("/")) {
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
     * a symlink (or anything but a directory) among them is refused, never followed.
     */
    Path ensureParents(Path path) throws IOException {
      if (path.equals(root) || !path.startsWith(root)) {
        return root; // the destination itself (a hard link to "." names it): nothing above is looked at
      }
      Path parent = path.getParent() == null ? root : path.getParent();
      if (parent.equals(root) || checkedDirectories.get(parent) != null) {
        return parent;
      }
      // only the part below the deepest directory already checked is looked at
      Deque<Path> unchecked = new ArrayDeque<>();
      for (Path p = parent; !p.equals(root) && checkedDirectories.get(p) == null; p = p.getParent()) {
        unchecked.push(p);
      }
      for (Path current : unchecked) {
        awaitWriting(current); // a file of that name being made: refused below, as in archive order
        FileStatus s = statOrNull(current);
        if (s == null) {
          access.createDirectory(current, 0755);
        } else if (s.kind() != EntryKind.DIRECTORY) {
          throw new Refused("would be written through " + root.relativize(current)
              + (s.kind() == EntryKind.SYMLINK ? ", a symlink" : ", which is not a directory") + ": refused");
        }
        checkedDirectories.put(current, Boolean.TRUE);
      }
      return parent;
    }

    FileStatus statOrNull(Path p) throws IOException {
      return access.statIfExists(p);
    }

    interface Maker {
      void make(Path temp) throws IOException;
    }

    /** Makes the entry under a temporary name beside its place and renames it over whatever is there. */
    void replace(Path path, Maker maker) throws IOException {
      Path temp = TempNames.beside(path);
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

    FileStatus status(TarArchiveEntry e, EntryKind kind) {
      long nanos = e.getLastModifiedTime().toInstant().getEpochSecond() * 1_000_000_000L
          + e.getLastModifiedTime().toInstant().getNano();

      long rdev = ((long) e.getDevMajor() & 0xfffL) << 8 | ((long) e.getDevMajor() & ~0xfffL) << 32
          | ((long) e.getDevMinor() & 0xffL) | ((long) e.getDevMinor() & ~0xffL) << 12;
      return new FileStatus(kind, new FileId(0, 0), Math.max(0, dataSize(e)), nanos, nanos, nanos, 1,
          e.getMode() & 07777, owners ? (int) e.getLongUserId() : -1, owners ? (int) e.getLongGroupId() : -1, rdev);
    }

    void setMetadata(Path p, TarArchiveEntry e, EntryKind kind) throws IOException {
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

    /**
     * Whether an entry is a directory: by its type, not by a name ending in '/', which Commons
     * Compress also takes for a directory (a symlink or hard link named {@code s/} was made a
     * directory; GNU tar and bsdtar make the link).
     */
    private static boolean isDirectory(TarArchiveEntry e) {
      return e.isDirectory() && !e.isSymbolicLink() && !e.isLink() && !e.isCharacterDevice()
          && !e.isBlockDevice() && !e.isFIFO();
    }

    void finishDirectories() {
      setLeftDirectoryTimes();
      while (!directoryTimes.isEmpty()) {
        setTimes(directoryTimes.pop());
      }
    }
  }
}
