package dev.linksafe.archive;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.Problem;
import dev.linksafe.model.ReparsePoint;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.Platforms;
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
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a tree as a POSIX (pax) tar stream: names in sorted order, each hard-link group's first
 * name as a file and its others as hard-link entries, symlinks with their exact targets,
 * modification times in pax headers (to 100 ns, as Commons Compress writes them), modes, numeric owners, long names through pax headers.
 * A junction or other reparse point becomes a symlink entry carrying its buffer in the pax
 * header {@value #REPARSE_HEADER}. Memory does not grow with the archive: the walk holds one
 * directory listing per level and the groups still open.
 */
public final class TarWriter {
  /** The pax header holding a reparse point's raw buffer, base64. */
  public static final String REPARSE_HEADER = "LINKSAFE.reparse";

  private final ExcludeFilter excludes;

  public TarWriter(ExcludeFilter excludes) {
    this.excludes = excludes;
  }

  /** Writes {@code source} to {@code out} (which is closed), compressed as asked. */
  public ArchiveReport write(Path source, OutputStream out, Compression compression) throws IOException {
    Path root = source.toRealPath();
    Writing w = new Writing(Platforms.forPath(root));
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
        compression.wrap(new BufferedOutputStream(out, 256 * 1024)), "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      w.directory(root, "", tar);
      tar.finish();
    }
    return new ArchiveReport(w.entries, w.files, w.links, w.symlinks, w.directories, w.bytes, w.problems);
  }

  private final class Writing {
    final FileSystemAccess access;
    final HardLinkTracker<String> groups = new HardLinkTracker<>();
    final List<Problem> problems = new ArrayList<>();
    long entries;
    long files;
    long links;
    long symlinks;
    long directories;
    long bytes;

    Writing(FileSystemAccess access) {
      this.access = access;
    }

    void directory(Path dir, String prefix, TarArchiveOutputStream tar) throws IOException {
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> stream = access.newDirectoryStream(dir)) {
        stream.forEach(children::add);
      } catch (IOException e) {
        problems.add(new Problem(prefix.isEmpty() ? "." : prefix, "cannot read directory: " + e.getMessage()));
        return;
      }
      children.sort(null);
      for (Path child : children) {
        String name = prefix + child.getFileName();
        if (name.indexOf('\uFFFD') >= 0) {
          problems.add(new Problem(name.replace('\uFFFD', '?'), "name has bytes that are not valid UTF-8; skipped"));
          continue;
        }
        FileStatus status;
        try {
          status = access.stat(child);
        } catch (NoSuchFileException e) {
          problems.add(new Problem(name, "vanished while archiving"));
          continue;
        } catch (IOException e) {
          problems.add(new Problem(name, "cannot read status: " + e.getMessage()));
          continue;
        }
        boolean isDirectory = status.kind() == EntryKind.DIRECTORY;
        if (!excludes.isEmpty() && excludes.excludes(name, isDirectory)) {
          continue;
        }
        try {
          entry(child, name, status, tar);
        } catch (IOException e) {
          if (e.getMessage() != null && e.getMessage().startsWith("Broken pipe")) {
            throw e;
          }
          problems.add(new Problem(name, "cannot archive: " + e.getMessage()));
        }
      }
    }

    void entry(Path path, String name, FileStatus status, TarArchiveOutputStream tar) throws IOException {
      switch (status.kind()) {
        case DIRECTORY -> {
          put(tar, header(name + "/", TarConstants.LF_DIR, status));
          directories++;
          directory(path, name + "/", tar);
        }
        case REGULAR_FILE -> file(path, name, status, tar);
        case SYMLINK, REPARSE_POINT -> {
          Optional<ReparsePoint> reparse = access.supportsReparsePoints() ? access.readReparsePoint(path) : Optional.empty();
          String target = status.kind() == EntryKind.SYMLINK ? access.readSymlink(path)
              : reparse.map(r -> r.printName() != null ? r.printName() : "").orElse("");
          TarArchiveEntry e = header(name, TarConstants.LF_SYMLINK, status);
          e.setLinkName(target);
          reparse.ifPresent(r -> e.addPaxHeader(REPARSE_HEADER, Base64.getEncoder().encodeToString(r.raw())));
          put(tar, e);
          symlinks++;
        }
        case FIFO, CHARACTER_DEVICE, BLOCK_DEVICE -> {
          byte type = status.kind() == EntryKind.FIFO ? TarConstants.LF_FIFO
              : status.kind() == EntryKind.CHARACTER_DEVICE ? TarConstants.LF_CHR : TarConstants.LF_BLK;
          TarArchiveEntry e = header(name, type, status);
          long rdev = status.rdev();
          e.setDevMajor((int) (((rdev >>> 32) & 0xfffff000L) | ((rdev >>> 8) & 0xfffL)));
          e.setDevMinor((int) (((rdev >>> 12) & 0xffffff00L) | (rdev & 0xffL)));
          put(tar, e);
        }
        default -> problems.add(new Problem(name, "a " + status.kind().name().toLowerCase() + " cannot be archived; skipped"));
      }
    }

    void file(Path path, String name, FileStatus status, TarArchiveOutputStream tar) throws IOException {
      if (status.isHardLinked()) {
        HardLinkTracker.Sighting<String> s = groups.sight(status.id(), status.linkCount(), () -> name);
        if (!s.first()) {
          TarArchiveEntry e = header(name, TarConstants.LF_LINK, status);
          e.setLinkName(s.state());
          put(tar, e);
          links++;
          return;
        }
      }
      try (InputStream in = access.newInputStream(path)) {
        TarArchiveEntry e = header(name, TarConstants.LF_NORMAL, status);
        e.setSize(status.size());
        tar.putArchiveEntry(e);
        long copied = in.transferTo(new BoundedOutput(tar, status.size()));
        if (copied < status.size()) {
          // the file shrank while archiving: the entry must still hold the size it announced
          tar.write(new byte[(int) Math.min(status.size() - copied, Integer.MAX_VALUE)]);
          problems.add(new Problem(name, "shrank while archiving: padded with zeros"));
        }
        tar.closeArchiveEntry();
        entries++;
        files++;
        bytes += status.size();
      }
    }

    void put(TarArchiveOutputStream tar, TarArchiveEntry e) throws IOException {
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
      entries++;
    }

    TarArchiveEntry header(String name, byte type, FileStatus s) {
      TarArchiveEntry e = new TarArchiveEntry(name, type, true);
      e.setMode(s.mode());
      if (s.uid() >= 0) {
        e.setUserId(s.uid());
        e.setGroupId(s.gid());
      }
      long seconds = Math.floorDiv(s.modifiedNanos(), 1_000_000_000L);
      int nanos = (int) Math.floorMod(s.modifiedNanos(), 1_000_000_000L);
      // Commons Compress writes the pax mtime to 100 ns (7 decimals): finer digits are lost
      e.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(seconds, nanos)));
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
