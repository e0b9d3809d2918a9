package dev.linksafe.cli;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Checks of path arguments, with messages that say what is wrong. */
final class Arguments {
  private Arguments() {}

  /** Requires an existing directory (a link to one is accepted, as rsync does with SRC/). */
  static Path existingDirectory(Path path, String role) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new UsageException(role + " does not exist: " + path);
    }
    if (!Files.isDirectory(path)) {
      throw new UsageException(role + " is not a directory: " + path);
    }
    if (!Files.isReadable(path)) {
      throw new UsageException(role + " cannot be read (permission denied): " + path);
    }
    return path;
  }

  /**
   * Requires a destination that is a directory or can be made one: a file standing at it, or at
   * one of the directories above it, is a usage error, said before anything is read.
   */
  static Path destination(Path path, String role) {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
      if (!Files.isDirectory(path)) {
        throw new UsageException(role + " exists and is not a directory: " + path);
      }
      return path;
    }
    for (Path above = path.toAbsolutePath().getParent(); above != null; above = above.getParent()) {
      if (Files.exists(above)) {
        if (!Files.isDirectory(above)) {
          throw new UsageException(role + " cannot be made: " + above + " is not a directory");
        }
        break;
      }
    }
    return path;
  }

  /** Requires an existing snapshot repository. */
  static Path repository(Path path) {
    existingDirectory(path, "REPO");
    if (!dev.linksafe.snapshot.SnapshotRepository.isRepository(path)) {
      throw new UsageException("not a snapshot repository (no .linksafe inside): " + path);
    }
    return path;
  }
}
