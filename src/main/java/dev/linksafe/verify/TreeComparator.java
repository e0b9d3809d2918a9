package dev.linksafe.verify;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.ReparsePoint;
import dev.linksafe.plan.JunctionRetargeter;
import dev.linksafe.platform.KeptReparseData;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.Platforms;
import dev.linksafe.platform.RawNames;
import dev.linksafe.scan.HardLinkTracker;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compares two trees name by name, in sorted order, without following links: kinds, sizes,
 * modification times (directories too, the roots excepted), permission bits, symlink targets,
 * optionally bytes, and the hard-link topology: two names are linked on one side exactly when
 * they are linked on the other. The topology check keeps only the groups still open, so memory
 * does not grow with the tree.
 */
public final class TreeComparator {
  private final boolean content;
  private final long modifyWindowNanos;

  /** @param content whether to compare the bytes of regular files too */
  public TreeComparator(boolean content) {
    this(content, 0);
  }

  /**
   * @param content whether to compare the bytes of regular files too
   * @param modifyWindowNanos how far apart modification times may be and still count as equal
   *     (as rsync's --modify-window), for copies through a format or volume of coarser time
   */
  public TreeComparator(boolean content, long modifyWindowNanos) {
    this.content = content;
    this.modifyWindowNanos = modifyWindowNanos;
  }

  public VerifyReport compare(Path a, Path b) throws IOException {
    try (FileSystemAccess accessA = Platforms.forPath(a).confinedTo(a);
        FileSystemAccess accessB = Platforms.forPath(b).confinedTo(b)) {
      Side left = new Side(a, accessA);
      Side right = new Side(b, accessB);
      // a copy keeps times only as finely as its volume does (100 ns on NTFS, 2 s on FAT)
      long kept = Math.max(accessA.timeGranularityNanos(), accessB.timeGranularityNanos());
      Comparison c = new Comparison(left, right, Math.max(modifyWindowNanos, kept - 1));
      c.directory("", accessA.stat(a), accessB.stat(b), true);
      c.differences.sort((x, y) -> x.path().compareTo(y.path()));
      return new VerifyReport(c.entries, c.differences);
    }
  }

  private static final class Side {
    final Path root;
    final FileSystemAccess access;
    /** Per open group, the first name (in sorted walk order) seen on this side. */
    final HardLinkTracker<String> groups = new HardLinkTracker<>();
    /** Judges junction targets against this side's Windows path, where it has one. */
    final JunctionRetargeter junctions;

    Side(Path root, FileSystemAccess access) {
      this.root = root;
      this.access = access;
      Optional<String> windows = Optional.empty();
      try {
        windows = access.windowsPath(root.toRealPath());
      } catch (IOException e) {
        // compared without retargeting
      }
      this.junctions = windows.map(w -> new JunctionRetargeter(w, null)).orElse(null);
    }

    Path resolve(String relative) {
      return RawNames.resolve(root, relative);
    }

    /** The first name of this name's group, or the name itself when it stands alone. */
    String groupLeader(String name, FileStatus status) {
      if (!status.isHardLinked()) {
        return name;
      }
      return groups.sight(status.id(), status.linkCount(), () -> name).state();
    }

    /** The reparse point a link stands for: its own data on NTFS, its kept buffer elsewhere. */
    ReparsePoint reparsePoint(String relative) throws IOException {
      Path p = resolve(relative);
      return (access.supportsReparsePoints() ? access.readReparsePoint(p) : KeptReparseData.read(access, p))
          .orElse(null);
    }

    /**
     * Where a link that stands for a reparse point leads inside this side's tree, as a
     * lower-case Windows relative path, or null when outside or unknown: judged by Windows path
     * on NTFS, and by the symlink's own target where a POSIX symlink keeps the buffer.
     */
    String inside(String relative, ReparsePoint r) throws IOException {
      if (access.supportsReparsePoints()) {
        if (junctions == null || r.substituteName() == null) {
          return null;
        }
        return junctions.insideSource(r.substituteName()).map(x -> x.toLowerCase(Locale.ROOT)).orElse(null);
      }
      Path target = Path.of(access.readSymlink(resolve(relative)));
      Path real = root.toRealPath();
      if (!target.isAbsolute() || !target.normalize().startsWith(real)) {
        return null;
      }
      return real.relativize(target.normalize()).toString().replace('/', '\\').toLowerCase(Locale.ROOT);
    }
  }

  private final class Comparison {
    final Side a;
    final Side b;
    final List<Difference> differences = new ArrayList<>();
    long entries;

    /** How far apart modification times may be and still count as equal. */
    final long window;

    Comparison(Side a, Side b, long window) {
      this.a = a;
      this.b = b;
      this.window = window;
    }

    void directory(String relative, FileStatus sa, FileStatus sb, boolean root) throws IOException {
      if (!root) {
        compareTimesAndMode(relative, sa, sb);
      }
      TreeSet<String> namesA = list(a, relative);
      TreeSet<String> namesB = list(b, relative);
      if (namesA == null || namesB == null) {
        return;
      }
      TreeSet<String> all = new TreeSet<>(namesA);
      all.addAll(namesB);
      for (String name : all) {
        String child = relative.isEmpty() ? name : relative + "/" + name;
        entries++;
        if (!namesB.contains(name)) {
          differences.add(new Difference(child, "missing", "only in " + a.root));
          continue;
        }
        if (!namesA.contains(name)) {
          differences.add(new Difference(child, "extra", "only in " + b.root));
          continue;
        }
        try {
          entry(child);
        } catch (IOException e) {
          // an unreadable name is a difference to report, not the end of the comparison
          differences.add(new Difference(child, "error", "cannot compare: " + e.getMessage()));
        }
      }
    }

    private TreeSet<String> list(Side side, String relative) {
      TreeSet<String> names = new TreeSet<>();
      try (DirectoryStream<Path> children = side.access.newDirectoryStream(side.resolve(relative))) {
        for (Path child : children) {
          names.add(RawNames.name(child));
        }
        return names;
      } catch (IOException e) {
        differences.add(new Difference(relative.isEmpty() ? "." : relative, "error",
            "cannot list in " + side.root + ": " + e));
        return null;
      }
    }

    private void entry(String relative) throws IOException {
      FileStatus sa;
      FileStatus sb;
      try {
        sa = a.access.stat(a.resolve(relative));
        sb = b.access.stat(b.resolve(relative));
      } catch (IOException e) {
        differences.add(new Difference(relative, "error", "cannot read status: " + e));
        return;
      }
      if (sa.kind().isLink() && sb.kind().isLink()) {
        link(relative, sa, sb);
        topology(relative, sa, sb);
        return;
      }
      if (sa.kind() != sb.kind()) {
        differences.add(new Difference(relative, "kind", name(sa.kind()) + " vs " + name(sb.kind())));
        return;
      }
      switch (sa.kind()) {
        case DIRECTORY -> directory(relative, sa, sb, false);
        case REGULAR_FILE -> file(relative, sa, sb);
        default -> {
          if (sa.rdev() != sb.rdev()) {
            differences.add(new Difference(relative, "device", sa.rdev() + " vs " + sb.rdev()));
          }
          compareTimesAndMode(relative, sa, sb);
          topology(relative, sa, sb);
        }
      }
    }

    /**
     * Compares two links. Where either stands for a reparse point, the reparse data decides:
     * equal buffers, or junctions that both lead to the same place inside their own trees (a
     * retargeted copy). Otherwise the symlink targets must be equal byte for byte.
     */
    private void link(String relative, FileStatus sa, FileStatus sb) throws IOException {
      ReparsePoint ra = a.reparsePoint(relative);
      ReparsePoint rb = b.reparsePoint(relative);
      if (ra == null && rb == null) {
        String ta = a.access.readSymlink(a.resolve(relative));
        String tb = b.access.readSymlink(b.resolve(relative));
        if (!ta.equals(tb)) {
          differences.add(new Difference(relative, "target", ta + " vs " + tb));
        }
        // copy, mirror, extract and GNU and BSD tar all keep a symlink's own time
        if (Math.abs(sa.modifiedNanos() - sb.modifiedNanos()) > window) {
          differences.add(new Difference(relative, "mtime", time(sa.modifiedNanos()) + " vs " + time(sb.modifiedNanos())));
        }
        return;
      }
      if (ra == null || rb == null) {
        differences.add(new Difference(relative, "reparse",
            (ra == null ? "a symlink" : ra.toString()) + " vs " + (rb == null ? "a symlink" : rb.toString())));
        return;
      }
      // an inner junction must lead to the same place inside each tree; anything else is kept byte for byte
      String insideA = ra.isJunction() || rb.isJunction() ? a.inside(relative, ra) : null;
      String insideB = ra.isJunction() || rb.isJunction() ? b.inside(relative, rb) : null;
      boolean same = insideA != null || insideB != null
          ? ra.tag() == rb.tag() && insideA != null && insideA.equals(insideB)
          : java.util.Arrays.equals(ra.raw(), rb.raw());
      if (!same) {
        differences.add(new Difference(relative, "reparse", ra + " vs " + rb));
      }
    }

    private void file(String relative, FileStatus sa, FileStatus sb) throws IOException {
      if (sa.size() != sb.size()) {
        differences.add(new Difference(relative, "size", sa.size() + " vs " + sb.size()));
      } else if (content && !FileSystemAccess.sameBytes(a.access, a.resolve(relative), b.access, b.resolve(relative))) {
        differences.add(new Difference(relative, "content", "bytes differ"));
      }
      compareTimesAndMode(relative, sa, sb);
      topology(relative, sa, sb);
    }

    /** Whether the name is linked to the same earlier name on both sides (or to none). */
    private void topology(String relative, FileStatus sa, FileStatus sb) {
      String leaderA = a.groupLeader(relative, sa);
      String leaderB = b.groupLeader(relative, sb);
      if (!leaderA.equals(leaderB)) {
        differences.add(new Difference(relative, "topology",
            describeLink(relative, leaderA, a.root) + " but " + describeLink(relative, leaderB, b.root)));
      }
    }

    private String describeLink(String name, String leader, Path side) {
      return name.equals(leader) ? "not linked to an earlier name in " + side
          : "linked to " + leader + " in " + side;
    }

    private void compareTimesAndMode(String relative, FileStatus sa, FileStatus sb) {
      if (Math.abs(sa.modifiedNanos() - sb.modifiedNanos()) > window) {
        differences.add(new Difference(relative, "mtime", time(sa.modifiedNanos()) + " vs " + time(sb.modifiedNanos())));
      }
      if (sa.mode() != sb.mode()) {
        differences.add(new Difference(relative, "mode",
            String.format("%04o vs %04o", sa.mode(), sb.mode())));
      }
    }
  }

  private static String name(EntryKind kind) {
    return kind.name().toLowerCase().replace('_', ' ');
  }

  private static String time(long nanos) {
    return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)).toString();
  }
}
