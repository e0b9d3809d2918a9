package dev.linksafe.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
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

  static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
