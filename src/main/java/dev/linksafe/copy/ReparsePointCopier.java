package dev.linksafe.copy;

import dev.linksafe.model.Entry;
import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileStatus;
import dev.linksafe.model.ReparsePoint;
import dev.linksafe.plan.JunctionRetargeter;
import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.KeptReparseData;
import dev.linksafe.platform.ReparseBufferCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Copies junctions, Windows symlinks and other reparse points. Onto a volume that holds reparse
 * points, an inner junction is retargeted into the copy, anything else is written verbatim. Onto
 * a POSIX volume, a junction or Windows symlink becomes a symlink and its original buffer is kept
 * in an extended attribute, from which a later copy back onto NTFS restores it.
 */
final class ReparsePointCopier {
  /** What stands for a reparse point at the destination. */
  sealed interface Outcome {
    /** A reparse point with this buffer. */
    record AsReparsePoint(ReparsePoint reparsePoint, boolean directory, boolean retargeted) implements Outcome {}

    /** A POSIX symlink with this target, the original buffer kept beside it. */
    record AsSymlink(String target, byte[] keptBuffer, boolean retargeted) implements Outcome {}

    /** Nothing, for the reason given. */
    record Skipped(String reason) implements Outcome {}

    /** A real directory holding a copy of what the junction points to (--outer=unroll). */
    record Unrolled() implements Outcome {}
  }

  private final FileSystemAccess src;
  private final FileSystemAccess dst;
  private final Path targetRoot;
  private final JunctionRetargeter retargeter;
  private final ReparsePolicy policy;

  ReparsePointCopier(FileSystemAccess src, FileSystemAccess dst, Path sourceRoot, Path targetRoot,
      ReparsePolicy policy) {
    this.src = src;
    this.dst = dst;
    this.targetRoot = targetRoot;
    this.policy = policy;
    Optional<String> sourceWindows = src.windowsPath(sourceRoot);
    String targetWindows = policy.destinationAs() != null ? policy.destinationAs()
        : dst.windowsPath(targetRoot.toAbsolutePath().normalize()).orElse(null);
    this.retargeter = sourceWindows.map(s -> new JunctionRetargeter(s, targetWindows)).orElse(null);
  }

  /** Whether a POSIX symlink of the source may carry a kept buffer worth restoring. */
  boolean restoresKeptBuffers() {
    return dst.supportsReparsePoints() && !src.supportsReparsePoints();
  }

  /** The reparse point a POSIX symlink stands for, from its kept buffer, if it has one. */
  Optional<ReparsePoint> keptBuffer(Path sourcePath) throws IOException {
    return KeptReparseData.read(src, sourcePath);
  }

  /** What {@code --outer=keep} makes of the reparse point: the fallback when unrolling fails. */
  Outcome planKept(Entry entry, Path sourcePath) throws IOException {
    return new ReparsePointCopier(src, dst, targetRoot, retargeter,
        new ReparsePolicy(ReparsePolicy.Outer.KEEP, policy.retargetSymlinks(), policy.destinationAs(),
            policy.sourceDriveLetter(), policy.destinationDriveLetter())).plan(entry, sourcePath);
  }

  private ReparsePointCopier(FileSystemAccess src, FileSystemAccess dst, Path targetRoot,
      JunctionRetargeter retargeter, ReparsePolicy policy) {
    this.src = src;
    this.dst = dst;
    this.targetRoot = targetRoot;
    this.retargeter = retargeter;
    this.policy = policy;
  }

  /** Decides what stands for {@code entry}'s reparse point at the destination. */
  Outcome plan(Entry entry, Path sourcePath) throws IOException {
    ReparsePoint rp = entry.reparsePoint();
    boolean directory = rp.isJunction() || src.isDirectoryReparsePoint(sourcePath);
    Optional<String> inside = Optional.empty();
    boolean retargetable = rp.isJunction()
        || (policy.retargetSymlinks() && rp.isSymlink() && (rp.flags() & ReparsePoint.SYMLINK_FLAG_RELATIVE) == 0);
    if (retargetable && retargeter != null) {
      inside = retargeter.insideSource(rp.substituteName());
    }
    if (rp.isJunction() && inside.isEmpty()) {
      if (policy.outer() == ReparsePolicy.Outer.SKIP) {
        return new Outcome.Skipped("junction to " + rp.printName() + " lies outside the source; skipped (--outer=skip)");
      }
      if (policy.outer() == ReparsePolicy.Outer.UNROLL) {
        return new Outcome.Unrolled();
      }
    }
    if (dst.supportsReparsePoints()) {
      if (inside.isPresent()) {
        Optional<ReparsePoint> moved = retargeter.retarget(rp);
        if (moved.isEmpty()) {
          return new Outcome.Skipped("the destination's drive letter is unknown: give --dest-as or "
              + "--dest-drive-letter to retarget the junction to " + rp.printName());
        }
        return new Outcome.AsReparsePoint(moved.get(), directory, true);
      }
      return new Outcome.AsReparsePoint(rp, directory, false);
    }
    if (!rp.isJunction() && !rp.isSymlink()) {
      return new Outcome.Skipped(String.format(
          "reparse tag 0x%08X cannot be held by the destination volume; skipped", rp.tag()));
    }
    if (inside.isPresent()) {
      Path there = targetRoot.toAbsolutePath().normalize();
      String rest = JunctionRetargeter.posixRelative(inside.get());
      return new Outcome.AsSymlink(rest.isEmpty() ? there.toString() : there.resolve(rest).toString(),
          rp.raw(), true);
    }
    String verbatim = rp.printName() != null && !rp.printName().isEmpty() ? rp.printName() : rp.substituteName();
    if ((rp.flags() & ReparsePoint.SYMLINK_FLAG_RELATIVE) != 0) {
      verbatim = verbatim.replace('\\', '/');
    }
    return new Outcome.AsSymlink(verbatim, rp.raw(), false);
  }

  /**
   * The outcome for a POSIX symlink that carries a kept buffer, copied onto a volume that holds
   * reparse points: a junction again, retargeted when the symlink points inside the source.
   */
  Outcome restore(ReparsePoint kept, String symlinkTarget, Path sourceRoot) throws IOException {
    boolean directory = kept.isJunction();
    Path real = sourceRoot.toAbsolutePath().normalize();
    Path linkTarget = Path.of(symlinkTarget);
    Optional<String> targetWindows = policy.destinationAs() != null ? Optional.of(policy.destinationAs())
        : dst.windowsPath(targetRoot.toAbsolutePath().normalize());
    if (linkTarget.isAbsolute() && linkTarget.normalize().startsWith(real) && targetWindows.isPresent()) {
      String rest = real.relativize(linkTarget.normalize()).toString().replace('/', '\\');
      String root = rest.isEmpty() ? targetWindows.get()
          : (targetWindows.get().endsWith("\\") ? targetWindows.get() : targetWindows.get() + "\\") + rest;
      return new Outcome.AsReparsePoint(ReparseBufferCodec.withNames(kept, "\\??\\" + root, root), directory, true);
    }
    return new Outcome.AsReparsePoint(kept, directory, false);
  }

  /** Whether what stands at {@code target} already is the outcome. */
  boolean isInPlace(Outcome outcome, Path target, FileStatus existing) throws IOException {
    if (existing == null) {
      return false;
    }
    if (outcome instanceof Outcome.AsReparsePoint r && dst.supportsReparsePoints()) {
      Optional<ReparsePoint> there = dst.readReparsePoint(target);
      return there.isPresent() && Arrays.equals(there.get().raw(), r.reparsePoint().raw());
    }
    if (outcome instanceof Outcome.AsSymlink s && existing.kind() == EntryKind.SYMLINK) {
      return dst.readSymlink(target).equals(s.target());
    }
    return false;
  }

  /** Makes the outcome at {@code path}, which does not exist. */
  void write(Outcome outcome, Path path, boolean privileged) throws IOException {
    if (outcome instanceof Outcome.AsReparsePoint r) {
      dst.createReparsePoint(path, r.reparsePoint(), r.directory());
    } else if (outcome instanceof Outcome.AsSymlink s) {
      dst.createSymlink(path, s.target());
      if (privileged) {
        KeptReparseData.write(dst, path, ReparseBufferCodec.decode(s.keptBuffer(), path.toString()));
      }
    }
  }

}
