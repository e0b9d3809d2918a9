package dev.linksafe.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * A per-entry problem: the run recorded it and went on.
 *
 * @param path the name concerned, as the user would type it
 * @param message what was attempted and what went wrong
 */
public record Problem(String path, String message) {
  /** What went wrong, in words, without the stack trace or the path (which a problem carries). */
  public static String reason(Exception e) {
    Exception cause = e instanceof DirectoryIteratorException d ? d.getCause()
        : e instanceof UncheckedIOException u ? u.getCause() : e;
    if (cause instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (cause instanceof AccessDeniedException a && a.getReason() == null) {
      return "permission denied";
    }
    if (cause instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    if (cause instanceof IOException && cause.getMessage() != null) {
      return cause.getMessage();
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage());
  }

  /**
   * Whether this problem says that the destination volume or quota is full (ENOSPC, EDQUOT),
   * after which a run stops rather than fail on every later name.
   */
  public boolean saysDestinationFull() {
    String m = message.toLowerCase(java.util.Locale.ROOT);
    if (m.contains("extended attribute")) {
      return false; // ext4 says ENOSPC for one attribute too large for its inode: that file only
    }
    return m.contains("enospc") || m.contains("no space left") || m.contains("edquot")
        || m.contains("quota exceeded");
  }

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
