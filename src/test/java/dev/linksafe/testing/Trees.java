package dev.linksafe.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.verify.TreeComparator;
import dev.linksafe.verify.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Independent checks of trees for tests: what verify checks, computed another way. */
public final class Trees {
  private Trees() {}

  /** An in-memory file system with the unix attribute view (ino, nlink, mode), like Linux. */
  public static java.nio.file.FileSystem unixJimfs() {
    return com.google.common.jimfs.Jimfs.newFileSystem(com.google.common.jimfs.Configuration.unix()
        .toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build());
  }

  /** Asserts that verify (with content) finds the trees identical. */
  public static void assertIdentical(Path a, Path b) throws IOException {
    VerifyReport r = new TreeComparator(true).compare(a, b);
    assertTrue(r.identical(), () -> "trees differ:\n" + String.join("\n",
        r.differences().stream().map(Object::toString).toList()));
  }

  /**
   * The hard-link partition of a tree computed from {@code unix:ino}: for each name that is not a
   * directory (files, and symlinks, FIFOs and devices, which Linux links too), the sorted list of
   * names that share its inode inside the tree.
   */
  public static Map<String, List<String>> partition(Path root) throws IOException {
    Map<Object, List<String>> byInode = new HashMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          Object ino = Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
          byInode.computeIfAbsent(ino, k -> new ArrayList<>()).add(root.relativize(p).toString());
        }
      }
    }
    Map<String, List<String>> result = new TreeMap<>();
    for (List<String> names : byInode.values()) {
      names.sort(null);
      for (String n : names) {
        result.put(n, names);
      }
    }
    return result;
  }

  /** Asserts the two trees have the same hard-link partition, by inode numbers. */
  public static void assertSamePartition(Path a, Path b) throws IOException {
    assertEquals(partition(a), partition(b), "hard-link partition (by unix:ino)");
  }

  /** Names under root that look like leftover temporary files. */
  public static List<String> temporaryFiles(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.map(p -> p.getFileName().toString()).filter(dev.linksafe.platform.TempNames::isTemporary).toList();
    }
  }
}
