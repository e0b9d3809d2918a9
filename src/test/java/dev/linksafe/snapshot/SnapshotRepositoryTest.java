package dev.linksafe.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.demo.SampleTree;
import dev.linksafe.model.ProgressListener;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of a changing source, each verified against a copy of the source as it was. */
class SnapshotRepositoryTest {
  @TempDir Path base;

  /** Snapshot times are taken as given: later than every file's status change, as in real use. */
  private static final Instant T0 = Instant.now().plusSeconds(60);

  private SnapshotRepository.Created snapshot(Path src, Path repo, int n) throws Exception {
    return new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        T0.plus(Duration.ofHours(n)), ProgressListener.NONE);
  }

  private Path keep(Path src, int n) throws Exception {
    Path copy = base.resolve("as-it-was-" + n);
    new CopyEngine(CopyOptions.defaults(true)).copy(src, copy);
    return copy;
  }

  @Test
  void eachSnapshotIsTheSourceAsItWasAndSharesUnchangedFiles() throws Exception {
    Path src = SampleTree.create(base);
    Path repo = base.resolve("repo");
    List<Path> expected = new ArrayList<>();
    List<Path> snapshots = new ArrayList<>();

    expected.add(keep(src, 0));
    snapshots.add(snapshot(src, repo, 0).path());

    Files.writeString(src.resolve("docs/report.txt"), "changed contents");
    Files.writeString(src.resolve("new.txt"), "new");
    expected.add(keep(src, 1));
    SnapshotRepository.Created second = snapshot(src, repo, 1);
    snapshots.add(second.path());
    assertTrue(second.report().linkedToPrevious() >= 2, second.report().toString());

    Files.delete(src.resolve("photos/a-copy.jpg"));
    Files.createLink(src.resolve("photos/a-again.jpg"), src.resolve("photos/a.jpg"));
    expected.add(keep(src, 2));
    snapshots.add(snapshot(src, repo, 2).path());

    for (int i = 0; i < snapshots.size(); i++) {
      Trees.assertIdentical(expected.get(i), snapshots.get(i));
      Trees.assertSamePartition(expected.get(i), snapshots.get(i));
    }
    // unchanged: one inode in every snapshot; changed: a new one
    Object photo0 = Files.getAttribute(snapshots.get(0).resolve("photos/a.jpg"), "unix:ino");
    assertEquals(photo0, Files.getAttribute(snapshots.get(1).resolve("photos/a-copy.jpg"), "unix:ino"));
    Object shared0 = Files.getAttribute(snapshots.get(0).resolve("shared.bin"), "unix:ino");
    assertEquals(shared0, Files.getAttribute(snapshots.get(2).resolve("shared.bin"), "unix:ino"));
    assertEquals(3, Files.getAttribute(snapshots.get(2).resolve("shared.bin"), "unix:nlink"),
        "one name in each of the three snapshots");
    assertNotEquals(Files.getAttribute(snapshots.get(0).resolve("docs/report.txt"), "unix:ino"),
        Files.getAttribute(snapshots.get(1).resolve("docs/report.txt"), "unix:ino"));
    assertEquals(snapshots.get(2).getFileName(), Files.readSymbolicLink(repo.resolve("latest")));
    assertEquals(3, new SnapshotRepository(repo).list().size());
  }

  /** Symlinks shared with the previous snapshot are still counted as symlinks, not as files. */
  @Test
  void anUnchangedSourceGivesTheSameCountsSnapshotAfterSnapshot() throws Exception {
    Path src = SampleTree.create(base);
    Path repo = base.resolve("repo");
    SnapshotRepository.Created first = snapshot(src, repo, 0);
    SnapshotRepository.Created second = snapshot(src, repo, 1);
    assertEquals(first.info().files(), second.info().files());
    assertEquals(first.report().symlinks(), second.report().symlinks());
    assertEquals(0, second.report().filesCopied());
    assertEquals(first.report().filesCopied(), second.report().linkedToPrevious(), second.report().toString());
  }

  /**
   * A file given more names since the previous snapshot (its status time changed, and the walk
   * may meet a new name first) is still shared with it, after its bytes are compared; one whose
   * bytes changed with its time put back is not.
   */
  @Test
  void aFileGivenMoreNamesIsStillSharedWithThePreviousSnapshot() throws Exception {
    Path src = base.resolve("src");
    Files.createDirectories(src.resolve("m"));
    byte[] big = new byte[1 << 20];
    new java.util.Random(3).nextBytes(big);
    Path file = Files.write(src.resolve("m/file.bin"), big);
    Files.createLink(src.resolve("m/second.bin"), file);
    Path sneaky = Files.write(src.resolve("sneaky.bin"), big);
    Path repo = base.resolve("repo");
    // taken at the real time: a status changed after it is then seen as changed
    SnapshotRepository.Created first = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        Instant.now(), ProgressListener.NONE);
    for (String name : List.of("a.bin", "m/b.bin", "m/z.bin", "zz.bin", "m/n/c.bin")) {
      Files.createDirectories(src.resolve(name).getParent());
      Files.createLink(src.resolve(name), file);
    }
    var time = Files.getLastModifiedTime(sneaky);
    big[100] ^= 1;
    Files.write(sneaky, big);
    Files.setLastModifiedTime(sneaky, time);
    SnapshotRepository.Created second = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        Instant.now(), ProgressListener.NONE);
    assertEquals(1, second.report().filesCopied(), "only the sneaky change: " + second.report());
    Object inode = Files.getAttribute(first.path().resolve("m/file.bin"), "unix:ino");
    for (String name : List.of("m/file.bin", "m/second.bin", "a.bin", "m/b.bin", "m/z.bin", "zz.bin", "m/n/c.bin")) {
      assertEquals(inode, Files.getAttribute(second.path().resolve(name), "unix:ino"), name);
    }
    assertEquals(-1, Files.mismatch(sneaky, second.path().resolve("sneaky.bin")));
    // the locations of a removed snapshot go with it
    new SnapshotRepository(repo).prune(new RetentionPolicy(1, 0, 0, 0, 0), false);
    try (var left = Files.list(repo.resolve(".linksafe/groups"))) {
      assertEquals(List.of(second.path().getFileName() + ".groups"),
          left.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void pruningKeepsSharedFilesAliveInTheOthers() throws Exception {
    Path src = SampleTree.create(base);
    Path repo = base.resolve("repo");
    for (int n = 0; n < 4; n++) {
      Files.writeString(src.resolve("counter.txt"), "run " + n);
      snapshot(src, repo, n);
    }
    SnapshotRepository.Pruned pruned = new SnapshotRepository(repo).prune(new RetentionPolicy(1, 0, 0, 0, 0), false);
    assertEquals(3, pruned.removed().size());
    List<String> left = new SnapshotRepository(repo).names();
    assertEquals(pruned.kept(), left);
    Trees.assertIdentical(src, repo.resolve(left.get(0)));
    assertEquals(left.get(0), Files.readSymbolicLink(repo.resolve("latest")).toString());
  }

  @Test
  void anInterruptedSnapshotIsNeverListedAndIsResumed() throws Exception {
    Path src = SampleTree.create(base);
    Path repo = base.resolve("repo");
    snapshot(src, repo, 0);
    // what a killed run leaves: a partial tree under an in-progress name
    Path partial = Files.createDirectories(repo.resolve("2026-11-24T213000Z.in-progress/docs"));
    Files.writeString(partial.resolve("report.txt"), "half");
    assertEquals(1, new SnapshotRepository(repo).names().size());
    SnapshotRepository.Created resumed = snapshot(src, repo, 2);
    assertTrue(resumed.resumed());
    Trees.assertIdentical(src, resumed.path());
    try (var children = Files.list(repo)) {
      assertFalse(children.anyMatch(p -> p.getFileName().toString().endsWith(".in-progress")));
    }
  }

  /**
   * A file whose bytes changed (its time put back) between a killed run and the one resuming it
   * keeps its old copy in that snapshot, as any quick check would; the next snapshot compares its
   * bytes, because it changed after the resumed snapshot was first started.
   */
  @Test
  void aFileChangedWhileASnapshotWasInterruptedIsComparedByTheNextOne() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path f = Files.writeString(src.resolve("f"), "old bytes");
    FileTime time = Files.getLastModifiedTime(f);
    Path repo = base.resolve("repo");
    Instant now = Instant.now();
    // a run started an hour ago copied everything and was killed before its rename
    SnapshotRepository.Created killed = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        now.minus(Duration.ofHours(1)), ProgressListener.NONE);
    Files.move(killed.path(), killed.path().resolveSibling(killed.path().getFileName() + ".in-progress"));
    Files.delete(repo.resolve(".linksafe/manifests/" + killed.path().getFileName() + ".json"));
    Files.writeString(f, "new bytes");
    Files.setLastModifiedTime(f, time);

    SnapshotRepository.Created resumed = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        now.plusSeconds(60), ProgressListener.NONE);
    assertTrue(resumed.resumed());
    SnapshotRepository.Created next = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        now.plus(Duration.ofHours(1)), ProgressListener.NONE);

    assertEquals("new bytes", Files.readString(next.path().resolve("f")));
  }

  @Test
  void snapshotKilledThenRerunIsCompleteAndAlone() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    byte[] block = new byte[256 * 1024];
    new java.util.Random(3).nextBytes(block);
    for (int i = 0; i < 300; i++) {
      Path d = Files.createDirectories(src.resolve("d" + (i % 20)));
      Files.write(d.resolve("f" + i), block);
    }
    Path repo = base.resolve("repo");
    Process p = new ProcessBuilder(Privileged.javaCommand("snapshot", src.toString(), repo.toString()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    Thread.sleep(900);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    Process again = new ProcessBuilder(Privileged.javaCommand("snapshot", src.toString(), repo.toString()))
        .redirectErrorStream(true).start();
    String out = new String(again.getInputStream().readAllBytes());
    assertEquals(0, again.waitFor(), out);
    List<String> names = new SnapshotRepository(repo).names();
    assertTrue(names.size() == 1 || names.size() == 2, names.toString());
    Trees.assertIdentical(src, repo.resolve(names.get(names.size() - 1)));
    assertEquals(List.of(), Trees.temporaryFiles(repo));
  }

  @Test
  void aRepositoryInsideTheSourceIsRefusedBeforeAnythingIsMade() throws Exception {
    Path src = SampleTree.create(base);
    Path repo = src.resolve("backups/repo");
    IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> snapshot(src, repo, 0));
    assertTrue(refused.getMessage().contains("inside the source"), refused.getMessage());
    assertFalse(Files.exists(src.resolve("backups")), "nothing made in the source");
  }

  @Test
  void namesKeepIncreasingWhenTheClockIsBehind() {
    assertEquals("2026-11-24T203000Z", SnapshotRepository.nameAfter("2026-11-24T203000Z", null));
    assertEquals("2026-11-24T203000Z-2", SnapshotRepository.nameAfter("2026-11-24T203000Z", "2026-11-24T203000Z"));
    assertEquals("2026-11-24T203000Z-11", SnapshotRepository.nameAfter("2026-11-23T100000Z", "2026-11-24T203000Z-10"));
    assertTrue(SnapshotRepository.timeOf("2026-11-24T203000Z-10").isAfter(SnapshotRepository.timeOf("2026-11-24T203000Z-2")));
  }

  /**
   * A file whose status changed since the previous snapshot while its size, time and mode did
   * not is shared only when its bytes and extended attributes are compared equal.
   */
  @Test
  void aFileWhoseStatusChangedIsSharedOnlyWhenBytesAndAttributesAreEqual() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Path f = Files.writeString(src.resolve("f"), "same bytes");
    Path repo = base.resolve("repo");
    SnapshotRepository.Created first = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        Instant.now(), ProgressListener.NONE);
    Thread.sleep(1100);
    // a mode changed and put back moves ctime only: nothing differs
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    SnapshotRepository.Created second = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        Instant.now(), ProgressListener.NONE);
    assertEquals(Files.getAttribute(first.path().resolve("f"), "unix:ino"),
        Files.getAttribute(second.path().resolve("f"), "unix:ino"));
    // an extended attribute set moves ctime only too, and differs
    Thread.sleep(1100);
    Files.getFileAttributeView(f, java.nio.file.attribute.UserDefinedFileAttributeView.class)
        .write("note", java.nio.ByteBuffer.wrap("new".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    SnapshotRepository.Created third = new SnapshotRepository(repo).create(src, CopyOptions.defaults(true),
        Instant.now(), ProgressListener.NONE);
    assertNotEquals(Files.getAttribute(second.path().resolve("f"), "unix:ino"),
        Files.getAttribute(third.path().resolve("f"), "unix:ino"));
    Trees.assertIdentical(src, third.path());
  }

  @Test
  void aFileAtTheLinkLimitIsCopiedAfreshAndReported() throws Exception {
    String type = Privileged.run("stat", "-f", "-c", "%T", base.toString()).strip();
    if (!type.startsWith("ext")) {
      Privileged.unavailable("needs ext4 for its 65,000-link limit, temp dir is on " + type);
    }
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("popular"), "linked to death");
    Path repo = base.resolve("repo");
    SnapshotRepository.Created first = snapshot(src, repo, 0);
    // fill the previous snapshot's inode up to ext4's limit with names outside the snapshots
    Path filler = Files.createDirectories(repo.resolve(".linksafe/filler"));
    Path inode = first.path().resolve("popular");
    long links = (Integer) Files.getAttribute(inode, "unix:nlink");
    for (long i = links; i < 65_000; i++) {
      Files.createLink(filler.resolve("n" + i), inode);
    }
    SnapshotRepository.Created second = snapshot(src, repo, 1);
    assertEquals(0, second.report().linkedToPrevious());
    assertEquals(1, second.report().filesCopied());
    assertTrue(second.report().notes().stream().anyMatch(n -> n.message().contains("not linked to the previous snapshot")),
        second.report().notes().toString());
    Trees.assertIdentical(src, second.path());
  }

  @Test
  void aDirectoryThatWasALinkInThePreviousSnapshotIsNotLinkedThrough() throws Exception {
    Path shared = Files.createDirectories(base.resolve("shared"));
    Files.writeString(shared.resolve("f"), "outside every snapshot");
    Path src = Files.createDirectories(base.resolve("src"));
    Files.createSymbolicLink(src.resolve("a"), shared);
    Path repo = base.resolve("repo");
    snapshot(src, repo, 0);
    // the same names, times and bytes as real files where the link stood
    Files.delete(src.resolve("a"));
    new CopyEngine(CopyOptions.defaults(true)).copy(shared, src.resolve("a"));

    SnapshotRepository.Created second = snapshot(src, repo, 1);

    assertEquals(0, second.report().linkedToPrevious(), second.report().toString());
    assertNotEquals(Files.getAttribute(shared.resolve("f"), "unix:ino"),
        Files.getAttribute(second.path().resolve("a/f"), "unix:ino"), "the snapshot shares a file outside it");
    Trees.assertIdentical(src, second.path());
  }

  @Test
  void namesOfTheUsersThatLookLikeLeftoversAreLeftAlone() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("f"), "data");
    Path repo = Files.createDirectories(base.resolve("repo"));
    Path deleting = Files.createDirectories(repo.resolve("photos.deleting"));
    Files.writeString(deleting.resolve("img"), "keep me");
    Path inProgress = Files.createDirectories(repo.resolve("work.in-progress"));
    Files.writeString(inProgress.resolve("draft"), "keep me too");
    Files.writeString(repo.resolve("latest"), "a file of the user's");
    Files.writeString(repo.resolve("latest.tmp"), "and another");

    SnapshotRepository.Created created = snapshot(src, repo, 0);
    snapshot(src, repo, 1);

    assertEquals("keep me", Files.readString(deleting.resolve("img")));
    assertEquals("keep me too", Files.readString(inProgress.resolve("draft")));
    assertEquals("a file of the user's", Files.readString(repo.resolve("latest")));
    assertEquals("and another", Files.readString(repo.resolve("latest.tmp")));
    assertFalse(created.resumed());
    assertEquals(2, new SnapshotRepository(repo).list().size());
  }

  @Test
  void aNameThatIsNotUtf8IsSharedWithThePreviousSnapshot() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    // bytes that are not UTF-8, made through the shell: the JDK cannot name them
    Privileged.run("sh", "-c", "printf unchanged > \"$1\"/$(printf 'caf\\351')", "sh", src.toString());
    Path repo = base.resolve("repo");
    snapshot(src, repo, 0);
    SnapshotRepository.Created second = snapshot(src, repo, 1);
    assertEquals(1, second.report().linkedToPrevious(), second.report().toString());
    assertEquals(0, second.report().filesCopied(), second.report().toString());
  }
}
