package dev.linksafe.scan;

import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.LinkGroup;
import dev.linksafe.model.Problem;
import dev.linksafe.model.ProgressListener;
import dev.linksafe.model.SymlinkClass;
import dev.linksafe.plan.JunctionRetargeter;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.Platforms;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scans a tree and reports its links: hard-link groups, symlinks by class, reparse points and
 * mount points. Usable as a library call; the CLI's {@code scan} is a thin shell over it.
 */
public final class Scanner {
  private final WalkOptions options;
  private final boolean keepGroupNames;
  private final ScanListener listener;
  private final ProgressListener progress;

  /**
   * @param keepGroupNames whether to collect the names of each group for the listener (costs
   *     memory proportional to open groups)
   */
  public Scanner(WalkOptions options, boolean keepGroupNames, ScanListener listener,
      ProgressListener progress) {
    this.options = options;
    this.keepGroupNames = keepGroupNames;
    this.listener = listener;
    this.progress = progress;
  }

  public Scanner(WalkOptions options) {
    this(options, false, ScanListener.NONE, ProgressListener.NONE);
  }

  /** Scans {@code root} with the platform access chosen for its volume. */
  public ScanReport scan(Path root) throws IOException {
    // the real path: the volume and its drive letter are judged where the data lies
    Path real = root.toRealPath();
    return scan(real, Platforms.forPath(real));
  }

  public ScanReport scan(Path root, FileSystemAccess access) throws IOException {
    // junction targets are Windows paths: judged against the root's Windows path where known
    JunctionRetargeter junctions = access.windowsPath(root.toRealPath())
        .map(w -> new JunctionRetargeter(w, null)).orElse(null);
    Counting counting = new Counting(junctions);
    new TreeWalker(access, options).walk(root, counting);
    return counting.report();
  }

  /** The names of one open group, kept when they are to be listed; changed only inside the tracker. */
  private record GroupNames(long size, List<Path> names) {}

  private final class Counting implements TreeVisitor<Entry> {
    final LongAdder directories = new LongAdder();
    final LongAdder files = new LongAdder();
    final LongAdder symlinks = new LongAdder();
    final LongAdder dangling = new LongAdder();
    final LongAdder inner = new LongAdder();
    final LongAdder outer = new LongAdder();
    final LongAdder loops = new LongAdder();
    final LongAdder junctions = new LongAdder();
    final LongAdder innerJunctions = new LongAdder();
    final LongAdder outerJunctions = new LongAdder();
    final JunctionRetargeter junctionClassifier;
    final LongAdder otherReparse = new LongAdder();
    final LongAdder special = new LongAdder();
    final LongAdder mountPoints = new LongAdder();
    final LongAdder revisited = new LongAdder();
    final LongAdder groups = new LongAdder();
    final LongAdder namesInGroups = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder saved = new LongAdder();
    final LongAdder entries = new LongAdder();
    final List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
    final HardLinkTracker<GroupNames> tracker = new HardLinkTracker<>();

    Counting(JunctionRetargeter junctionClassifier) {
      this.junctionClassifier = junctionClassifier;
    }

    @Override
    public Entry enterDirectory(Entry parent, Entry directory) {
      if (parent == null) {
        return directory;
      }
      directories.increment();
      if (directory.mountPoint()) {
        mountPoints.increment();
        listener.mountPoint(directory);
      }
      tick(0);
      return directory;
    }

    @Override
    public void visit(Entry parent, Entry entry) {
      if (entry.reparsePoint() != null) {
        if (entry.reparsePoint().isJunction()) {
          junctions.increment();
          boolean inner = junctionClassifier != null ? junctionClassifier.isInner(entry.reparsePoint())
              : entry.symlink() != null && entry.symlink().linkClass() == SymlinkClass.INNER;
          (inner ? innerJunctions : outerJunctions).increment();
          listener.junction(entry, inner);
        } else if (!entry.reparsePoint().isSymlink()) {
          otherReparse.increment();
        }
      }
      EntryKind kind = entry.kind();
      if (kind == EntryKind.SYMLINK && (entry.reparsePoint() == null || entry.reparsePoint().isSymlink())) {
        symlinks.increment();
        switch (entry.symlink().linkClass()) {
          case INNER -> inner.increment();
          case OUTER -> outer.increment();
          case DANGLING -> dangling.increment();
          case LOOP -> loops.increment();
        }
        listener.link(entry);
        if (entry.status().isHardLinked() && entry.reparsePoint() == null) {
          group(entry);
        }
      } else if (kind == EntryKind.REGULAR_FILE) {
        files.increment();
        if (entry.status().isHardLinked()) {
          group(entry);
        } else {
          bytes.add(entry.status().size());
        }
      } else if (kind.isSpecial()) {
        special.increment();
        if (entry.status().isHardLinked()) {
          group(entry);
        }
      }
      tick(kind == EntryKind.REGULAR_FILE ? entry.status().size() : 0);
    }

    private void group(Entry entry) {
      // the bytes counted are files' bytes: a linked symlink or FIFO saves an inode, no data
      long size = entry.kind() == EntryKind.REGULAR_FILE ? entry.status().size() : 0;
      HardLinkTracker.Sighting<GroupNames> s = tracker.sight(entry.id(), entry.status().linkCount(),
          () -> keepGroupNames ? new GroupNames(size, new ArrayList<>()) : null,
          names -> {
            if (names != null) {
              names.names().add(entry.relative());
            }
          });
      namesInGroups.increment();
      if (s.first()) {
        groups.increment();
        bytes.add(size);
      } else {
        saved.add(size);
      }
      if (s.state() != null && s.last()) {
        listener.group(new LinkGroup(entry.id(), s.linkCount(), size, s.state().names()));
      }
    }

    private void tick(long size) {
      entries.increment();
      if (progress != ProgressListener.NONE) {
        progress.progress(entries.sum(), bytes.sum() + size);
      }
    }

    @Override
    public void problem(Problem problem) {
      problems.add(problem);
    }

    @Override
    public void revisitedDirectory(Entry parent, Entry directory) {
      revisited.increment();
      directories.increment();
      listener.revisitedDirectory(directory);
    }

    ScanReport report() {
      long[] partial = {0};
      tracker.forEachOpen(g -> {
        partial[0]++;
        if (g.state() != null) {
          listener.group(new LinkGroup(g.id(), g.linkCount(), g.state().size(), g.state().names()));
        }
      });
      List<Problem> sorted = new ArrayList<>(problems);
      sorted.sort((a, b) -> a.path().compareTo(b.path()));
      return new ScanReport(directories.sum(), files.sum(), symlinks.sum(), dangling.sum(),
          inner.sum(), outer.sum(), loops.sum(), junctions.sum(), innerJunctions.sum(),
          outerJunctions.sum(), otherReparse.sum(), special.sum(),
          mountPoints.sum(), revisited.sum(), groups.sum(), partial[0], namesInGroups.sum(),
          bytes.sum(), saved.sum(), sorted);
    }
  }
}
