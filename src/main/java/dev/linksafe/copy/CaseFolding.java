package dev.linksafe.copy;

import dev.linksafe.platform.FileSystemAccess;
import dev.linksafe.platform.TempNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Names on a destination that ignores case (vfat, exFAT, NTFS as Windows uses it, ext4 casefold):
 * two source names that differ only in case (or in Unicode composition) would land on one file
 * there, the second silently replacing the first. The first in sorted order is copied, the others
 * are reported and left out.
 */
final class CaseFolding {
  private CaseFolding() {}

  /** The form under which a case-insensitive volume compares names. */
  static String fold(String name) {
    return Normalizer.normalize(name, Normalizer.Form.NFD).toLowerCase(Locale.ROOT);
  }

  /** Whether {@code dir} ignores case: a probe file is looked up under its upper-case name. */
  static boolean ignoresCase(FileSystemAccess dst, Path dir) {
    Path probe = TempNames.beside(dir.resolve("probe"));
    try {
      try (var out = dst.createFile(probe)) {
        // empty
      }
      try {
        dst.stat(dir.resolve(probe.getFileName().toString().toUpperCase(Locale.ROOT)));
        return true;
      } catch (NoSuchFileException e) {
        return false;
      } finally {
        dst.delete(probe);
      }
    } catch (IOException e) {
      return false; // cannot tell: treated as case-sensitive, as most volumes are
    }
  }

  /**
   * The names of {@code sourceDir} that another name there shadows on a case-insensitive
   * destination, each with the name it yields to; empty when there are none.
   */
  static Map<String, String> shadowedNames(FileSystemAccess src, Path sourceDir) throws IOException {
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> children = src.newDirectoryStream(sourceDir)) {
      for (Path child : children) {
        names.add(child.getFileName().toString());
      }
    }
    names.sort(null);
    Map<String, String> firstByFolded = new HashMap<>();
    Map<String, String> shadowed = new HashMap<>();
    for (String name : names) {
      String first = firstByFolded.putIfAbsent(fold(name), name);
      if (first != null) {
        shadowed.put(name, first);
      }
    }
    return shadowed;
  }
}
