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
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;

/**
 * Writes a tree as a POSIX (pax) tar stream: names in sorted order, each hard-link group's first
 * name as a file and its others as hard-link entries, symlinks with their exact targets,
 * modification times in pax headers to the nanosecond, modes, numeric owners, long names through pax headers.
 * A junction or other reparse point becomes a symlink entry carrying its buffer in the pax
 * header {@value #REPARSE_HEADER}. Memory does not grow with the archive: the walk holds one
 * directory listing per level and the groups still open, and at most a bounded number of bytes
 * are read ahead of the stream. Three threads overlap: the walk (listing and looking at names),
 * the reading of small files whole, and the formatting and writing of entries.
 */
public final class TarWriter {
  /** The pax header holding a reparse point's raw buffer, base64. */
  public static final String REPARSE_HEADER = "LINKSAFE.reparse";

  private static final byte LF_NORMAL = '0';
  private static final byte LF_LINK = '1';
  private static final byte LF_SYMLINK = '2';
  private static final byte LF_CHR = '3';
  private static final byte LF_BLK = '4';
  private static final byte LF_DIR = '5';
  private static final byte LF_FIFO = '6';

  private final ExcludeFilter excludes;
  private final FileId archive;
  private final boolean xattrs;

  public TarWriter(ExcludeFilter excludes) {
    this(excludes, null, false);
  }

  /**
   * @param archive the file the archive is written to, left out when it lies inside the tree
   *     (as GNU tar leaves it out), or null
   * @param xattrs whether to keep the extended attributes of files and directories, in
   *     {@code SCHILY.xattr.*} pax records as GNU tar {@code --xattrs} and bsdtar write them
   */
  public TarWriter(ExcludeFilter excludes, FileId archive, boolean xattrs) {
    this.excludes = excludes;
    this.archive = archive;
    this.xattrs = xattrs;
  }

  /** Files up to this size are read whole by the reading thread; larger ones are streamed. */
  private static final int SMALL_FILE_BYTES = 1 << 20;
  /** Holes worth a sparse entry: below this a file is written whole, in the plainest format. */
  private static final long SPARSE_HOLE_BYTES = 64 * 1024;
  /** Items the walk hands the writer at once (fewer when it must wait for the writer). */
  private static final int BATCH_ITEMS = 128;
  /** Bytes read ahead of the archive stream at most. */
  private static final int READ_AHEAD_BYTES = 8 << 20;

  /** Writes {@code source} to {@code out} (which is closed), compressed as asked. */
  public ArchiveReport write(Path source, OutputStream out, Compression compression) throws IOException {
    Path root = source.toRealPath();
    Walking walking = new Walking(Platforms.forPath(root), root);
    Thread walker = new Thread(walking, "linksafe-archive-walker");
    walker.setDaemon(true);
    walker.start();
    Reading reading = new Reading(walking);
    Thread reader = new Thread(reading, "linksafe-archive-reader");
    reader.setDaemon(true);
    reader.start();
    ArchiveOutput sink = new ArchiveOutput(out);
    Writing w = new Writing(walking, reading, sink, xattrs);
    // buffered on both sides of a compressor: headers reach it a block at a time, and it
    // hands its output on in pieces of a few hundred bytes
    OutputStream buffered = new BufferedOutputStream(sink, 256 * 1024);
    if (compression != Compression.NONE) {
      buffered = new BufferedOutputStream(compression.wrap(buffered), 64 * 1024);
    }
    try (TarOutput tar = new TarOutput(buffered)) {
      w.all(tar);
      tar.finish();
    } finally {
      walker.interrupt();
      reader.interrupt();
    }
    List<Problem> problems;
    synchronized (walking.problems) {
      problems = new ArrayList<>(walking.problems);
    }
    return new ArchiveReport(w.entries, w.files, w.links, w.symlinks, w.directories, w.bytes, problems);
  }

  /**
   * One entry as the walk found it, in archive order. A small file gets its bytes from the
   * reading thread while the writing thread formats and writes the entries before it.
   */
  private record Item(String name, Path path, FileStatus status, String linkName, ReparsePoint reparse,
      byte[] content, boolean hardLink, boolean unread) {
    static final Item END = new Item(null, null, null, null, null, null, false);

    Item(String name, Path path, FileStatus status, String linkName, ReparsePoint reparse, byte[] content,
        boolean hardLink) {
      this(name, path, status, linkName, reparse, content, hardLink, false);
    }

    /** A small file, to be read whole before it reaches the writer. */
    static Item unread(String name, Path path, FileStatus status) {
      return new Item(name, path, status, null, null, null, false, true);
    }

    Item withContent(byte[] bytes) {
      return new Item(name, path, status, linkName, reparse, bytes, hardLink, false);
    }
  }

  /**
   * Items passed from one thread to the next in archive order, in batches: one hand-over an
   * item cost a wake-up of the other thread (a futex call each side) for every name. Bounded:
   * a thread that runs ahead waits. Sixteen batches are as fast as 64 and leave the young
   * collections a quarter of the items in flight to copy (GC pauses 290 -> 160 ms an archive).
   */
  private static final class Handover {
    private final BlockingQueue<List<Item>> queue = new ArrayBlockingQueue<>(16);
    private List<Item> batch = new ArrayList<>(BATCH_ITEMS);

    void put(Item item) throws InterruptedException {
      batch.add(item);
      if (batch.size() == BATCH_ITEMS) {
        flush();
      }
    }

    /** Hands over what the batch holds now (before waiting on the next thread, say). */
    void flush() throws InterruptedException {
      if (!batch.isEmpty()) {
        queue.put(batch);
        batch = new ArrayList<>(BATCH_ITEMS);
      }
    }

    /** Hands over the rest and the end. */
    void end() throws InterruptedException {
      flush();
      queue.put(List.of(Item.END));
    }

    List<Item> take() throws InterruptedException {
      return queue.take();
    }
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
    final Handover found = new Handover();
    final Semaphore budget = new Semaphore(READ_AHEAD_BYTES);
    /** The arrays small files are read into, reused once written. */
    final ArrayPool arrays = new ArrayPool(SMALL_FILE_BYTES, 2L * READ_AHEAD_BYTES);
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
        found.end();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void put(Item item) throws InterruptedException {
      found.put(item);
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
          put(new Item(name + "/", path, status, null, null, null, false));
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
          put(new Item(name, path, status, target, reparse.orElse(null), null, false));
        }
        case FIFO, CHARACTER_DEVICE, BLOCK_DEVICE -> {
          if (!laterNameOfGroup(path, name, status)) {
            put(new Item(name, path, status, null, null, null, false));
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
      put(new Item(name, path, status, s.state(), null, null, true));
      return true;
    }

    void file(Path path, String name, FileStatus status) throws IOException, InterruptedException {
      if (laterNameOfGroup(path, name, status)) {
        return;
      }
      if (status.size() > SMALL_FILE_BYTES || status.size() - status.allocatedBytes() >= SPARSE_HOLE_BYTES) {
        // streamed by the writer, which also looks at a file's holes
        put(new Item(name, path, status, null, null, null, false));
        found.flush(); // the writer streams it while the walk goes on
        return;
      }
      put(Item.unread(name, path, status));
    }
  }

  /**
   * Reads the small files the walk found, whole, on a thread of its own between the walk and
   * the writer (reading was most of the walking thread's work: with it there, the walk held
   * back the writer), and hands the items on in the same order and batches.
   */
  private final class Reading implements Runnable {
    final Walking walking;
    final Handover out = new Handover();

    Reading(Walking walking) {
      this.walking = walking;
    }

    @Override
    public void run() {
      try {
        while (true) {
          for (Item item : walking.found.take()) {
            if (item == Item.END) {
              out.end();
              return;
            }
            out.put(item.unread() ? read(item) : item);
          }
          out.flush(); // what this batch brought goes on at once, as the walk handed it over
        }
      } catch (InterruptedException e) {
        // the writing side stopped
      }
    }

    /** The item with its bytes, or without them when the file cannot be read. */
    private Item read(Item item) throws InterruptedException {
      int size = (int) item.status().size();
      if (!walking.budget.tryAcquire(size + 512)) {
        out.flush(); // the writer frees the budget as it writes what it has been handed
        walking.budget.acquire(size + 512);
      }
      // straight into an array (readNBytes(int) reads in 8 KiB pieces and copies them
      // together); its first size bytes are the entry's
      byte[] content = walking.arrays.take(size);
      int read;
      try (InputStream in = walking.access.newInputStream(item.path())) {
        read = size == 0 ? 0 : in.readNBytes(content, 0, size);
      } catch (IOException e) {
        // handed on unread: the writer tries it once more as a streamed file and reports what
        // is wrong, and knows the name is missing when the name is a hard-link group's first
        walking.budget.release(size + 512);
        walking.arrays.give(content);
        return item.withContent(null);
      }
      if (read < size) {
        // the file shrank while archiving: the entry must still hold the size it announced (zeros)
        java.util.Arrays.fill(content, read, size, (byte) 0);
        walking.problems.add(new Problem(item.name(), "shrank while archiving: padded with zeros"));
      }
      return item.withContent(content);
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

    final Reading reading;
    final ArchiveOutput sink;

    /** Whether extended attributes go into the archive. */
    private final boolean xattrs;

    Writing(Walking walking, Reading reading, ArchiveOutput sink, boolean xattrs) {
      this.walking = walking;
      this.reading = reading;
      this.sink = sink;
      this.xattrs = xattrs;
    }

    void all(TarOutput tar) throws IOException {
      while (true) {
        List<Item> batch;
        try {
          batch = reading.out.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("archiving interrupted");
        }
        for (Item item : batch) {
          if (item == Item.END) {
            if (walking.failure != null) {
              throw walking.failure;
            }
            return;
          }
          write(item, tar);
        }
      }
    }

    /** Writes one item; a file that cannot be read is reported, an archive that cannot be written ends the run. */
    private void write(Item item, TarOutput tar) throws IOException {
      try {
        entry(item, tar);
      } catch (IOException e) {
        if (sink.failure != null) {
          // the archive itself cannot be written (full, broken pipe): nothing after can be
          throw new IOException("cannot write the archive: " + Problem.reason(sink.failure), sink.failure);
        }
        if (item.status().isHardLinked()) {
          // a first name (or one taking its place): the group's later names look for another
          String first = item.hardLink() ? item.linkName() : item.name();
          missingFirstNames.putIfAbsent(first, null);
        }
        walking.problems.add(new Problem(item.name(), "cannot archive: " + Problem.reason(e)));
      } finally {
        if (item.content() != null) {
          walking.budget.release((int) item.status().size() + 512);
          walking.arrays.give(item.content());
        }
      }
    }

    /**
     * First names of hard-link groups that could not be archived, each with the later name that
     * took its place as the group's first (null while none could): a hard-link entry must name
     * a file the archive holds.
     */
    private final java.util.Map<String, String> missingFirstNames = new java.util.HashMap<>();

    void entry(Item item, TarOutput tar) throws IOException {
      FileStatus status = item.status();
      if (item.hardLink()) {
        String first = item.linkName();
        if (missingFirstNames.containsKey(first)) {
          String replacement = missingFirstNames.get(first);
          if (replacement == null) {
            // this name becomes the group's first: its bytes are read through it
            file(new Item(item.name(), item.path(), status, null, null, null, false), tar);
            missingFirstNames.put(first, item.name());
            return;
          }
          first = replacement;
        }
        put(tar, header(item.name(), LF_LINK, status, 0, first, null));
        links++;
        return;
      }
      switch (status.kind()) {
        case DIRECTORY -> {
          put(tar, header(item.name(), LF_DIR, status, 0, null, xattrRecords(item)));
          directories++;
        }
        case REGULAR_FILE -> file(item, tar);
        case SYMLINK, REPARSE_POINT -> {
          byte[] reparse = null;
          if (item.reparse() != null) {
            java.io.ByteArrayOutputStream record = new java.io.ByteArrayOutputStream(128);
            TarOutput.record(record, REPARSE_HEADER, Base64.getEncoder().encode(item.reparse().raw()));
            reparse = record.toByteArray();
          }
          put(tar, header(item.name(), LF_SYMLINK, status, 0, item.linkName(), reparse));
          symlinks++;
        }
        case FIFO, CHARACTER_DEVICE, BLOCK_DEVICE -> {
          byte type = status.kind() == EntryKind.FIFO ? LF_FIFO
              : status.kind() == EntryKind.CHARACTER_DEVICE ? LF_CHR : LF_BLK;
          long rdev = status.rdev();
          int major = (int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL));
          int minor = (int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL));
          put(tar, new TarOutput.Header(item.name(), type, status.mode(), status.uid(), status.gid(),
              status.modifiedNanos(), 0, null, major, minor, null, false));
        }
        default -> throw new IllegalStateException("not queued: " + status.kind());
      }
    }

    void file(Item item, TarOutput tar) throws IOException {
      FileStatus status = item.status();
      if (item.content() != null) {
        tar.putEntry(header(item.name(), LF_NORMAL, status, status.size(), null, xattrRecords(item)));
        tar.write(item.content(), 0, (int) status.size());
        tar.closeEntry();
      } else if (sparseFile(item, tar)) {
        return;
      } else {
        try (InputStream in = walking.access.newInputStream(item.path())) {
          tar.putEntry(header(item.name(), LF_NORMAL, status, status.size(), null, xattrRecords(item)));
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
            tar.closeEntry();
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
          tar.closeEntry();
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
     * written nothing, for a file without enough holes, or with more data runs than an extract
     * reads back (see {@link TarInput#SPARSE_RUN_LIMIT}); it is then written whole.
     */
    boolean sparseFile(Item item, TarOutput tar) throws IOException {
      FileStatus status = item.status();
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
      if (runs.size() > TarInput.SPARSE_RUN_LIMIT) {
        return false;
      }
      byte[] map = sparseMap(runs, status.size());
      if (map.length > TarInput.HEADER_LIMIT / 2) {
        return false; // (its pax header must fit beside it in what an extract reads)
      }
      tar.putEntry(sparseHeader(item.name(), status, map.length + data, xattrRecords(item)));
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
      tar.closeEntry();
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
     * The header of a GNU sparse 1.0 entry: pax records with the real name and size
     * ({@code GNU.sparse.name}, {@code GNU.sparse.realsize}), and a ustar name
     * {@code GNUSparseFile.0/...}, which a reader that knows no sparse files extracts as a file
     * of the map and data under that name.
     */
    static TarOutput.Header sparseHeader(String name, FileStatus s, long stored, byte[] more) {
      java.io.ByteArrayOutputStream records = new java.io.ByteArrayOutputStream(256);
      if (more != null) {
        records.write(more, 0, more.length);
      }
      TarOutput.record(records, "GNU.sparse.major", new byte[] {'1'});
      TarOutput.record(records, "GNU.sparse.minor", new byte[] {'0'});
      TarOutput.record(records, "GNU.sparse.name", RawNames.bytes(name));
      TarOutput.record(records, "GNU.sparse.realsize", TarOutput.ascii(Long.toString(s.size())));
      return new TarOutput.Header(TarOutput.standIn("GNUSparseFile.0/" + name), LF_NORMAL, s.mode(),
          s.uid(), s.gid(), s.modifiedNanos(), stored, null, 0, 0, records.toByteArray(), RawNames.hasEscapes(name));
    }

    /**
     * The pax records of an item's extended attributes, when asked for; null when it has none.
     * Read here, on the writing thread, so that an archive without them costs nothing more.
     */
    private byte[] xattrRecords(Item item) throws IOException {
      if (!xattrs) {
        return null;
      }
      java.util.Map<String, byte[]> found = walking.access.readXattrs(item.path());
      if (found.isEmpty()) {
        return null;
      }
      java.io.ByteArrayOutputStream records = new java.io.ByteArrayOutputStream(128);
      for (java.util.Map.Entry<String, byte[]> x : found.entrySet()) {
        TarOutput.record(records, xattrKey(x.getKey()), x.getValue());
      }
      return records.toByteArray();
    }

    /**
     * The pax key of an extended attribute: its name's bytes, '%' and '=' written %25 and %3D
     * as GNU tar and bsdtar write them (and both read back).
     */
    static byte[] xattrKey(String name) {
      java.io.ByteArrayOutputStream key = new java.io.ByteArrayOutputStream(name.length() + 16);
      key.writeBytes(TarInput.XATTR.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      for (byte b : RawNames.bytes(name)) {
        if (b == '%') {
          key.writeBytes(new byte[] {'%', '2', '5'});
        } else if (b == '=') {
          key.writeBytes(new byte[] {'%', '3', 'D'});
        } else {
          key.write(b);
        }
      }
      return key.toByteArray();
    }

    void put(TarOutput tar, TarOutput.Header h) throws IOException {
      tar.putEntry(h);
      tar.closeEntry();
      entries++;
    }

    /**
     * The header of an entry: the time to the nanosecond, the name and link as raw bytes where
     * they are not UTF-8 (with {@code hdrcharset=BINARY}, as GNU tar writes them), values too
     * large for ustar and a reparse buffer in pax records.
     */
    static TarOutput.Header header(String name, byte type, FileStatus s, long size, String linkName,
        byte[] extra) {
      return new TarOutput.Header(name, type, s.mode(), s.uid(), s.gid(), s.modifiedNanos(), size, linkName,
          0, 0, extra, false);
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
