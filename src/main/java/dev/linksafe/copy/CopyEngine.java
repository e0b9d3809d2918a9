package dev.linksafe.copy;

import dev.linksafe.index.DirectoryRecords;
import dev.linksafe.index.IndexRecord;
import dev.linksafe.index.MirrorIndex;
import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.Problem;
import dev.linksafe.model.ProgressListener;
import dev.linksafe.plan.Action;
import dev.linksafe.plan.Planner;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.Platforms;
import dev.linksafe.platform.RawNames;
import dev.linksafe.platform.TempNames;
import dev.linksafe.scan.HardLinkTracker;
import dev.linksafe.scan.TreeVisitor;
import dev.linksafe.scan.TreeWalker;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Reproduces a source tree at a destination: directories, files with their bytes and metadata,
 * every hard-link group as one file with all its names, symlinks with their exact targets, FIFOs
 * and (when privileged) device nodes. Files are written under temporary names and renamed into
 * place; names that already match are left alone, so a killed run run again finishes the job.
 * Nothing that stands in the destination is followed while writing.
 */
public final class CopyEngine {
  private final CopyOptions options;
  private final ActionListener actions;
  private final ProgressListener progress;

  /** Real paths whose copy is under way: a junction unrolled into one of them would loop. */
  private final Set<Path> unrolling;

  public CopyEngine(CopyOptions options, ActionListener actions, ProgressListener progress) {
    this(options, actions, progress, Set.of());
  }

  private CopyEngine(CopyOptions options, ActionListener actions, ProgressListener progress,
      Set<Path> unrolling) {
    this.options = options;
    this.actions = actions;
    this.progress = progress;
    this.unrolling = unrolling;
  }

  public CopyEngine(CopyOptions options) {
    this(options, ActionListener.NONE, ProgressListener.NONE);
  }

  /**
   * Copies the directory {@code source} to {@code target}, which is created if missing.
   *
   * @throws IllegalArgumentException if the target lies inside the source, or is not a directory
   * @throws IOException if the source cannot be walked or the target root cannot be made
   */
  public CopyReport copy(Path source, Path target) throws IOException {
    // real paths: a volume, its drive letter and Windows paths are judged where the data lies
    source = source.toRealPath();
    FileSystemAccess sourceAccess = Platforms.forPath(source, options.reparse().sourceDriveLetter());
    checkNotInside(source, target);
    if (options.mirror().delete()) {
      checkSourceNotInside(source, target);
    }
    boolean createdRoot = false;
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      if (!options.dryRun()) {
        Files.createDirectories(target);
      }
      createdRoot = true;
    } else if (!Files.isDirectory(target)) {
      throw new IllegalArgumentException("destination exists and is not a directory: " + target);
    }
    target = Files.exists(target) ? target.toRealPath() : target.toAbsolutePath().normalize();
    // confined: a directory swapped for a link while the run works below it is not followed
    FileSystemAccess targetAccess =
        Platforms.forPath(target, options.reparse().destinationDriveLetter()).confinedTo(target);
    MirrorState mirror = openMirror(source, target);
    // the previous snapshot is read where it lies, never through a link it holds on the way
    Path previous = options.mirror().linkDest();
    FileSystemAccess previousAccess = previous == null ? null : Platforms.forPath(previous).confinedTo(previous);
    try {
      Run run = new Run(source, target, sourceAccess, targetAccess, previousAccess, createdRoot, mirror);
      if (mirror.indexNote() != null) {
        run.notes.add(new Problem(".", mirror.indexNote()));
      }
      // the destination reached inside the source under another name (a bind mount of one of
      // its directories) is not walked: the copy would copy itself without end
      FileId destination = options.dryRun() && createdRoot ? null : targetAccess.stat(target).id();
      new TreeWalker(sourceAccess, options.walk()).walk(source, run, destination);
      if (run.stoppedBecause != null) {
        // no deletions and no index commit: the next run starts from what is really there
        throw new DestinationFullException(target, run.stoppedBecause, run.report());
      }
      mirror.finish(source, target, sourceAccess, targetAccess, options.owners(), options.dryRun(),
          (key, e) -> run.fail(new Problem(key, "cannot delete what the source no longer has: " + Problem.reason(e))));
      try {
        mirror.commit(run.problems.isEmpty());
      } catch (IOException e) {
        // the index is a cache: what was copied stands, and the next run, finding the last one
        // unfinished, compares with DST directly
        run.notes.add(new Problem(".", Problem.reason(e) + "; the next run compares with the destination directly"));
      }
      return run.report();
    } finally {
      mirror.close();
      targetAccess.close();
      if (previousAccess != null) {
        previousAccess.close();
      }
    }
  }

  private static final Set<String> POSIX_FILE_SYSTEMS = Set.of("ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs",
      "f2fs", "zfs", "jfs", "reiserfs", "nilfs2", "bcachefs", "overlay");

  /** Whether a volume keeps the permission bits and the owner a file is given. */
  record KeptMetadata(boolean modes, boolean owners) {
    static final KeptMetadata ALL = new KeptMetadata(true, true);
  }

  /**
   * What the volume of {@code root} keeps of a file's permission bits and (when {@code owners}
   * are set, as root) its owner: asked once per run with a temporary file, of volumes other
   * than the POSIX ones, which keep both.
   */
  static KeptMetadata keptMetadata(Path root, boolean owners) {
    try {
      if (POSIX_FILE_SYSTEMS.contains(Files.getFileStore(root).type())) {
        return KeptMetadata.ALL; // asked of the others only: a probe changes the root directory's times
      }
    } catch (IOException | RuntimeException e) {
      // not known: asked
    }
    Path probe = root.resolve(TempNames.PREFIX + "modes." + TempNames.newRun() + ".tmp");
    try {
      Files.createFile(probe);
      Set<java.nio.file.attribute.PosixFilePermission> asked =
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-r----x");
      Files.setPosixFilePermissions(probe, asked);
      boolean modes = Files.getPosixFilePermissions(probe, LinkOption.NOFOLLOW_LINKS).equals(asked);
      boolean keptOwners = true;
      if (owners) {
        // daemon's ids, which are not root's: a volume that keeps owners shows them back
        Files.setAttribute(probe, "unix:uid", 1, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(probe, "unix:gid", 1, LinkOption.NOFOLLOW_LINKS);
        keptOwners = Integer.valueOf(1).equals(Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS))
            && Integer.valueOf(1).equals(Files.getAttribute(probe, "unix:gid", LinkOption.NOFOLLOW_LINKS));
      }
      return new KeptMetadata(modes, keptOwners);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return KeptMetadata.ALL; // not known: compared, as before
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        // a leftover of the reserved form: removed by a later run
      }
    }
  }

  /** The index, deletion and comparison state of a mirror; an empty one for a copy. */
  private MirrorState openMirror(Path source, Path target) throws IOException {
    MirrorOptions m = options.mirror();
    if (m.indexDirectory() == null) {
      // without an index nothing says the last run finished: look for its leftovers everywhere
      return new MirrorState(m, MirrorIndex.none(null), true, options.walk().excludes(), options.walk().oneFileSystem());
    }
    Path file = MirrorIndex.location(m.indexDirectory(), source, target);
    boolean unfinished = MirrorIndex.lastRunUnfinished(file) || !Files.isRegularFile(file);
    try {
      if (!options.dryRun()) {
        MirrorIndex.markRunning(file);
      }
      return new MirrorState(m, MirrorIndex.open(file, source, target, MirrorIndex.nowNanos(), options.dryRun()),
          unfinished, options.walk().excludes(), options.walk().oneFileSystem());
    } catch (IOException e) {
      // the index is a cache: a run that cannot keep one compares with DST directly, as --no-index
      String reason = "cannot keep the index in " + m.indexDirectory() + " (" + Problem.reason(e) + ")";
      return new MirrorState(m, MirrorIndex.none(reason), true, options.walk().excludes(), options.walk().oneFileSystem());
    }
  }

  /**
   * Refuses a destination that lies inside the source (the copy would copy itself), before
   * anything is written: by path, and by identity, so that the source or a directory above the
   * destination reached under another name (a bind mount) counts too.
   *
   * @throws IllegalArgumentException if it does
   */
  public static void checkNotInside(Path source, Path target) throws IOException {
    Path realSource = source.toRealPath();
    Path absoluteTarget = target.toAbsolutePath().normalize();
    Path existing = absoluteTarget;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    Path realTarget = existing == null ? absoluteTarget
        : existing.toRealPath().resolve(existing.relativize(absoluteTarget));
    boolean inside = realTarget.startsWith(realSource);
    Object sourceKey = identity(realSource);
    for (Path p = existing == null ? null : existing.toRealPath(); p != null && !inside && sourceKey != null; p = p.getParent()) {
      inside = sourceKey.equals(identity(p));
    }
    if (inside) {
      throw new IllegalArgumentException("destination " + target + " lies inside the source "
          + source + ": the copy would copy itself");
    }
  }

  /**
   * Refuses a source that lies inside the destination when names the source lacks are to be
   * deleted: the source itself would be one of them.
   *
   * @throws IllegalArgumentException if it does
   */
  public static void checkSourceNotInside(Path source, Path target) throws IOException {
    if (!Files.isDirectory(target)) {
      return;
    }
    Path realTarget = target.toRealPath();
    Object targetKey = identity(realTarget);
    boolean inside = false;
    for (Path p = source.toRealPath(); p != null && !inside; p = p.getParent()) {
      inside = p.equals(realTarget) || (targetKey != null && targetKey.equals(identity(p)));
    }
    if (inside) {
      throw new IllegalArgumentException("source " + source + " lies inside the destination " + target
          + ": with --delete the source itself would be deleted as a name it lacks");
    }
  }

  /** A directory's device and inode, or null where the platform gives none. */
  private static Object identity(Path directory) {
    try {
      return Files.readAttributes(directory, java.nio.file.attribute.BasicFileAttributes.class,
          LinkOption.NOFOLLOW_LINKS).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** Where a group's first name went, so that its later names can be linked to it. */
  private record FirstCopy(Path target, FileId id) {}

  /** A destination directory being filled. */
  private static final class Directory {
    /** The directory holding this one, or null for the root. */
    final Directory parent;
    final Entry entry;
    final Path target;
    /** Made by this run, so nothing stands in it yet and its children need no look-up. */
    final boolean fresh;
    /**
     * The names the source directory has (case-folded where DST ignores case), when names it
     * lacks are to be deleted; else null.
     */
    final Set<String> seen;
    /** Where DST ignores case: names another one shadows there, with that one; else empty. */
    final Map<String, String> shadowed;
    private final boolean folding;
    /**
     * The index proves the source directory unchanged since the last complete run (times,
     * including the change time that any change of its extended attributes moves).
     */
    final boolean sourceUnchanged;
    /** The index's records of its names, while the walk is in it. */
    final DirectoryRecords records;

    Directory(Directory parent, Entry entry, Path target, boolean fresh, boolean collectNames, boolean folding,
        Map<String, String> shadowed, boolean sourceUnchanged, DirectoryRecords records) {
      this.parent = parent;
      this.records = records;
      this.sourceUnchanged = sourceUnchanged;
      this.entry = entry;
      this.target = target;
      this.fresh = fresh;
      this.seen = collectNames && !fresh ? java.util.concurrent.ConcurrentHashMap.newKeySet() : null;
      this.folding = folding;
      this.shadowed = shadowed;
    }

    /**
     * DST's directory held open while its names are looked at (opened on the first look, closed
     * on leaving): a look is then one statx relative to it instead of a walk down the whole path.
     */
    private FileSystemAccess.DirectoryHandle handle;
    private java.util.concurrent.Semaphore heldFrom;

    /**
     * @param budget how many more directories may be held open: a directory stays open until its
     *     whole subtree is done, and a wide, deep walk must not run out of descriptors
     */
    synchronized FileSystemAccess.DirectoryHandle handle(FileSystemAccess dst, java.util.concurrent.Semaphore budget) {
      if (handle == null) {
        if (budget.tryAcquire()) {
          handle = dst.openDirectoryHandle(target);
          heldFrom = budget;
        } else {
          handle = FileSystemAccess.byPath(dst);
        }
      }
      return handle;
    }

    synchronized void closeHandle() {
      if (handle != null) {
        handle.close();
        handle = null;
      }
      if (heldFrom != null) {
        heldFrom.release();
        heldFrom = null;
      }
    }

    void saw(Entry child) {
      if (seen != null) {
        String name = dev.linksafe.platform.RawNames.name(child.relative());
        seen.add(folding ? CaseFolding.fold(name) : name);
      }
    }

    /** Reports and returns true when DST would hold this name on top of another one. */
    boolean isShadowed(Entry child, List<Problem> problems) {
      if (shadowed.isEmpty()) {
        return false;
      }
      String name = child.relative().getFileName().toString();
      String first = shadowed.get(name);
      if (first == null) {
        return false;
      }
      problems.add(new Problem(TreeWalker.display(child.relative()), "differs only in case from '"
          + first + "', which the case-insensitive destination keeps under the same name; not copied"));
      return true;
    }
  }

  private final class Run implements TreeVisitor<Directory> {
    final Path sourceRoot;
    final Path targetRoot;
    final FileSystemAccess src;
    final FileSystemAccess dst;
    /** The previous snapshot, confined to it; null but for a snapshot with one before it. */
    final FileSystemAccess previous;
    final boolean createdRoot;
    final HardLinkTracker<CompletableFuture<FirstCopy>> groups = new HardLinkTracker<>();
    final List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
    /** The first problem that said the destination is full, after which nothing new starts. */
    volatile Problem stoppedBecause;
    final List<Problem> notes = Collections.synchronizedList(new ArrayList<>());
    final LongAdder entries = new LongAdder();
    final LongAdder directories = new LongAdder();
    final LongAdder files = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder links = new LongAdder();
    final LongAdder symlinks = new LongAdder();
    final LongAdder reparsePoints = new LongAdder();
    final LongAdder retargeted = new LongAdder();
    final ReparsePointCopier reparse;
    final boolean shortNames;
    final LongAdder specials = new LongAdder();
    final LongAdder unchanged = new LongAdder();
    final LongAdder linkedToPrevious = new LongAdder();
    final dev.linksafe.scan.FileIdSet reusedFromPrevious = new dev.linksafe.scan.FileIdSet();
    final LongAdder updatedMetadata = new LongAdder();
    final LongAdder replaced = new LongAdder();
    final LongAdder separate = new LongAdder();

    final MirrorState mirror;
    /** How many more DST directories may be held open for looking at their names. */
    final java.util.concurrent.Semaphore heldDirectories = new java.util.concurrent.Semaphore(256);
    /** The source root's identity, which a destination holding the source has inside it. */
    volatile FileId sourceRootId;
    /** Whether DST looks names up without regard to case (probed once, at its root). */
    final boolean ignoresCase;
    /** The precision at which DST keeps modification times, in nanoseconds. */
    final long granularity;
    /**
     * What DST keeps of permission bits and owners: ntfs-3g without its permissions option and
     * FAT show fixed ones, where comparing them made every run chmod (and chown) every file and
     * kept the index from ever proving one unchanged.
     */
    final KeptMetadata kept;
    /**
     * When the last run, which deleted as this one does and had no failure (so it left no name
     * at DST that its source lacked but excluded ones), committed; {@link Long#MIN_VALUE} when
     * none did (see {@link #asLeft}).
     */
    final long leftComplete;

    Run(Path sourceRoot, Path targetRoot, FileSystemAccess src, FileSystemAccess dst, FileSystemAccess previous,
        boolean createdRoot, MirrorState mirror) {
      this.mirror = mirror;
      this.sourceRoot = sourceRoot;
      this.targetRoot = targetRoot;
      this.src = src;
      this.dst = dst;
      this.previous = previous;
      this.createdRoot = createdRoot;
      this.reparse = new ReparsePointCopier(src, dst, sourceRoot, targetRoot, options.reparse());
      this.shortNames = src.supportsShortNames() && dst.supportsShortNames() && !options.dryRun();
      this.ignoresCase = !options.dryRun() && CaseFolding.ignoresCase(dst, targetRoot);
      this.granularity = dst.timeGranularityNanos();
      this.kept = options.dryRun() ? KeptMetadata.ALL : keptMetadata(targetRoot, options.owners());
      this.leftComplete = mirror.previousLeftComplete();
    }

    /** Keeps a DOS 8.3 short name, NTFS to NTFS; after the rename, which would drop it. */
    private void copyShortName(Entry entry, Path target) {
      if (!shortNames) {
        return;
      }
      try {
        Optional<byte[]> name = src.readShortName(source(entry));
        if (name.isPresent()) {
          dst.writeShortName(target, name.get());
        }
      } catch (IOException e) {
        notes.add(new Problem(display(entry), "DOS short name not kept: " + Problem.reason(e)));
      }
    }

    // ---- directories

    @Override
    public Directory enterDirectory(Directory parent, Entry entry) {
      if (parent == null) {
        sourceRootId = entry.id();
        mirror.keep(sourceRootId);
        if (!createdRoot && !options.dryRun()) {
          try {
            makeWritable(targetRoot, null);
          } catch (IOException e) {
            problem(entry, "cannot make the destination writable", e);
          }
          if (mirror.mayHoldLeftovers()) {
            removeLeftovers(targetRoot);
          }
        }
        return new Directory(null, entry, targetRoot, createdRoot, mirror.deletes(), ignoresCase,
            shadowedNames(entry), false, mirror.enter(""));
      }
      parent.saw(entry);
      if (parent.isShadowed(entry, problems)) {
        return null;
      }
      Path target = targetOf(parent, entry);
      String key = TreeWalker.display(entry.relative());
      try {
        FileStatus existing = parent.fresh ? null : statOrNull(parent, target);
        if (existing != null && existing.id().equals(sourceRootId)) {
          // the source lies inside the destination, and this name of DST is the source itself
          fail(new Problem(key, "is the source itself at the destination: not written into"));
          return null;
        }
        if (existing == null) {
          existing = renameIfMoved(entry, key, target, parent.records);
        }
        Action action = Planner.plan(entry, target, existing, null, granularity);
        announce(action);
        switch (action.kind()) {
          case CREATE_DIRECTORY -> mkdir(target);
          case REPLACE_WITH_DIRECTORY -> {
            if (!options.dryRun()) {
              dst.delete(target); // a file or link, never followed
              mkdir(target);
            }
            replaced.increment();
          }
          case KEEP_DIRECTORY -> {
            if (!options.dryRun()) {
              try {
                makeWritable(target, existing);
              } catch (IOException e) {
                // not ours to open up: its entries are still tried, each failure reported
                problem(entry, "cannot make the directory writable", e);
              }
              if (mirror.mayHoldLeftovers()) {
                removeLeftovers(target);
              }
            }
          }
          default -> throw new IllegalStateException("unexpected " + action);
        }
        if (action.kind() != Action.Kind.KEEP_DIRECTORY) {
          directories.increment();
        }
        if (entry.mountPoint() && options.walk().oneFileSystem()) {
          notes.add(new Problem(display(entry), "mount point: created empty, not descended (--one-file-system)"));
        }
        copyShortName(entry, target);
        boolean indexed = action.kind() == Action.Kind.KEEP_DIRECTORY && mirror.unchanged(parent.records, entry, key) != null;
        if (!indexed) {
          mirror.record(parent.records, key, entry, null); // an unchanged record is not written again
        }
        tick(0);
        boolean descended = !(entry.mountPoint() && options.walk().oneFileSystem());
        return new Directory(parent, entry, target, action.kind() != Action.Kind.KEEP_DIRECTORY,
            mirror.deletes() && descended && !(indexed && asLeft(existing, entry)), ignoresCase,
            shadowedNames(entry), indexed, mirror.enter(key));
      } catch (IOException e) {
        problem(entry, "cannot create directory", e);
        return null;
      }
    }

    /**
     * Whether a DST directory can hold no name that its source lacks, so that --delete need not
     * list it: the index proves the source directory unchanged since the last complete run (no
     * name added, removed or renamed in it: any would have changed its times), that run deleted
     * what its source lacked with the same exclude patterns and without a failure
     * ({@link #leftComplete}: a run without --delete, or one that kept names an exclude pattern
     * no longer keeps, leaves them), and DST's directory has not changed since that run's
     * commit: its change time is older (a name added, or its times set back by another run or
     * tool, would have moved it; no one can set it back) and it has the time that run gave it.
     * Otherwise the directory is listed.
     */
    private boolean asLeft(FileStatus existing, Entry entry) {
      return existing != null && existing.kind() == EntryKind.DIRECTORY
          && existing.changedNanos() < leftComplete
          && Planner.sameTime(existing.modifiedNanos(), entry.status().modifiedNanos(), granularity);
    }

    /** Where DST ignores case, the source names of a directory that others shadow there. */
    private Map<String, String> shadowedNames(Entry directory) {
      if (!ignoresCase) {
        return Map.of();
      }
      try {
        return CaseFolding.shadowedNames(src, source(directory));
      } catch (IOException e) {
        return Map.of(); // the walk reports the unreadable directory
      }
    }

    private void deleteIfExists(Path path) throws IOException {
      try {
        dst.delete(path);
      } catch (NoSuchFileException e) {
        // already gone
      }
    }

    /** Made private to its owner until its contents are in and its own mode is set on leaving. */
    private void mkdir(Path target) throws IOException {
      if (!options.dryRun()) {
        dst.createDirectory(target, 0700);
      }
    }

    /**
     * An existing directory that its owner may not write (a read-only source directory copied
     * before) is opened for writing until it is left, as rsync does; root needs no such help.
     * {@code known} is its status when the caller has it, else null.
     */
    private void makeWritable(Path target, FileStatus known) throws IOException {
      if (options.owners() || options.dryRun()) {
        return;
      }
      dst.openForOwner(target, known != null ? known : dst.stat(target));
    }

    @Override
    public void leaveDirectory(Directory directory) {
      directory.closeHandle(); // its names are all looked at
      mirror.leave(directory.records);
      if (directory.seen != null && !mirror.isUnreadable(TreeWalker.display(directory.entry.relative()))) {
        try {
          mirror.deleteExtras(dst, directory.target, TreeWalker.display(directory.entry.relative()),
              directory.seen, ignoresCase);
        } catch (IOException e) {
          problem(directory.entry, "cannot delete what the source no longer has", e);
        }
      }
      if (options.dryRun()) {
        return;
      }
      try {
        if (options.xattrs() && !directory.sourceUnchanged) {
          Path from = sourceRoot.resolve(directory.entry.relative());
          if (directory.fresh) {
            copyXattrs(from, directory.target);
          } else {
            apply(xattrChange(from, directory.target), directory.target);
          }
        }
        // after the contents, whose creation changed the directory's times; not when DST has
        // them already: writing equal values still dirties the inode, a journal write each
        FileStatus now = directory.fresh ? null
            : directory.parent == null ? dst.statIfExists(directory.target)
            : directory.parent.handle(dst, heldDirectories).statIfExists(directory.target);
        if (now == null || !sameDirectoryMetadata(now, directory.entry.status())) {
          dst.setMetadata(directory.target, directory.entry.status(), options.owners());
        }
      } catch (IOException e) {
        problem(directory.entry, "cannot set directory metadata", e);
        // its extended attributes are copied again only when its record does not prove it unchanged
        mirror.forgetOne(TreeWalker.display(directory.entry.relative()));
      }
    }

    /** Whether DST's permission bits are the source's, where DST keeps them at all. */
    private boolean sameMode(FileStatus there, FileStatus source) {
      return !kept.modes() || there.mode() == source.mode();
    }

    /** Whether DST's owner is the source's, where owners are kept (as root) and DST keeps them. */
    private boolean sameOwner(FileStatus there, FileStatus source) {
      return !options.owners() || !kept.owners() || there.uid() == source.uid() && there.gid() == source.gid();
    }

    /** Whether a DST directory already has the mode, owner and modification time of its source. */
    private boolean sameDirectoryMetadata(FileStatus there, FileStatus source) {
      return there.kind() == EntryKind.DIRECTORY && sameMode(there, source) && sameOwner(there, source)
          && Planner.sameTime(there.modifiedNanos(), source.modifiedNanos(), granularity);
    }

    @Override
    public void revisitedDirectory(Directory parent, Entry entry) {
      notes.add(new Problem(display(entry),
          "directory already copied under another name (bind mount or directory link): created empty"));
      Directory d = enterDirectory(parent, entry);
      if (d != null) {
        leaveDirectory(new Directory(parent, d.entry, d.target, d.fresh, false, false, Map.of(), d.sourceUnchanged,
            d.records));
      }
    }

    /**
     * Renames the destination's copy of an entry the source moved, instead of copying it again;
     * returns what now stands at the target, or null when nothing was moved.
     */
    private FileStatus renameIfMoved(Entry entry, String key, Path target, DirectoryRecords records) {
      Optional<Path> from = mirror.movedFrom(entry, key, records, sourceRoot, targetRoot, src, dst);
      if (from.isEmpty()) {
        return null;
      }
      mirror.renamed.increment();
      if (options.dryRun()) {
        return null;
      }
      try {
        dst.rename(from.get(), target);
        Path oldRelative = targetRoot.relativize(from.get());
        String oldKey = TreeWalker.display(oldRelative);
        mirror.touched(oldRelative);
        mirror.forgetMoved(oldKey);
        return dst.stat(target);
      } catch (IOException e) {
        mirror.renamed.decrement(); // across volumes, or raced: copied instead
        return null;
      }
    }

    /** Removes temporary files a killed run left behind. */
    private void removeLeftovers(Path directory) {
      try (DirectoryStream<Path> children = dst.newDirectoryStream(directory)) {
        for (Path child : children) {
          if (TempNames.isTemporary(child.getFileName().toString())) {
            deleteIfExists(child);
          }
        }
      } catch (IOException e) {
        notes.add(new Problem(directory.toString(), "cannot remove leftover temporary files: " + Problem.reason(e)));
      }
    }

    // ---- everything else

    @Override
    public void visit(Directory parent, Entry entry) {
      parent.saw(entry);
      if (parent.isShadowed(entry, problems)) {
        return;
      }
      Path target = targetOf(parent, entry);
      String key = TreeWalker.display(entry.relative());
      long size = 0;
      try {
        // the index proves the source unchanged; one look at DST proves the copy still there
        IndexRecord same = parent.fresh ? null : mirror.unchanged(parent.records, entry, key);
        if (same != null && !stillAtDestination(parent, entry, target, same)) {
          same = null;
        }
        if (entry.status().isHardLinked() && entry.reparsePoint() == null
            && !(entry.kind() == EntryKind.SYMLINK && reparse.restoresKeptBuffers())) {
          size = hardLinked(entry, target, parent, key, same);
          if (entry.kind() == EntryKind.REGULAR_FILE) {
            copyShortName(entry, target);
          }
          tick(size);
          return;
        }
        if (same != null) {
          unchanged.increment();
          mirror.recordUnchanged(parent.records, key, same);
          tick(0);
          return;
        }
        FileStatus existing = parent.fresh ? null : statOrNull(parent, target);
        if (existing == null) {
          existing = renameIfMoved(entry, key, target, parent.records);
        }
        if (entry.reparsePoint() != null) {
          applyReparse(entry, target, existing, reparse.plan(entry, source(entry)));
        } else if (entry.kind() == EntryKind.SYMLINK && reparse.restoresKeptBuffers()
            && reparse.keptBuffer(source(entry)).isPresent()) {
          applyReparse(entry, target, existing, reparse.restore(
              reparse.keptBuffer(source(entry)).get(), entry.symlink().target(), sourceRoot));
        } else {
          String existingTarget = existing != null && existing.kind() == EntryKind.SYMLINK
              ? dst.readSymlink(target) : null;
          Action action = withoutConflict(confirmed(Planner.plan(entry, target, existing, existingTarget, granularity)));
          if (action.kind() == Action.Kind.REPLACE_FILE && sharedWithPrevious(entry, existing)) {
            action = new Action(Action.Kind.UNCHANGED, entry, target, null);
          }
          int problemsBefore = problems.size();
          size = perform(action);
          if (problems.size() != problemsBefore) {
            // a conflict or a skipped device: not at DST, so the next run must look again
            mirror.forget(key);
            tick(size);
            return;
          }
          if (action.kind() == Action.Kind.UNCHANGED) {
            updateMetadata(entry, target, existing);
          }
          if (entry.kind() == EntryKind.REGULAR_FILE) {
            copyShortName(entry, target);
          }
        }
        mirror.record(parent.records, key, entry, null);
      } catch (IOException e) {
        problem(entry, "cannot copy", e);
      } catch (RuntimeException e) {
        problem(entry, "cannot copy", new IOException(e.toString(), e));
      }
      tick(size);
    }

    /**
     * Brings the mode and owner of a name whose contents are unchanged up to date: chmod and
     * chown leave the modification time alone, so the quick check does not see them.
     */
    private void updateMetadata(Entry entry, Path target, FileStatus existing) throws IOException {
      FileStatus s = entry.status();
      if (existing == null || entry.kind() == EntryKind.SYMLINK) {
        return;
      }
      boolean differs = !sameMode(existing, s) || !sameOwner(existing, s);
      // setfattr and setfacl move only the change time: one later than the copy's is looked into
      XattrChange xattrs = options.xattrs() && s.changedNanos() > existing.changedNanos()
          ? xattrChange(source(entry), target) : XattrChange.NONE;
      if ((differs || !xattrs.isEmpty()) && options.mirror().linkDest() != null && existing.linkCount() > 1
          && entry.kind() == EntryKind.REGULAR_FILE) {
        // shared with an earlier snapshot: a chmod there would change that snapshot too
        unchanged.decrement();
        perform(new Action(Action.Kind.REPLACE_FILE, entry, target, null));
        return;
      }
      if (differs || !xattrs.isEmpty()) {
        updatedMetadata.increment();
        if (!options.dryRun()) {
          apply(xattrs, target);
          if (differs) {
            dst.setMetadata(target, s, options.owners());
          }
        }
      }
    }

    /** Attributes to set and to remove at DST for it to hold what the source holds. */
    private record XattrChange(Map<String, byte[]> set, List<String> remove) {
      static final XattrChange NONE = new XattrChange(Map.of(), List.of());

      boolean isEmpty() {
        return set.isEmpty() && remove.isEmpty();
      }
    }

    /**
     * What differs between the attributes of {@code from} and {@code to}. Only names of the kinds
     * a copy carries are removed (user attributes and access control lists), never one the
     * destination's system keeps there itself (an SELinux label).
     */
    private XattrChange xattrChange(Path from, Path to) throws IOException {
      Map<String, byte[]> want = src.readXattrs(from);
      Map<String, byte[]> have = dst.readXattrs(to);
      Map<String, byte[]> set = new java.util.TreeMap<>();
      want.forEach((name, value) -> {
        if (!java.util.Arrays.equals(value, have.get(name))) {
          set.put(name, value);
        }
      });
      List<String> remove = have.keySet().stream()
          .filter(name -> !want.containsKey(name) && (name.startsWith("user.") || name.startsWith("system.posix_acl_")))
          .sorted().toList();
      return set.isEmpty() && remove.isEmpty() ? XattrChange.NONE : new XattrChange(set, remove);
    }

    private void apply(XattrChange change, Path target) throws IOException {
      dst.removeXattrs(target, change.remove());
      dst.writeXattrs(target, change.set());
    }

    /** Makes a junction, Windows symlink or other reparse point, or its POSIX stand-in. */
    private void applyReparse(Entry entry, Path target, FileStatus existing,
        ReparsePointCopier.Outcome outcome) throws IOException {
      if (outcome instanceof ReparsePointCopier.Outcome.Skipped skipped) {
        notes.add(new Problem(display(entry), skipped.reason()));
        return;
      }
      if (outcome instanceof ReparsePointCopier.Outcome.Unrolled) {
        unroll(entry, target, existing);
        return;
      }
      boolean moved = outcome instanceof ReparsePointCopier.Outcome.AsReparsePoint r ? r.retargeted()
          : ((ReparsePointCopier.Outcome.AsSymlink) outcome).retargeted();
      if (reparse.isInPlace(outcome, target, existing)) {
        unchanged.increment();
        return;
      }
      reparsePoints.increment();
      if (moved) {
        retargeted.increment();
      } else if (entry.reparsePoint() != null && entry.reparsePoint().isJunction()) {
        notes.add(new Problem(display(entry), "junction to " + entry.reparsePoint().printName()
            + " lies outside the source; kept with its target unchanged"));
      }
      if (options.dryRun()) {
        return;
      }
      if (existing != null) {
        replaced.increment();
        dst.delete(target); // a link, a reparse point or an empty directory: never followed
      }
      writeThroughTemp(target, temp -> {
        reparse.write(outcome, temp, options.owners());
        try {
          dst.setMetadata(temp, entry.status(), options.owners());
        } catch (IOException e) {
          // some volumes keep no times on reparse points; the link itself is what matters
        }
        return 0;
      });
    }

    /**
     * Copies what an outer junction points to as a real directory. A target that contains, or
     * lies inside, a tree being copied would loop: that junction is kept as it is instead.
     */
    private void unroll(Entry entry, Path target, FileStatus existing) throws IOException {
      Path real;
      try {
        real = source(entry).toRealPath();
      } catch (IOException e) {
        notes.add(new Problem(display(entry), "cannot unroll junction to " + entry.reparsePoint().printName()
            + " (" + Problem.reason(e) + "); kept as it is"));
        applyReparse(entry, target, existing, reparse.planKept(entry, source(entry)));
        return;
      }
      Set<Path> chain = new java.util.HashSet<>(unrolling);
      chain.add(sourceRoot.toRealPath());
      for (Path busy : chain) {
        if (real.startsWith(busy) || busy.startsWith(real)) {
          notes.add(new Problem(display(entry), "junction to " + entry.reparsePoint().printName()
              + " would loop if unrolled; kept as it is"));
          applyReparse(entry, target, existing, reparse.planKept(entry, source(entry)));
          return;
        }
      }
      if (existing != null && existing.kind() != EntryKind.DIRECTORY && !options.dryRun()) {
        dst.delete(target);
      }
      chain.add(real);
      CopyReport inner = new CopyEngine(options, actions, ProgressListener.NONE, Set.copyOf(chain))
          .copy(real, target);
      directories.add(inner.directories() + 1);
      files.add(inner.filesCopied());
      bytes.add(inner.bytesCopied());
      links.add(inner.hardLinks());
      symlinks.add(inner.symlinks());
      unchanged.add(inner.unchanged());
      String prefix = display(entry) + "/";
      inner.problems().forEach(p -> fail(new Problem(prefix + p.path(), p.message())));
      notes.add(new Problem(display(entry), "junction to " + entry.reparsePoint().printName()
          + " unrolled: " + inner.filesCopied() + " files copied as a real directory"));
    }

    /**
     * A name of a hard-link group: the first one seen is copied (or found unchanged), the others
     * are linked to it. {@code same} is the index record proving this name unchanged, or null.
     */
    private long hardLinked(Entry entry, Path target, Directory parent, String key, IndexRecord same)
        throws IOException {
      HardLinkTracker.Sighting<CompletableFuture<FirstCopy>> sighting =
          groups.sight(entry.id(), entry.status().linkCount(), CompletableFuture::new);
      CompletableFuture<FirstCopy> first = sighting.state();
      if (sighting.first() && same != null && same.destinationId() != null) {
        completeFirst(first, entry, target, key, same.destinationId());
        unchanged.increment();
        mirror.recordUnchanged(parent.records, key, same);
        return 0;
      }
      FileStatus existing;
      if (sighting.first()) {
        try {
          existing = parent.fresh ? null : statOrNull(parent, target);
          String existingTarget = existing != null && existing.kind() == EntryKind.SYMLINK
              && entry.kind() == EntryKind.SYMLINK ? dst.readSymlink(target) : null;
          Action planned = confirmed(Planner.plan(entry, target, existing, existingTarget, granularity));
          Action action = withoutConflict(planned);
          if (planned.kind() == Action.Kind.CONFLICT && action.kind() != Action.Kind.CONFLICT) {
            existing = null; // the directory in the way is gone
          }
          if (action.kind() == Action.Kind.COPY_FILE || action.kind() == Action.Kind.REPLACE_FILE) {
            Optional<Path> elsewhere = mirror.groupCopyElsewhere(entry, key, sourceRoot, targetRoot, src, dst);
            if (elsewhere.isPresent()) {
              return linkToCopyElsewhere(entry, target, existing, elsewhere.get(), parent, key, first);
            }
          }
          long size = perform(action);
          if (action.kind() == Action.Kind.CONFLICT) {
            // nothing to link to: the group's other names are copied on their own
            first.completeExceptionally(new IOException("first name in conflict"));
            return size;
          }
          if (action.kind() == Action.Kind.UNCHANGED) {
            updateMetadata(entry, target, existing);
          }
          FileId id = options.dryRun() ? (existing == null ? null : existing.id()) : dst.stat(target).id();
          completeFirst(first, entry, target, key, id);
          mirror.record(parent.records, key, entry, id);
          return size;
        } catch (IOException | RuntimeException e) {
          first.completeExceptionally(e);
          throw e;
        }
      }
      FirstCopy copy;
      try {
        copy = first.join();
      } catch (CompletionException e) {
        // the first name could not be copied; this name stands alone
        FileStatus alone = parent.fresh ? null : statOrNull(parent, target);
        String aloneTarget = alone != null && alone.kind() == EntryKind.SYMLINK
            && entry.kind() == EntryKind.SYMLINK ? dst.readSymlink(target) : null;
        return perform(withoutConflict(Planner.plan(entry, target, alone, aloneTarget, granularity)));
      }
      if (same != null && copy.id() != null && copy.id().equals(same.destinationId())) {
        unchanged.increment();
        mirror.recordUnchanged(parent.records, key, same);
        return 0;
      }
      existing = parent.fresh ? null : statOrNull(parent, target);
      long size = perform(withoutConflict(Planner.planLink(entry, target, existing, copy.target(), copy.id()),
          () -> Planner.planLink(entry, target, null, copy.target(), copy.id())));
      mirror.record(parent.records, key, entry, copy.id());
      return size;
    }

    /**
     * Tells the group's other names where its file is, and notes it for the next snapshot.
     *
     * @param copyKey the relative path of {@code copy} at DST
     */
    private void completeFirst(CompletableFuture<FirstCopy> first, Entry entry, Path copy, String copyKey,
        FileId id) {
      first.complete(new FirstCopy(copy, id));
      if (!options.dryRun() && entry.kind() == EntryKind.REGULAR_FILE) {
        options.mirror().groups().record(entry.id(), copyKey);
      }
    }

    /**
     * Makes a group's first name met by this run a link to the group's file that DST holds
     * under another name, instead of copying it again; that name is then the group's first.
     */
    private long linkToCopyElsewhere(Entry entry, Path target, FileStatus existing, Path elsewhere,
        Directory parent, String key, CompletableFuture<FirstCopy> first) throws IOException {
      FileStatus there = dst.stat(elsewhere);
      perform(withoutConflict(Planner.planLink(entry, target, existing, elsewhere, there.id()),
          () -> Planner.planLink(entry, target, null, elsewhere, there.id())));
      if (!options.dryRun()) {
        updateMetadata(entry, elsewhere, there);
      }
      completeFirst(first, entry, elsewhere, relative(elsewhere), there.id());
      mirror.record(parent.records, key, entry, there.id());
      return 0;
    }

    /**
     * Whether the destination still holds what the index says this run's predecessor left: the
     * same kind, size and time (and file, for a group). A destination changed behind the
     * index's back is then handled as without an index.
     */
    private boolean stillAtDestination(Directory parent, Entry entry, Path target, IndexRecord record) {
      try {
        FileStatus there = parent.handle(dst, heldDirectories).stat(target);
        FileStatus s = entry.status();
        if (there.kind() != s.kind() || (s.kind() != EntryKind.DIRECTORY
            && !Planner.sameTime(there.modifiedNanos(), s.modifiedNanos(), granularity))) {
          return false;
        }
        // a chmod or chown at DST leaves its time alone: the look that would repair it without
        // the index must find it with the index too (a symlink's mode is not its own)
        if (s.kind() != EntryKind.SYMLINK && s.kind() != EntryKind.DIRECTORY
            && (!sameMode(there, s) || !sameOwner(there, s))) {
          return false;
        }
        if (s.kind() == EntryKind.REGULAR_FILE) {
          return there.size() == s.size()
              && (record.destinationId() == null ? there.linkCount() == 1 : there.id().equals(record.destinationId()));
        }
        if (record.destinationId() != null && !there.id().equals(record.destinationId())) {
          return false; // a linked symlink or special file: still the one its group shares
        }
        return s.kind() != EntryKind.SYMLINK || there.size() == s.size();
      } catch (IOException e) {
        return false;
      }
    }

    /** With --checksum, a file that looks unchanged is compared byte for byte before it is trusted. */
    private Action confirmed(Action action) throws IOException {
      if (action.kind() != Action.Kind.UNCHANGED || !mirror.checksums()
          || action.entry().kind() != EntryKind.REGULAR_FILE
          || FileSystemAccess.sameBytes(src, source(action.entry()), dst, action.target())) {
        return action;
      }
      return new Action(Action.Kind.REPLACE_FILE, action.entry(), action.target(), null);
    }

    /**
     * With --delete, a directory standing at DST where the source now has another kind goes
     * (the names it holds are names the source lacks), and the entry is made anew; otherwise,
     * or while it holds excluded names, the conflict stands and is reported.
     */
    private Action withoutConflict(Action action) throws IOException {
      return withoutConflict(action, () -> Planner.plan(action.entry(), action.target(), null, null, granularity));
    }

    /** As {@link #withoutConflict(Action)}; {@code planned} plans the step once the directory is gone. */
    private Action withoutConflict(Action action, java.util.function.Supplier<Action> planned) throws IOException {
      if (action.kind() != Action.Kind.CONFLICT || !mirror.deletes()) {
        return action;
      }
      String key = display(action.entry());
      if (!mirror.deleteDirectoryInTheWay(action.target(), key, dst, options.dryRun())) {
        return action;
      }
      return planned.get();
    }

    /** Carries out one step and returns the bytes it copied. */
    private long perform(Action action) throws IOException {
      announce(action);
      Entry entry = action.entry();
      Path target = action.target();
      Action.Kind kind = action.kind();
      if (kind == Action.Kind.UNCHANGED) {
        unchanged.increment();
        return 0;
      }
      if (kind == Action.Kind.CONFLICT) {
        fail(new Problem(display(entry),
            "a directory stands at the destination where the source has a " + kindName(entry) + "; left alone"));
        return 0;
      }
      if (kind == Action.Kind.REPLACE_FILE || kind == Action.Kind.RELINK
          || kind == Action.Kind.REPLACE_SYMLINK || kind == Action.Kind.REPLACE_SPECIAL) {
        replaced.increment();
      }
      switch (kind) {
        case COPY_FILE, REPLACE_FILE -> {
          if (kind == Action.Kind.COPY_FILE && options.mirror().linkDest() != null && reuseFromPrevious(entry, target)) {
            linkedToPrevious.increment();
            return 0;
          }
          files.increment();
          if (options.dryRun()) {
            bytes.add(entry.status().size());
            return entry.status().size();
          }
          Map<String, byte[]> xattrs = options.xattrs() ? src.readXattrs(source(entry)) : Map.of();
          long n;
          if (kind == Action.Kind.COPY_FILE && options.newFilesInPlace()) {
            n = writeInPlace(target, () -> dst.copyFile(source(entry), target, entry.status(),
                options.reflink(), options.owners(), xattrs));
          } else {
            n = writeThroughTemp(target, temp -> dst.copyFile(source(entry), temp, entry.status(),
                options.reflink(), options.owners(), xattrs));
          }
          bytes.add(n);
          return n;
        }
        case LINK, RELINK -> {
          links.increment();
          if (!options.dryRun()) {
            link(action, kind == Action.Kind.RELINK);
          }
          return 0;
        }
        case CREATE_SYMLINK, REPLACE_SYMLINK -> {
          if (kind == Action.Kind.CREATE_SYMLINK && options.mirror().linkDest() != null
              && entry.symlink() != null && reuseFromPrevious(entry, target)) {
            symlinks.increment(); // a symlink still, counted with the symlinks, not the files
            return 0;
          }
          symlinks.increment();
          if (!options.dryRun()) {
            String linkTarget = entry.symlink() != null ? entry.symlink().target() : src.readSymlink(source(entry));
            writeThroughTemp(target, temp -> {
              dst.createSymlink(temp, linkTarget);
              if (options.xattrs()) {
                copyXattrs(source(entry), temp); // root can set trusted.* and security.* on a symlink
              }
              dst.setMetadata(temp, entry.status(), options.owners());
              return 0;
            });
          }
          return 0;
        }
        case CREATE_SPECIAL, REPLACE_SPECIAL -> {
          specials.increment();
          if (!options.dryRun()) {
            if (!options.owners() && (entry.kind() == EntryKind.CHARACTER_DEVICE
                || entry.kind() == EntryKind.BLOCK_DEVICE)) {
              specials.decrement();
              fail(new Problem(display(entry), "device nodes can only be created when running as root; skipped"));
              return 0;
            }
            writeThroughTemp(target, temp -> {
              dst.createSpecial(temp, entry.status());
              dst.setMetadata(temp, entry.status(), options.owners());
              return 0;
            });
          }
          return 0;
        }
        default -> throw new IllegalStateException("unexpected " + action);
      }
    }

    /**
     * Whether a name of a resumed snapshot is already a link to the previous snapshot's file at
     * the same path, and that file may still be shared: then it stays as it is.
     */
    private boolean sharedWithPrevious(Entry entry, FileStatus existing) {
      if (options.mirror().linkDest() == null || existing == null || entry.kind() != EntryKind.REGULAR_FILE) {
        return false;
      }
      Path previous = inPrevious(entry.relative());
      try {
        FileStatus p = this.previous.statBeneath(previous);
        return p != null && p.id().equals(existing.id()) && mayShare(entry, previous, p) && reusedFromPrevious.add(p.id());
      } catch (IOException e) {
        return false;
      }
    }

    /**
     * Whether the previous snapshot's file or symlink {@code p} at {@code previous} is the same as
     * the source entry: size, time, mode, owner; a symlink's target; and for one whose status
     * changed since that snapshot though all these did not (a name added or removed, an attribute
     * set, or bytes written and the time put back), its bytes and attributes, which costs a
     * read, not a copy.
     */
    private boolean mayShare(Entry entry, Path previous, FileStatus p) throws IOException {
      FileStatus s = entry.status();
      boolean same = p.kind() == s.kind() && p.size() == s.size()
          && Planner.sameTime(p.modifiedNanos(), s.modifiedNanos(), granularity)
          && (s.kind() == EntryKind.SYMLINK || sameMode(p, s))
          && sameOwner(p, s)
          // a symlink is shared only when it says the same thing (Linux links symlinks themselves)
          && (s.kind() != EntryKind.SYMLINK || this.previous.readSymlink(previous).equals(entry.symlink().target()));
      if (!same || s.changedNanos() < options.mirror().linkDestSince()) {
        return same;
      }
      return (s.kind() == EntryKind.SYMLINK || FileSystemAccess.sameBytes(src, source(entry), this.previous, previous))
          && (!options.xattrs() || sameXattrs(src.readXattrs(source(entry)), this.previous.readXattrs(previous)));
    }

    /** Where an entry stood in the previous snapshot: by its name's bytes, not its displayed text. */
    private Path inPrevious(Path relative) {
      Path root = options.mirror().linkDest();
      return relative.getFileSystem() == root.getFileSystem()
          ? root.resolve(relative) : RawNames.resolve(root, TreeWalker.display(relative));
    }

    /** Whether the previous snapshot's {@code previous} may be shared and is not yet taken. */
    private boolean mayReuse(Entry entry, Path previous) {
      try {
        // a name that a link stood on the way to in the previous snapshot is not shared
        FileStatus p = this.previous.statBeneath(previous);
        return p != null && mayShare(entry, previous, p) && reusedFromPrevious.add(p.id());
      } catch (IOException e) {
        return false;
      }
    }

    private static boolean sameXattrs(Map<String, byte[]> a, Map<String, byte[]> b) {
      return a.size() == b.size() && a.entrySet().stream()
          .allMatch(e -> b.containsKey(e.getKey()) && java.util.Arrays.equals(e.getValue(), b.get(e.getKey())));
    }

    /**
     * Links a new name to the previous snapshot's file or symlink when {@link #mayShare}, instead
     * of copying it. A previous file is taken by one source file only, so that names the source
     * does not link are not linked in the snapshot either.
     */
    private boolean reuseFromPrevious(Entry entry, Path target) {
      String key = TreeWalker.display(entry.relative());
      Path previous = inPrevious(entry.relative());
      boolean reusable = mayReuse(entry, previous);
      if (!reusable && entry.status().isHardLinked()) {
        // met first at a name the previous snapshot lacks (one added since): its file by the group
        String elsewhere = options.mirror().groups().previousPath(entry.id());
        if (elsewhere != null && !elsewhere.equals(key)) {
          previous = RawNames.resolve(options.mirror().linkDest(), elsewhere);
          reusable = mayReuse(entry, previous);
        }
      }
      if (!reusable) {
        return false;
      }
      if (options.dryRun()) {
        return true;
      }
      try {
        dst.createHardLink(target, previous);
        return true;
      } catch (IOException e) {
        // past the link limit (ext4: 65,000), or another volume: this snapshot gets its own copy
        notes.add(new Problem(display(entry), "not linked to the previous snapshot ("
            + Problem.reason(e) + "): copied afresh"));
        return false;
      }
    }

    /** Links a later name of a group; across volumes (or past the link limit) copies instead. */
    private void link(Action action, boolean replace) throws IOException {
      Path target = action.target();
      try {
        if (replace) {
          writeThroughTemp(target, temp -> {
            dst.createHardLink(temp, action.linkTo());
            return 0;
          });
        } else {
          dst.createHardLink(target, action.linkTo());
        }
      } catch (FileSystemException e) {
        String reason = String.valueOf(e.getReason());
        String why = reason.contains("EMLINK") || reason.toLowerCase().contains("too many links") ? "too many links"
            : reason.contains("EXDEV") || reason.toLowerCase().contains("cross-device") ? "another volume"
            // FAT has no hard links (EPERM), nor have some network and FUSE file systems
            : reason.contains("EPERM") || reason.contains("EOPNOTSUPP") || reason.toLowerCase().contains("not supported")
                || reason.toLowerCase().contains("not permitted") ? "the destination holds no hard links here"
            : null;
        if (why == null) {
          throw e;
        }
        Entry entry = action.entry();
        FileStatus there = replace && entry.kind() == EntryKind.REGULAR_FILE ? dst.statIfExists(target) : null;
        if (there != null && there.linkCount() == 1 && Planner.sameFile(entry.status(), there, granularity)) {
          // the copy apart an earlier run made is still the file: told again, not written again
          links.decrement();
          separate.increment();
          fail(new Problem(display(entry), "cannot link to " + relative(action.linkTo())
              + " (" + why + "): kept as its own copy, as the last run left it"));
          return;
        }
        Map<String, byte[]> xattrs = options.xattrs() ? src.readXattrs(source(entry)) : Map.of();
        bytes.add(writeThroughTemp(target, temp -> dst.copyFile(source(entry), temp, entry.status(),
            options.reflink(), options.owners(), xattrs)));
        links.decrement();
        files.increment();
        separate.increment();
        fail(new Problem(display(entry), "cannot link to " + relative(action.linkTo())
            + " (" + why + "): copied separately, so this name is no longer a link of its group"));
      }
    }

    private interface TempWriter {
      long write(Path temp) throws IOException;
    }

    private interface InPlaceWriter {
      long write() throws IOException;
    }

    /** Writes a new name directly; a failure removes what was written, a kill leaves a file the next run replaces. */
    private long writeInPlace(Path target, InPlaceWriter writer) throws IOException {
      boolean done = false;
      try {
        long n = writer.write();
        done = true;
        return n;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        done = true; // not ours: leave it
        throw e;
      } finally {
        if (!done) {
          try {
            deleteIfExists(target);
          } catch (IOException ignored) {
            // its modification time is not the source's: the next run replaces it
          }
        }
      }
    }

    /** Writes at a fresh temporary name and renames it over {@code target}; the old file stays whole until then. */
    private long writeThroughTemp(Path target, TempWriter writer) throws IOException {
      Path temp = TempNames.beside(target);
      boolean done = false;
      try {
        long n = writer.write(temp);
        dst.rename(temp, target);
        done = true;
        return n;
      } finally {
        if (!done) {
          try {
            deleteIfExists(temp);
          } catch (IOException ignored) {
            // the next run removes leftovers
          }
        }
      }
    }

    private void copyXattrs(Path from, Path to) throws IOException {
      Map<String, byte[]> x = src.readXattrs(from);
      if (!x.isEmpty()) {
        dst.writeXattrs(to, x);
      }
    }

    // ---- bookkeeping

    /** What DST has at {@code target}, a name in {@code parent}, or null. */
    private FileStatus statOrNull(Directory parent, Path target) throws IOException {
      return parent.handle(dst, heldDirectories).statIfExists(target);
    }

    /**
     * Where an entry goes in its directory at DST; on the same kind of file system by its name as
     * a path, which keeps bytes that are not valid in the name encoding.
     */
    private Path targetOf(Directory parent, Entry entry) {
      Path name = entry.relative().getFileName();
      return name.getFileSystem() == parent.target.getFileSystem()
          ? parent.target.resolve(name) : parent.target.resolve(name.toString());
    }

    private Path source(Entry entry) {
      return sourceRoot.resolve(entry.relative());
    }

    private String relative(Path target) {
      return TreeWalker.display(targetRoot.relativize(target));
    }

    private void announce(Action action) {
      actions.planned(action);
    }

    private void tick(long size) {
      entries.increment();
      if (progress != ProgressListener.NONE) {
        progress.progress(entries.sum(), bytes.sum() + size);
      }
    }

    /** Records a problem; one that says the destination is full ends the run. */
    private void problem(Entry entry, String what, IOException e) {
      Problem problem = new Problem(display(entry), what + ": " + Problem.reason(e));
      fail(problem);
      if (stoppedBecause == null && Problem.isDestinationFull(e)) {
        stoppedBecause = problem;
      }
    }

    void fail(Problem problem) {
      problems.add(problem);
    }

    @Override
    public boolean stopped() {
      return stoppedBecause != null;
    }

    @Override
    public void problem(Problem problem) {
      fail(problem);
      mirror.unreadable(problem.path());
    }

    CopyReport report() {
      long[] partial = {0};
      groups.forEachOpen(g -> {
        partial[0]++;
        // a first name that failed (reported already) completed its future exceptionally
        FirstCopy first = g.state().isCompletedExceptionally() ? null : g.state().getNow(null);
        String name = first == null ? g.id().toString() : relative(first.target());
        notes.add(new Problem(name, "partial hard-link group: " + g.seen() + " of " + g.linkCount()
            + " names lie inside the source; those were linked"));
      });
      List<Problem> sortedProblems = new ArrayList<>(problems);
      sortedProblems.sort((a, b) -> a.path().compareTo(b.path()));
      List<Problem> sortedNotes = new ArrayList<>(notes);
      sortedNotes.sort((a, b) -> a.path().compareTo(b.path()));
      return new CopyReport(options.dryRun(), entries.sum(), directories.sum(), files.sum(),
          bytes.sum(), links.sum(), symlinks.sum(), reparsePoints.sum(), retargeted.sum(), specials.sum(),
          unchanged.sum(), updatedMetadata.sum(), replaced.sum(),
          separate.sum(), mirror.renamed.sum(), mirror.deleted.sum(), linkedToPrevious.sum(), partial[0], sortedProblems,
          sortedNotes);
    }
  }

  static String display(Entry entry) {
    String s = TreeWalker.display(entry.relative());
    return s.isEmpty() ? "." : s;
  }

  static String kindName(Entry entry) {
    return entry.kind().name().toLowerCase().replace('_', ' ');
  }
}
