package dev.linksafe.scan;

import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.Problem;
import dev.linksafe.model.ReparsePoint;
import dev.linksafe.model.Symlink;
import dev.linksafe.model.SymlinkClass;
import dev.linksafe.platform.FileSystemAccess;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Walks a tree without following links, in parallel: each directory is a fork-join task, its
 * subdirectories are forked, and long runs of files are split into batches. Memory held is the
 * listings of the directories being walked, never the whole tree.
 */
public final class TreeWalker {
  /** Files of one directory handled by one task before the rest is split off. */
  private static final int BATCH = 512;

  private final FileSystemAccess access;
  private final WalkOptions options;

  public TreeWalker(FileSystemAccess access, WalkOptions options) {
    this.access = access;
    this.options = options;
  }

  /**
   * Walks {@code root}, which must be a directory, calling {@code visitor} for every entry.
   *
   * @throws NoSuchFileException if root does not exist
   * @throws NotDirectoryException if root is not a directory
   */
  public <D> void walk(Path root, TreeVisitor<D> visitor) throws IOException {
    walk(root, visitor, null);
  }

  /**
   * As {@link #walk(Path, TreeVisitor)}, not entering the directory {@code avoided} (the
   * destination of a copy, when the source reaches it under another name), which is reported.
   */
  public <D> void walk(Path root, TreeVisitor<D> visitor, FileId avoided) throws IOException {
    FileStatus rootStatus = access.stat(root);
    if (rootStatus.kind() != EntryKind.DIRECTORY) {
      if (rootStatus.kind() == EntryKind.SYMLINK && Files.isDirectory(root)) {
        // a root given as a link to a directory is walked as the directory it names, like rsync SRC/
        walk(root.toRealPath(), visitor, avoided);
        return;
      }
      throw new NotDirectoryException(root.toString());
    }
    SymlinkClassifier classifier = options.classifySymlinks() ? new SymlinkClassifier(root) : null;
    Walk<D> walk = new Walk<>(root, visitor, classifier, avoided);
    Entry rootEntry = new Entry(root.getFileSystem().getPath(""), rootStatus, null, null, false);
    walk.directories.add(rootStatus.id());
    ForkJoinPool pool = new ForkJoinPool(options.threads());
    try {
      pool.invoke(walk.new DirectoryTask(null, rootEntry));
    } finally {
      pool.shutdown();
    }
  }

  private final class Walk<D> {
    final Path root;
    final TreeVisitor<D> visitor;
    final SymlinkClassifier classifier;
    final FileIdSet directories = new FileIdSet();
    final FileId avoided;

    Walk(Path root, TreeVisitor<D> visitor, SymlinkClassifier classifier, FileId avoided) {
      this.root = root;
      this.visitor = visitor;
      this.classifier = classifier;
      this.avoided = avoided;
    }

    final class DirectoryTask extends RecursiveAction {
      private final D parentState;
      private final Entry directory;

      DirectoryTask(D parentState, Entry directory) {
        this.parentState = parentState;
        this.directory = directory;
      }

      @Override
      protected void compute() {
        if (visitor.stopped()) {
          return;
        }
        D state = visitor.enterDirectory(parentState, directory);
        if (state == null) {
          return;
        }
        if (directory.mountPoint() && options.oneFileSystem()) {
          visitor.leaveDirectory(state);
          return;
        }
        Path dir = root.resolve(directory.relative());
        List<ForkJoinTask<?>> forked = new ArrayList<>();
        FileSystemAccess.Listing listing = null;
        try {
          listing = access.list(dir);
        } catch (AccessDeniedException e) {
          visitor.problem(new Problem(display(directory.relative()), "cannot read directory: permission denied"));
        } catch (NoSuchFileException e) {
          visitor.problem(new Problem(display(directory.relative()), "vanished during the walk"));
        } catch (IOException | RuntimeException e) {
          visitor.problem(new Problem(display(directory.relative()), "cannot read directory: " + Problem.reason(e)));
        }
        if (listing != null) {
          Held held = new Held(listing);
          int size = listing.size();
          int last = size <= BATCH ? 0 : (size - 1) / BATCH * BATCH;
          for (int from = 0; from < last; from += BATCH) {
            forked.add(new BatchTask(state, directory, dir, held.share(), from, from + BATCH).fork());
          }
          new BatchTask(state, directory, dir, held, last, size).compute();
        }
        for (int i = forked.size() - 1; i >= 0; i--) {
          forked.get(i).join();
        }
        visitor.leaveDirectory(state);
      }
    }

    /**
     * A directory's listing, held open while its batches look at their names, shared by them
     * and closed by the last one done with it (not kept for the walk below: open directories
     * stay few).
     */
    final class Held {
      private final FileSystemAccess.Listing listing;
      private final java.util.concurrent.atomic.AtomicInteger users = new java.util.concurrent.atomic.AtomicInteger(1);

      Held(FileSystemAccess.Listing listing) {
        this.listing = listing;
      }

      Held share() {
        users.incrementAndGet();
        return this;
      }

      void release() {
        if (users.decrementAndGet() == 0) {
          listing.close();
        }
      }
    }

    final class BatchTask extends RecursiveAction {
      private final D parentState;
      private final Entry parent;
      private final Path dir;
      private final Held held;
      private final int from;
      private final int to;

      BatchTask(D parentState, Entry parent, Path dir, Held held, int from, int to) {
        this.parentState = parentState;
        this.parent = parent;
        this.dir = dir;
        this.held = held;
        this.from = from;
        this.to = to;
      }

      @Override
      protected void compute() {
        List<DirectoryTask> subdirectories = new ArrayList<>();
        try {
          visitAll(subdirectories);
        } finally {
          held.release();
        }
        for (int i = subdirectories.size() - 1; i >= 0; i--) {
          subdirectories.get(i).join();
        }
      }

      private void visitAll(List<DirectoryTask> subdirectories) {
        for (int i = from; i < to; i++) {
          if (visitor.stopped()) {
            break;
          }
          Entry entry = entryFor(parent, dir, held.listing, i);
          if (entry == null) {
            continue;
          }
          if (entry.kind() == EntryKind.DIRECTORY) {
            if (entry.id().equals(avoided)) {
              visitor.problem(new Problem(display(entry.relative()),
                  "is the destination itself, reached inside the source under another name (a bind mount?): not copied"));
              continue;
            }
            if (!directories.add(entry.id())) {
              visitor.revisitedDirectory(parentState, entry);
              continue;
            }
            DirectoryTask task = new DirectoryTask(parentState, entry);
            task.fork();
            subdirectories.add(task);
          } else {
            visitor.visit(parentState, entry);
          }
        }
      }
    }

    /** Builds the entry for the {@code i}th name of a listing, or reports why not and returns null. */
    private Entry entryFor(Entry parent, Path dir, FileSystemAccess.Listing listing, int i) {
      Path name = listing.name(i);
      Path relative = parent.relative().resolve(name);
      FileStatus status;
      try {
        status = listing.statIfExists(i);
      } catch (IOException e) {
        visitor.problem(new Problem(display(relative), "cannot read status: " + Problem.reason(e)));
        return null;
      }
      if (status == null) {
        visitor.problem(new Problem(display(relative), "vanished during the walk"));
        return null;
      }
      boolean directory = status.kind() == EntryKind.DIRECTORY;
      if (!options.excludes().isEmpty() && options.excludes().excludes(display(relative), directory)) {
        return null;
      }
      try {
        Symlink symlink = null;
        ReparsePoint reparse = null;
        Path child = status.kind().isLink() ? dir.resolve(name) : null;
        if (access.supportsReparsePoints() && status.kind().isLink()) {
          Optional<ReparsePoint> r = access.readReparsePoint(child);
          reparse = r.orElse(null);
        }
        if (status.kind() == EntryKind.SYMLINK) {
          String target = access.readSymlink(child);
          SymlinkClass linkClass = classifier == null ? SymlinkClass.OUTER : classifier.classify(child);
          symlink = new Symlink(target, isAbsolute(child, target), linkClass);
        }
        boolean mountPoint = directory && status.id().volume() != parent.id().volume();
        return new Entry(relative, status, symlink, reparse, mountPoint);
      } catch (NoSuchFileException e) {
        visitor.problem(new Problem(display(relative), "vanished during the walk"));
      } catch (IOException e) {
        visitor.problem(new Problem(display(relative), "cannot read link: " + Problem.reason(e)));
      }
      return null;
    }
  }

  /** Whether a symlink target is absolute; one with bytes no path can hold is judged by its text. */
  private static boolean isAbsolute(Path link, String target) {
    try {
      return link.getFileSystem().getPath(target).isAbsolute();
    } catch (java.nio.file.InvalidPathException e) {
      return target.startsWith(link.getFileSystem().getSeparator());
    }
  }

  /** The relative path as shown to users: '/' separators whatever the platform. */
  public static String display(Path relative) {
    String s = relative.toString();
    String separator = relative.getFileSystem().getSeparator();
    return separator.equals("/") ? s : s.replace(separator, "/");
  }
}
