package dev.linksafe.scan;

import dev.linksafe.model.SymlinkClass;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/** Decides where a symlink leads by resolving it fully, relative to the real path of the root. */
final class SymlinkClassifier {
  private final Path realRoot;

  SymlinkClassifier(Path root) throws IOException {
    this.realRoot = root.toRealPath();
  }

  SymlinkClass classify(Path link) {
    try {
      Path real = link.toRealPath();
      return real.startsWith(realRoot) ? SymlinkClass.INNER : SymlinkClass.OUTER;
    } catch (NoSuchFileException | NotDirectoryException e) {
      return SymlinkClass.DANGLING;
    } catch (FileSystemException e) {
      String reason = String.valueOf(e.getReason()).toLowerCase(Locale.ROOT);
      if (reason.contains("levels of symbolic links") || reason.contains("loop")) {
        return SymlinkClass.LOOP;
      }
      if (reason.contains("not a directory") || reason.contains("no such file")) {
        return SymlinkClass.DANGLING;
      }
      // unreadable on the way: we cannot tell, so call it what the copy would do with it
      return SymlinkClass.OUTER;
    } catch (IOException e) {
      // providers other than the JDK's (jimfs) report a cycle as a plain IOException
      String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      return message.contains("levels of symbolic links") || message.contains("loop")
          ? SymlinkClass.LOOP : SymlinkClass.DANGLING;
    }
  }
}
