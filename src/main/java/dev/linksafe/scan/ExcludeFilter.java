package dev.linksafe.scan;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Excludes in the manner of rsync: a pattern that contains a slash is anchored at the root of
 * the tree and matched against the whole relative path; one without a slash matches any name at
 * any depth. A trailing slash restricts a pattern to directories. Glob syntax is that of
 * {@link FileSystem#getPathMatcher}: {@code *}, {@code ?}, {@code [..]}, {@code {a,b}} and
 * {@code **} across slashes.
 */
public final class ExcludeFilter {
  /** Excludes nothing. */
  public static final ExcludeFilter NONE = new ExcludeFilter(List.of());

  private final List<Rule> rules;
  private final List<String> patterns;

  private record Rule(PathMatcher matcher, boolean anchored, boolean directoryOnly) {}

  private ExcludeFilter(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    FileSystem fs = FileSystems.getDefault();
    List<Rule> built = new ArrayList<>();
    for (String pattern : patterns) {
      String p = pattern.strip();
      if (p.isEmpty() || p.startsWith("#")) {
        continue;
      }
      boolean directoryOnly = p.endsWith("/");
      if (directoryOnly) {
        p = p.substring(0, p.length() - 1);
      }
      boolean anchored = p.contains("/");
      if (p.startsWith("/")) {
        p = p.substring(1);
      }
      try {
        built.add(new Rule(fs.getPathMatcher("glob:" + p), anchored, directoryOnly));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad exclude pattern '" + pattern + "': " + e.getMessage(), e);
      }
    }
    this.rules = List.copyOf(built);
  }

  /**
   * A filter of the given patterns; throws IllegalArgumentException naming a bad one. A byte of
   * a pattern that is not valid UTF-8 (given in the arguments' escaped form, see
   * {@code RawNames.text}) matches as the walk shows such a byte in a name: U+FFFD.
   */
  public static ExcludeFilter of(List<String> patterns) {
    if (patterns.isEmpty()) {
      return NONE;
    }
    List<String> shown = new ArrayList<>(patterns.size());
    for (String pattern : patterns) {
      shown.add(dev.linksafe.platform.RawNames.replaceEscapes(pattern, b -> "\uFFFD"));
    }
    return new ExcludeFilter(shown);
  }

  /** Reads patterns from a file, one per line; blank lines and lines starting with # are ignored. */
  public static List<String> readPatterns(Path file) throws IOException {
    List<String> result = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String p = line.strip();
      if (!p.isEmpty() && !p.startsWith("#")) {
        result.add(p);
      }
    }
    return result;
  }

  public List<String> patterns() {
    return patterns;
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }

  /**
   * Whether the entry at {@code relative} (below the root, with '/' separators) is excluded.
   *
   * @param relative the path relative to the root, never empty
   * @param directory whether the entry is a directory
   */
  public boolean excludes(String relative, boolean directory) {
    if (rules.isEmpty()) {
      return false;
    }
    Path whole = null;
    Path name = null;
    for (Rule rule : rules) {
      if (rule.directoryOnly && !directory) {
        continue;
      }
      Path subject;
      if (rule.anchored) {
        subject = whole == null ? (whole = Path.of(relative)) : whole;
      } else {
        if (name == null) {
          int slash = relative.lastIndexOf('/');
          name = Path.of(slash < 0 ? relative : relative.substring(slash + 1));
        }
        subject = name;
      }
      if (rule.matcher.matches(subject)) {
        return true;
      }
    }
    return false;
  }
}
