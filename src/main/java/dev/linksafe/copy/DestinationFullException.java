package dev.linksafe.copy;

import dev.linksafe.model.Problem;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A run stopped because the destination volume (or the user's quota on it) is full. Every file
 * is written under a temporary name or finished last, so nothing partial stands under a final
 * name; a mirror commits no index and deletes nothing, a snapshot stays in progress. Running
 * again once there is space finishes the job.
 */
public final class DestinationFullException extends FileSystemException {
  private static final long serialVersionUID = 1L;

  DestinationFullException(Path target, Problem cause, CopyReport partial) {
    super(target.toString(), null, "the destination is full (" + cause.path() + ": " + cause.message()
        + "); stopped after copying " + partial.filesCopied() + " files (" + partial.bytesCopied()
        + " bytes). Nothing partial was left under a final name: free space and run again to finish");
  }
}
