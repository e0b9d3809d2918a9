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
   * Whether {@code e} says that the destination volume or quota is full (ENOSPC, EDQUOT), after
   * which a run stops rather than fail on every later name. Only what the system said counts:
   * the reason of a file-system exception, the message of a plain I/O error, never a message
   * that carries a name (a name may read "no space left" too).
   */
  public static boolean isDestinationFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String said = t instanceof FileSystemException f ? f.getReason()
          : t.getClass() == IOException.class && t.getCause() == null ? t.getMessage() : null;
      if (said != null) {
        String m = said.toLowerCase(java.util.Locale.ROOT);
        if (m.contains("extended attribute")) {
          return false; // ext4 says ENOSPC for one attribute too large for its inode: that file only
        }
        if (m.contains("enospc") || m.contains("no space left") || m.contains("edquot")
            || m.contains("quota exceeded")) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return path + ": " + message;
  }
}
