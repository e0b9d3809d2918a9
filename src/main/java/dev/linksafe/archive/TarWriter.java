package dev.linksafe.archive;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.Problem;
import dev.linksafe.model.ReparsePoint;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.Platforms;
import dev.linksafe.platform.RawNames;
import dev.linksafe.scan.ExcludeFilter;
import dev.linksafe.scan.HardLinkTracker;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a tree as a POSIX (pax) tar stream: names in sorted order, each hard-link group's first
 * name as a file and its others as hard-link entries, symlinks with their exact targets,
 * modification times in pax headers to the nanosecond, modes, numeric owners, long names through pax headers.
 * A junction or other reparse point becomes a symlink entry carrying its buffer in the pax
 * header {@value #REPARSE_HEADER}. Memory does not grow with the archive: the walk holds one
 * directory listing per level and the groups still open, and reads at most a bounded number of
 * bytes ahead of the stream (small files are read whole by the walking thread, so reading and
 * formatting overlap).
 */
public final class TarWriter {
  /** The pax header holding a reparse point's raw buffer, base64. */
  public static final String REPARSE_HEADER = "LINKSAFE.reparse";

  private final ExcludeFilter excludes;
  private final FileId archive;

  public TarWriter(ExcludeFilter excludes) {
    this(excludes, null);
  }

  /**
   * @param archive the file the archive is written to, left out when it lies inside the tree
   *     (as GNU tar leaves it out), or null
   */
  public TarWriter(ExcludeFilter excludes, FileId archive) {
    this.excludes = excludes;
    this.archive = archive;
  }

  /** Files up to this size are read whole by the walking thread. */
  private static final int SMALL_FILE_BYTES = 1 << 20;
  /** Holes worth a sparse entry: below this a file is written whole, in the plainest format. */
  private static final long SPARSE_HOLE_BYTES = 64 * 1024;
  /** Bytes read ahead of the archive stream at most. */
  private static final int READ_AHEAD_BYTES = 8 << 20;

  /** Writes {@code source} to {@code out} (which is closed), compressed as asked. */
  public ArchiveReport write(Path source, OutputStream out, Compression compression) throws IOException {
    Path root = source.toRealPath();
    Walking walking = new Walking(Platforms.forPath(root), root);
    Thread walker = new Thread(walking, "linksafe-archive-walker");
    walker.setDaemon(true);
    walker.start();
    ArchiveOutput sink = new ArchiveOutput(out);
    Writing w = new Writing(walking, sink);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
        compression.wrap(new BufferedOutputStream(sink, 256 * 1024)), "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      w.all(tar);
      tar.finish();
    } finally {
      walker.interrupt();
    }
    List<Problem> problems;
    synchronized (walking.problems) {
      problems = new ArrayList<>(walking.problems);
    }
    return new ArchiveReport(w.entries, w.files, w.links, w.symlinks, w.directories, w.bytes, problems);
  }

  /**
   * One entry as the walk found it, in archive order. A small file comes with its bytes, read
   * by the walking thread while the writing thread formats and writes the entries before it.
   */
  private record Item(String name, Path path, FileStatus status, String linkName, ReparsePoint reparse,
      byte[] content, boolean hardLink) {
    static final Item END = new Item(null, null, null, null, null, null, false);
  }

  /**
   * Walks the tree in archive order (names sorted, depth first) on its own thread: lists,
   * looks at each name, reads links and small files, and queues what it found. System calls
   * and formatting overlap; the queue and the bytes it may hold are bounded.
   */
  private final class Walking implements Runnable {
    final FileSystemAccess access;
    final Path root;
    final HardLinkTracker<String> groups = new HardLinkTracker<>();
    final List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
    final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(1024);
    final Semaphore budget = new Semaphore(READ_AHEAD_BYTES);
    /** What stopped the walk, if it failed. */
    volatile RuntimeException failure;

    Walking(FileSystemAccess access, Path root) {
      this.access = access;
      this.root = root;
    }

    @Override
    public void run() {
      try {
        directory(root, "");
      } catch (InterruptedException e) {
        return; // the writing side stopped
      } catch (RuntimeException e) {
        failure = e;
      }
      try {
        queue.put(Item.END);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void directory(Path dir, String prefix) throws InterruptedException {
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> stream = access.newDirectoryStream(dir)) {
        stream.forEach(children::add);
      } catch (IOException | java.nio.file.DirectoryIteratorException e) {
        problems.add(new Problem(prefix.isEmpty() ? "." : prefix, "cannot read directory: " + e.getMessage()));
        return;
      }
      children.sort(null);
      // every name looked at first, relative to the directory held open meanwhile; then each
      // entry, subdirectories included (so that no more than one directory is held at a time)
      FileStatus[] statuses = new FileStatus[children.size()];
      try (FileSystemAccess.DirectoryHandle handle = access.openDirectoryHandle(dir)) {
        for (int i = 0; i < statuses.length; i++) {
          Path child = children.get(i);
          String name = prefix + RawNames.name(child);
          try {
            statuses[i] = handle.stat(child);
          } catch (NoSuchFileException e) {
            problems.add(new Problem(name, "vanished while archiving"));
          } catch (IOException e) {
            problems.add(new Problem(name, "cannot read status: " + e.getMessage()));
          }
        }
      }
      for (int i = 0; i < statuses.length; i++) {
        Path child = children.get(i);
        // a name whose bytes are not valid UTF-8 keeps them (see RawNames): written raw
        String name = prefix + RawNames.name(child);
        FileStatus status = statuses[i];
        if (status == null) {
          continue;
        }
        boolean isDirectory = status.kind() == EntryKind.DIRECTORY;
        if (!excludes.isEmpty() && excludes.excludes(name, isDirectory)) {
          continue;
        }
        if (archive != null && status.kind() == EntryKind.REGULAR_FILE && status.id().equals(archive)) {
          continue; // the archive being written, a name of the tree
        }
        try {
          entry(child, name, status);
        } catch (IOException e) {
          problems.add(new Problem(name, "cannot archive: " + e.getMessage()));
        }
      }
    }

    void entry(Path path, String name, FileStatus status) throws IOException, InterruptedException {
      switch (status.kind()) {
        case DIRECTORY -> {
          queue.put(new Item(name + "/", path, status, null, null, null, false));
          directory(path, name + "/");
        }
        case REGULAR_FILE -> file(path, name, status);
        case SYMLINK, REPARSE_POINT -> {
          if (laterNameOfGroup(path, name, status)) {
            return;
          }
          Optional<ReparsePoint> reparse = access.supportsReparsePoints() ? access.readReparsePoint(path) : Optional.empty();
          String target = status.kind() == EntryKind.SYMLINK ? access.readSymlink(path)
              : reparse.map(r -> r.printName() != null ? r.printName() : "").orElse("");
          queue.put(new Item(name, path, status, target, reparse.orElse(null), null, false));
        }
        case FIFO, CHARACTER_DEVICE, BLOCK_DEVICE -> {
          if (!laterNameOfGroup(path, name, status)) {
            queue.put(new Item(name, path, status, null, null, null, false));
          }
        }
        default -> problems.add(new Problem(name, "a " + status.kind().name().toLowerCase() + " cannot be archived; skipped"));
      }
    }

    /**
     * Whether this is a later name of a hard-link group (a file, or a symlink, FIFO or device
     * that Linux linked), queued as a hard-link entry to the group's first name.
     */
    boolean laterNameOfGroup(Path path, String name, FileStatus status) throws InterruptedException {
      if (!status.isHardLinked()) {
        return false;
      }
      HardLinkTracker.Sighting<String> s = groups.sight(status.id(), status.linkCount(), () -> name);
      if (s.first()) {
        return false;
      }
      queue.put(new Item(name, path, status, s.state(), null, null, true));
      return true;
    }

    void file(Path path, String name, FileStatus status) throws IOException, InterruptedException {
      if (laterNameOfGroup(path, name, status)) {
        return;
      }
      if (status.size() > SMALL_FILE_BYTES) {
        queue.put(new Item(name, path, status, null, null, null, false)); // streamed by the writer
        return;
      }
      int size = (int) status.size();
      budget.acquire(size + 512);
      byte[] content;
      try (InputStream in = access.newInputStream(path)) {
        content = in.readNBytes(size);
      } catch (IOException e) {
        budget.release(size + 512);
        throw e;
      }
      if (content.length < size) {
        // the file shrank while archiving: the entry must still hold the size it announced
        content = java.util.Arrays.copyOf(content, size);
        problems.add(new Problem(name, "shrank while archiving: padded with zeros"));
      }
      queue.put(new Item(name, path, status, null, null, content, false));
    }
  }

  /** Formats and writes the walk's entries, in its order. */
  private static final class Writing {
    final Walking walking;
    long entries;
    long files;
    long links;
    long symlinks;
    long directories;
    long bytes;

    final ArchiveOutput sink;

    Writing(Walking walking, ArchiveOutput sink) {
      this.walking = walking;
      this.sink = sink;
    }

    void all(TarArchiveOutputStream tar) throws IOException {
      while (true) {
        Item item;
        try {
          item = walking.queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("archiving interrupted");
        }
        if (item == Item.END) {
          if (walking.failure != null) {
            throw walking.failure;
          }
          return;
        }
        try {
          entry(item, tar);
        } catch (IOException e) {
          if (sink.failure != null) {
            // the archive itself cannot be written (full, broken pipe): nothing after can be
            throw new IOException("cannot write the archive: " + Problem.reason(sink.failure), sink.failure);
          }
          walking.problems.add(new Problem(item.name(), "cannot archive: " + Problem.reason(e)));
        } finally {
          if (item.content() != null) {
            walking.budget.release(item.content().length + 512);
          }
        }
      }
    }

    void entry(Item item, TarArchiveOutputStream tar) throws IOException {
      FileStatus status = item.status();
      if (item.hardLink()) {
        put(tar, start(tar, item.name(), TarConstants.LF_LINK, status, item.linkName(), 0, null));
        links++;
        return;
      }
      switch (status.kind()) {
        case DIRECTORY -> {
          put(tar, start(tar, item.name(), TarConstants.LF_DIR, status, null, 0, null));
          directories++;
        }
        case REGULAR_FILE -> file(item, tar);
        case SYMLINK, REPARSE_POINT -> {
          put(tar, start(tar, item.name(), TarConstants.LF_SYMLINK, status, item.linkName(), 0,
              item.reparse() == null ? null : item.reparse().raw()));
          symlinks++;
        }
        case FIFO, CHARACTER_DEVICE, BLOCK_DEVICE -> {
          byte type = status.kind() == EntryKind.FIFO ? TarConstants.LF_FIFO
              : status.kind() == EntryKind.CHARACTER_DEVICE ? TarConstants.LF_CHR : TarConstants.LF_BLK;
          TarArchiveEntry e = start(tar, item.name(), type, status, null, 0, null);
          long rdev = status.rdev();
          e.setDevMajor((int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL)));
          e.setDevMinor((int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL)));
          put(tar, e);
        }
        default -> throw new IllegalStateException("not queued: " + status.kind());
      }
    }

    void file(Item item, TarArchiveOutputStream tar) throws IOException {
      FileStatus status = item.status();
      if (item.content() != null) {
        TarArchiveEntry e = start(tar, item.name(), TarConstants.LF_NORMAL, status, null, item.content().length, null);
        e.setSize(item.content().length);
        tar.putArchiveEntry(e);
        tar.write(item.content());
        tar.closeArchiveEntry();
      } else if (sparseFile(item, tar)) {
        return;
      } else {
        try (InputStream in = walking.access.newInputStream(item.path())) {
          TarArchiveEntry e = start(tar, item.name(), TarConstants.LF_NORMAL, status, null, status.size(), null);
          e.setSize(status.size());
          tar.putArchiveEntry(e);
          BoundedOutput data = new BoundedOutput(tar, status.size());
          try {
            in.transferTo(data);
          } catch (IOException readOrWrite) {
            if (sink.failure != null) {
              throw readOrWrite;
            }
            // a read error: the header announced the size, so the entry must still hold it
            // (or every later header would be read as data), as GNU tar pads it
            padWithZeros(tar, data.left);
            tar.closeArchiveEntry();
            walking.problems.add(new Problem(item.name(), "read error after "
                + (status.size() - data.left) + " bytes, padded with zeros: " + Problem.reason(readOrWrite)));
            entries++;
            return;
          }
          if (data.left > 0) {
            // the file shrank while archiving: the entry must still hold the size it announced
            padWithZeros(tar, data.left);
            walking.problems.add(new Problem(item.name(), "shrank while archiving: padded with zeros"));
          }
          tar.closeArchiveEntry();
        }
      }
      entries++;
      files++;
      bytes += status.size();
    }

    /**
     * Writes a file with holes as a GNU sparse entry (format 1.0 in pax, as GNU tar --sparse and
     * bsdtar write it): its data runs only, after a map of where they go, so that an archive of
     * a mostly empty disk image stays small and extracts with its holes. Returns false, having
     * written nothing, for a file without enough holes, of 2 GiB or more, or whose values need
     * Commons Compress's own pax header; it is then written whole.
     */
    boolean sparseFile(Item item, TarArchiveOutputStream tar) throws IOException {
      FileStatus status = item.status();
      if (status.size() > Integer.MAX_VALUE) {
        // Commons Compress reads GNU.sparse.realsize as an int: linksafe extract could not read it
        return false;
      }
      List<long[]> runs;
      try {
        runs = walking.access.dataRuns(item.path(), status.size());
      } catch (IOException e) {
        return false; // read whole: that read reports what is wrong with the file
      }
      long data = runs == null ? status.size() : runs.stream().mapToLong(r -> r[1]).sum();
      if (runs == null || status.size() - data < SPARSE_HOLE_BYTES) {
        return false;
      }
      byte[] map = sparseMap(runs, status.size());
      long seconds = Math.floorDiv(status.modifiedNanos(), 1_000_000_000L);
      if (exceedsUstar(seconds, map.length + data, status)) {
        return false;
      }
      TarArchiveEntry e = startSparse(tar, item.name(), status);
      e.setSize(map.length + data);
      tar.putArchiveEntry(e);
      tar.write(map);
      long left = data;
      try (InputStream in = walking.access.newInputStream(item.path())) {
        long position = 0;
        for (long[] run : runs) {
          in.skipNBytes(run[0] - position);
          BoundedOutput out = new BoundedOutput(tar, run[1]);
          copy(in, out, run[1]);
          left -= run[1] - out.left;
          position = run[0] + run[1];
          if (out.left > 0) {
            break; // shrank
          }
        }
      } catch (java.io.EOFException shrank) {
        // skipped past its end: reported below
      } catch (IOException readOrWrite) {
        if (sink.failure != null) {
          throw readOrWrite;
        }
        walking.problems.add(new Problem(item.name(), "read error, padded with zeros: " + Problem.reason(readOrWrite)));
        padWithZeros(tar, left);
        left = 0;
      }
      if (left > 0) {
        // the map announced this much data: the entry must still hold it
        padWithZeros(tar, left);
        walking.problems.add(new Problem(item.name(), "shrank while archiving: padded with zeros"));
      }
      tar.closeArchiveEntry();
      entries++;
      files++;
      bytes += status.size();
      return true;
    }

    /** Copies up to {@code length} bytes, fewer where the input ends. */
    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
      byte[] buffer = new byte[(int) Math.min(length, 256 * 1024)];
      for (long left = length; left > 0; ) {
        int n = in.read(buffer, 0, (int) Math.min(left, buffer.length));
        if (n < 0) {
          return;
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    }

    /**
     * The map that starts a GNU sparse 1.0 entry's data: the number of runs, then each run's
     * offset and length, in decimal, a line each, padded to a whole block. A file that ends in
     * a hole gets a last, empty run at its end, as GNU tar writes it.
     */
    static byte[] sparseMap(List<long[]> runs, long size) {
      List<long[]> all = new java.util.ArrayList<>(runs);
      long[] last = all.isEmpty() ? null : all.get(all.size() - 1);
      if (last == null || last[0] + last[1] < size) {
        all.add(new long[] {size, 0});
      }
      StringBuilder b = new StringBuilder().append(all.size()).append('\n');
      for (long[] run : all) {
        b.append(run[0]).append('\n').append(run[1]).append('\n');
      }
      byte[] text = b.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      return java.util.Arrays.copyOf(text, (text.length + 511) / 512 * 512);
    }

    /**
     * The header of a GNU sparse 1.0 entry: a pax header of its own with the real name and size
     * ({@code GNU.sparse.name}, {@code GNU.sparse.realsize}) and the time to the nanosecond, and a
     * ustar header named {@code GNUSparseFile.0/...}, which a reader that knows no sparse files
     * extracts as a file of the map and data under that name.
     */
    static TarArchiveEntry startSparse(TarArchiveOutputStream tar, String name, FileStatus s) throws IOException {
      long seconds = Math.floorDiv(s.modifiedNanos(), 1_000_000_000L);
      int nanos = (int) Math.floorMod(s.modifiedNanos(), 1_000_000_000L);
      java.io.ByteArrayOutputStream records = new java.io.ByteArrayOutputStream(256);
      if (RawNames.hasEscapes(name)) {
        paxRecord(records, "hdrcharset", "BINARY".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      paxRecord(records, "GNU.sparse.major", new byte[] {'1'});
      paxRecord(records, "GNU.sparse.minor", new byte[] {'0'});
      paxRecord(records, "GNU.sparse.name", RawNames.bytes(name));
      paxRecord(records, "GNU.sparse.realsize",
          Long.toString(s.size()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      paxRecord(records, "mtime", decimalSeconds(seconds, nanos));
      writePax(tar, records, seconds);
      TarArchiveEntry e = header(standIn("GNUSparseFile.0/" + name), TarConstants.LF_NORMAL, s);
      e.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(seconds)));
      return e;
    }

    /** Writes a pax header entry of the given records. */
    private static void writePax(TarArchiveOutputStream tar, java.io.ByteArrayOutputStream records, long seconds)
        throws IOException {
      TarArchiveEntry pax = new TarArchiveEntry("././@PaxHeader", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
      pax.setSize(records.size());
      pax.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(Math.max(0, seconds))));
      tar.putArchiveEntry(pax);
      records.writeTo(tar);
      tar.closeArchiveEntry();
    }

    void put(TarArchiveOutputStream tar, TarArchiveEntry e) throws IOException {
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      entries++;
    }

    /**
     * The header of an entry, its link name set. Commons Compress writes a pax time to 100 ns
     * (seven decimals) and a name that is not valid UTF-8 not at all, so an entry with either
     * (most files on ext4, xfs or btrfs have nanoseconds) gets a pax header written here: the
     * time to the nanosecond, the name and link as raw bytes (with {@code hdrcharset=BINARY}
     * when they are not UTF-8, as GNU tar writes them), its reparse buffer. The entry itself then
     * gets an ASCII stand-in name and a whole-second time, so that Commons Compress adds no pax
     * header of its own that would override this one. Values too large for the ustar fields
     * (sizes from 8 GiB, large ids, times before 1970) are left to Commons Compress, whose
     * header then carries them and the time to 100 ns.
     */
    static TarArchiveEntry start(TarArchiveOutputStream tar, String name, byte type, FileStatus s,
        String linkName, long size, byte[] reparse) throws IOException {
      long seconds = Math.floorDiv(s.modifiedNanos(), 1_000_000_000L);
      int nanos = (int) Math.floorMod(s.modifiedNanos(), 1_000_000_000L);
      boolean raw = RawNames.hasEscapes(name) || (linkName != null && RawNames.hasEscapes(linkName));
      boolean fine = nanos % 100 != 0;
      if ((!raw && !fine) || (!raw && exceedsUstar(seconds, size, s))) {
        TarArchiveEntry e = header(name, type, s);
        if (linkName != null) {
          e.setLinkName(linkName);
        }
        if (reparse != null) {
          e.addPaxHeader(REPARSE_HEADER, Base64.getEncoder().encodeToString(reparse));
        }
        return e;
      }
      java.io.ByteArrayOutputStream records = new java.io.ByteArrayOutputStream(256);
      if (raw) {
        paxRecord(records, "hdrcharset", "BINARY".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      }
      String nameInHeader = standIn(name);
      if (raw || !nameInHeader.equals(name)) {
        paxRecord(records, "path", RawNames.bytes(name));
      }
      String linkInHeader = linkName == null ? null : standIn(linkName);
      if (linkName != null && (raw || !linkInHeader.equals(linkName))) {
        paxRecord(records, "linkpath", RawNames.bytes(linkName));
      }
      paxRecord(records, "mtime", decimalSeconds(seconds, nanos));
      if (reparse != null) {
        paxRecord(records, REPARSE_HEADER, Base64.getEncoder().encode(reparse));
      }
      writePax(tar, records, seconds);
      TarArchiveEntry e = header(nameInHeader, type, s);
      e.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(seconds)));
      if (linkName != null) {
        e.setLinkName(linkInHeader);
      }
      return e;
    }

    /** Whether a value does not fit its ustar field, so that Commons Compress must write it. */
    private static boolean exceedsUstar(long seconds, long size, FileStatus s) {
      return seconds < 0 || seconds > TarConstants.MAXSIZE || size > TarConstants.MAXSIZE
          || s.uid() > TarConstants.MAXID || s.gid() > TarConstants.MAXID
          || Long.compareUnsigned(s.rdev(), TarConstants.MAXID) > 0;
    }

    /** {@code seconds.nnnnnnnnn}, as GNU tar writes pax times. */
    private static byte[] decimalSeconds(long seconds, int nanos) {
      String fraction = Integer.toString(nanos);
      return (seconds + "." + "000000000".substring(fraction.length()) + fraction)
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** One pax record, {@code "<length> <key>=<value>\n"}, the length counting itself. */
    private static void paxRecord(java.io.ByteArrayOutputStream out, String key, byte[] value) {
      int rest = 1 + key.length() + 1 + value.length + 1; // space, key, '=', value, newline
      int length = rest + Integer.toString(rest).length();
      if (Integer.toString(length).length() != Integer.toString(rest).length()) {
        length++;
      }
      byte[] head = (length + " " + key + "=").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      out.write(head, 0, head.length);
      out.write(value, 0, value.length);
      out.write('\n');
    }

    /**
     * A short ASCII name for the ustar header of an entry whose real name is in a pax header. A
     * name cut short must not end in '/', which marks a directory (and a size of zero).
     */
    static String standIn(String name) {
      boolean directory = name.endsWith("/");
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < name.length() && b.length() < 90; i++) {
        char c = name.charAt(i);
        b.append(c >= 0x20 && c < 0x7f ? c : '_');
      }
      while (b.length() > 0 && b.charAt(b.length() - 1) == '/') {
        b.setLength(b.length() - 1);
      }
      if (b.length() == 0) {
        b.append('_');
      }
      if (directory) {
        b.append('/');
      }
      return b.toString();
    }

    static TarArchiveEntry header(String name, byte type, FileStatus s) {
      TarArchiveEntry e = new TarArchiveEntry(name, type, true);
      e.setMode(s.mode());
      if (s.uid() >= 0) {
        e.setUserId(s.uid());
        e.setGroupId(s.gid());
      }
      long seconds = Math.floorDiv(s.modifiedNanos(), 1_000_000_000L);
      int nanos = (int) Math.floorMod(s.modifiedNanos(), 1_000_000_000L);
      e.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(seconds, nanos)));
      return e;
    }
  }

  private static void padWithZeros(OutputStream out, long count) throws IOException {
    byte[] zeros = new byte[(int) Math.min(count, 64 * 1024)];
    for (long left = count; left > 0; left -= zeros.length) {
      out.write(zeros, 0, (int) Math.min(left, zeros.length));
    }
  }

  /**
   * The stream the archive goes to, keeping the first error it gave: an archive that cannot be
   * written ends the run with that error, where a file that cannot be read is only reported.
   */
  private static final class ArchiveOutput extends OutputStream {
    private final OutputStream out;
    volatile IOException failure;

    ArchiveOutput(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      guarded(() -> out.write(b));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      guarded(() -> out.write(b, off, len));
    }

    @Override
    public void flush() throws IOException {
      guarded(out::flush);
    }

    @Override
    public void close() throws IOException {
      guarded(out::close);
    }

    private interface Call {
      void run() throws IOException;
    }

    private void guarded(Call call) throws IOException {
      try {
        call.run();
      } catch (IOException e) {
        throw failed(e);
      }
    }

    private IOException failed(IOException e) {
      if (failure == null) {
        failure = e;
      }
      return e;
    }
  }

  /** Passes at most the announced size on: a file that grew must not overrun its entry. */
  private static final class BoundedOutput extends OutputStream {
    private final OutputStream out;
    private long left;

    BoundedOutput(OutputStream out, long limit) {
      this.out = out;
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      if (left > 0) {
        out.write(b);
        left--;
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      int n = (int) Math.min(len, left);
      if (n > 0) {
        out.write(b, off, n);
        left -= n;
      }
    }
  }
}
