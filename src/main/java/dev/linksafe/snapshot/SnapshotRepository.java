package dev.linksafe.snapshot;

import com.fasterxml.jackson.jr.ob.JSON;
import dev.linksafe.copy.ActionListener;
import dev.linksafe.copy.CopyEngine;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.Platforms;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.model.ProgressListener;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A repository of snapshots: {@code REPO/<UTC time>/} complete trees, {@code REPO/latest}
 * pointing at the newest, and a small manifest and the locations of its hard-link groups per
 * snapshot in {@code REPO/.linksafe/}. A
 * snapshot is built as {@code REPO/<time>.in-progress/} and renamed to its final name only when
 * complete; an interrupted one is resumed by the next run.
 */
public final class SnapshotRepository {
  static final DateTimeFormatter NAME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  static final Pattern SNAPSHOT_NAME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{6}Z(-\\d+)?");
  static final String IN_PROGRESS = ".in-progress";
  static final String LATEST = "latest";
  static final String DELETING = ".deleting";

  private final Path repository;

  public SnapshotRepository(Path repository) {
    this.repository = repository;
  }

  /** What a snapshot run made. */
  public record Created(SnapshotInfo info, CopyReport report, Path path, boolean resumed) {}

  /** What pruning kept and removed. */
  public record Pruned(List<String> kept, List<String> removed) {}

  /**
   * Takes a snapshot of {@code source} at time {@code now}: files unchanged since the previous
   * snapshot are hard links to it, the rest are copied, and the snapshot appears under its
   * final name only when complete.
   */
  public Created create(Path source, CopyOptions options, Instant now, ProgressListener progress)
      throws IOException {
    // checked before the repository is made: a refused run leaves nothing in the source
    CopyEngine.checkNotInside(source, repository);
    Files.createDirectories(manifests());
    try (FileChannel lock = lock()) {
      return createLocked(source, options, now, progress);
    }
  }

  private Created createLocked(Path source, CopyOptions options, Instant now, ProgressListener progress)
      throws IOException {
    finishDeletions();
    List<String> names = names();
    String previous = names.isEmpty() ? null : names.get(names.size() - 1);
    String name = nameAfter(NAME.format(now), previous);
    Path work = repository.resolve(name + IN_PROGRESS);
    String interrupted = resumeInterrupted(work);
    boolean resumed = interrupted != null;
    // a resumed tree holds files an earlier run copied: the snapshot is as old as its first run,
    // which is what the next snapshot trusts a file's unchanged status since
    Instant started = resumed ? startOf(interrupted, now) : now;
    if (!options.dryRun()) {
      recordStart(started);
      SnapshotGroups.removeOrphans(groups(), Set.copyOf(names));
    }
    try (SnapshotGroups groups = SnapshotGroups.open(groups(), previous, name, options.dryRun())) {
      // delete: a resumed tree loses what its source no longer has
      MirrorOptions linking = previous == null ? new MirrorOptions(null, true, false, null, 0, groups)
          : new MirrorOptions(null, true, false, repository.resolve(previous).toRealPath(),
              nanos(readManifest(previous).map(SnapshotInfo::time).orElse(timeOf(previous))), groups);
      CopyReport report = new CopyEngine(options.withMirror(linking), ActionListener.NONE, progress)
          .copy(source, work);
      SnapshotInfo info = new SnapshotInfo(name, source.toRealPath().toString(), started,
          report.filesCopied() + report.linkedToPrevious() + report.hardLinks() + report.unchanged(),
          report.filesCopied(), report.linkedToPrevious(), report.bytesCopied(), report.errors());
      if (options.dryRun()) {
        return new Created(info, report, work, resumed);
      }
      groups.commit();
      writeManifest(info);
      Path done = repository.resolve(name);
      Files.move(work, done, StandardCopyOption.ATOMIC_MOVE);
      pointLatestAt(name);
      return new Created(info, report, done, resumed);
    }
  }

  /**
   * Takes over what an interrupted run left: the newest in-progress snapshot becomes this run's
   * (the copy then finishes it), older ones are removed.
   */
  private String resumeInterrupted(Path work) throws IOException {
    List<Path> leftovers = ours(IN_PROGRESS);
    leftovers.sort(null);
    String resumed = null;
    for (int i = 0; i < leftovers.size(); i++) {
      Path p = leftovers.get(i);
      if (i == leftovers.size() - 1 && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        if (!p.equals(work)) {
          Files.move(p, work, StandardCopyOption.ATOMIC_MOVE);
        }
        String n = p.getFileName().toString();
        resumed = n.substring(0, n.length() - IN_PROGRESS.length());
      } else {
        deleteTree(p);
      }
    }
    return resumed;
  }

  /** Where the start of the snapshot being built is kept, for a run that resumes it. */
  private Path startFile() {
    return repository.resolve(".linksafe").resolve("started");
  }

  private void recordStart(Instant started) throws IOException {
    Path file = startFile();
    Path temp = file.resolveSibling("started.tmp");
    Files.writeString(temp, started.toString(), StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * When the interrupted snapshot was first started: as recorded, else (a file lost, or left by
   * an earlier version) by its name, never later than {@code now}.
   */
  private Instant startOf(String interrupted, Instant now) {
    Instant t;
    try {
      t = Instant.parse(Files.readString(startFile(), StandardCharsets.UTF_8).strip());
    } catch (IOException | RuntimeException e) {
      t = timeOf(interrupted);
    }
    return t.isBefore(now) ? t : now;
  }

  /**
   * The name for a snapshot taken at {@code wanted}: later than the newest one even when the
   * clock is behind it (a same-second or earlier time gets the next suffix of the newest).
   */
  static String nameAfter(String wanted, String previous) {
    if (previous == null || timeOf(wanted).isAfter(timeOf(previous))) {
      return wanted;
    }
    int dash = previous.indexOf("Z-");
    String base = dash < 0 ? previous : previous.substring(0, dash + 1);
    int suffix = dash < 0 ? 1 : Integer.parseInt(previous.substring(dash + 2));
    return base + "-" + (suffix + 1);
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  /** One snapshot or prune at a time in a repository. */
  private FileChannel lock() throws IOException {
    FileChannel channel = FileChannel.open(repository.resolve(".linksafe").resolve("lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    boolean locked = false;
    try {
      locked = channel.tryLock() != null;
    } catch (java.nio.channels.OverlappingFileLockException e) {
      locked = false;
    } finally {
      if (!locked) {
        channel.close();
      }
    }
    if (!locked) {
      throw new IOException("the repository " + repository + " is in use by another linksafe run");
    }
    return channel;
  }

  /** Finishes removals a killed prune left: such a snapshot was renamed aside first. */
  private void finishDeletions() throws IOException {
    for (Path p : ours(DELETING)) {
      deleteTree(p);
    }
  }

  /**
   * The names in the repository that a run left with {@code suffix}: a snapshot's name before
   * it, so that a directory of the user's that happens to end so is never taken or deleted.
   */
  private List<Path> ours(String suffix) throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(repository, "*" + suffix)) {
      for (Path p : children) {
        String n = p.getFileName().toString();
        if (SNAPSHOT_NAME.matcher(n.substring(0, n.length() - suffix.length())).matches()) {
          found.add(p);
        }
      }
    }
    return found;
  }

  /** The complete snapshots, oldest first. */
  public List<String> names() throws IOException {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(repository)) {
      return names;
    }
    try (DirectoryStream<Path> children = Files.newDirectoryStream(repository)) {
      for (Path p : children) {
        String n = p.getFileName().toString();
        if (SNAPSHOT_NAME.matcher(n).matches() && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          names.add(n);
        }
      }
    }
    // by time: "-10" comes after "-2"
    names.sort(java.util.Comparator.comparing(SnapshotRepository::timeOf));
    return names;
  }

  /** The complete snapshots with their manifests, oldest first. */
  public List<SnapshotInfo> list() throws IOException {
    List<SnapshotInfo> result = new ArrayList<>();
    for (String n : names()) {
      result.add(readManifest(n).orElse(new SnapshotInfo(n, "", timeOf(n), -1, -1, -1, -1, -1)));
    }
    return result;
  }

  /** Whether {@code directory} is a snapshot repository (it has linksafe's metadata). */
  public static boolean isRepository(Path directory) {
    return Files.isDirectory(directory.resolve(".linksafe"), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * A snapshot by name ({@code latest} or null for the newest).
   *
   * @throws IllegalArgumentException naming the snapshots there are, when there is no such one
   */
  public Path resolve(String name) throws IOException {
    List<String> names = names();
    if (names.isEmpty()) {
      throw new IllegalArgumentException("no snapshot in " + repository);
    }
    if (name == null || name.equals(LATEST)) {
      return repository.resolve(names.get(names.size() - 1));
    }
    if (!names.contains(name)) {
      throw new IllegalArgumentException("no snapshot " + name + " in " + repository + "; there are: "
          + String.join(", ", names.size() > 10 ? names.subList(names.size() - 10, names.size()) : names));
    }
    return repository.resolve(name);
  }

  /** Removes the snapshots the policy does not keep; never an in-progress one. */
  public Pruned prune(RetentionPolicy policy, boolean dryRun) throws IOException {
    Files.createDirectories(manifests());
    try (FileChannel lock = lock()) {
      return pruneLocked(policy, dryRun);
    }
  }

  private Pruned pruneLocked(RetentionPolicy policy, boolean dryRun) throws IOException {
    if (!dryRun) {
      finishDeletions();
    }
    List<String> names = names();
    List<Instant> times = names.stream().map(SnapshotRepository::timeOf).toList();
    Set<Instant> keep = policy.keep(times);
    List<String> kept = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      (keep.contains(times.get(i)) ? kept : removed).add(names.get(i));
    }
    if (!dryRun) {
      for (String n : removed) {
        // renamed aside first, so that a half-deleted snapshot is never taken for a whole one;
        // deleting names never harms another snapshot: shared inodes live while any name remains
        Path aside = repository.resolve(n + DELETING);
        Files.move(repository.resolve(n), aside, StandardCopyOption.ATOMIC_MOVE);
        Files.deleteIfExists(manifests().resolve(n + ".json"));
        Files.deleteIfExists(SnapshotGroups.fileOf(groups(), n));
        deleteTree(aside);
      }
      if (!kept.isEmpty()) {
        pointLatestAt(kept.get(kept.size() - 1));
      }
    }
    return new Pruned(kept, removed);
  }

  static Instant timeOf(String name) {
    String base = name.contains("Z-") ? name.substring(0, name.indexOf("Z-") + 1) : name;
    Instant t = Instant.from(NAME.parse(base));
    int dash = name.indexOf("Z-");
    // same-second snapshots keep their order
    return dash < 0 ? t : t.plusNanos(Long.parseLong(name.substring(dash + 2)));
  }

  private Path manifests() {
    return repository.resolve(".linksafe").resolve("manifests");
  }

  /** Where each snapshot's hard-link group locations are kept ({@link SnapshotGroups}). */
  private Path groups() {
    return repository.resolve(".linksafe").resolve("groups");
  }

  private void writeManifest(SnapshotInfo info) throws IOException {
    Path file = manifests().resolve(info.name() + ".json");
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, JSON.std.asString(info.toMap()), StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private Optional<SnapshotInfo> readManifest(String name) {
    Path file = manifests().resolve(name + ".json");
    try {
      Map<String, Object> m = JSON.std.mapFrom(Files.readString(file, StandardCharsets.UTF_8));
      return Optional.of(SnapshotInfo.fromMap(m));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // a lost manifest costs only its counts
    }
  }

  /** Points {@code latest} at a snapshot; a file or directory of that name is not ours to replace. */
  private void pointLatestAt(String name) throws IOException {
    Path latest = repository.resolve(LATEST);
    if (Files.exists(latest, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(latest)) {
      return;
    }
    Path temp = repository.resolve(".linksafe").resolve(LATEST + ".tmp");
    Files.deleteIfExists(temp);
    Files.createSymbolicLink(temp, Path.of(name));
    // made in .linksafe, where no name is the user's; a relative link means the same once renamed
    Files.move(temp, repository.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Deletes a tree without following any link in it or on the way to its names. */
  static void deleteTree(Path root) throws IOException {
    try (FileSystemAccess access = Platforms.forPath(root).confinedTo(root)) {
      access.deleteTree(root, false);
    }
  }
}
