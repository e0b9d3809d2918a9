package dev.linksafe.plan;

import dev.linksafe.model.ReparsePoint;
import dev.linksafe.platform.ReparseBufferCodec;
import java.util.Locale;
import java.util.Optional;

/**
 * Rewrites junction targets that point inside a copied tree so that they point to the same
 * place inside the copy: with the source at {@code C:\data} and the copy known as
 * {@code D:\backup\data}, {@code \??\C:\data\projects} becomes
 * {@code \??\D:\backup\data\projects}. Windows paths compare without regard to case, as NTFS
 * names do by default. Pure: it reads no files.
 */
public final class JunctionRetargeter {
  private static final String NT_PREFIX = "\\??\\";

  private final String sourceRoot;
  private final String targetRoot;

  /**
   * @param sourceRoot the Windows path of the copied tree, e.g. {@code C:\data}
   * @param targetRoot the Windows path by which the copy will be known, e.g. {@code D:\backup\data}
   */
  public JunctionRetargeter(String sourceRoot, String targetRoot) {
    this.sourceRoot = trim(sourceRoot);
    this.targetRoot = targetRoot == null ? null : trim(targetRoot);
  }

  /** Strips an NT prefix and trailing backslashes (keeping {@code C:\}). */
  static String trim(String windowsPath) {
    String p = windowsPath.startsWith(NT_PREFIX) ? windowsPath.substring(NT_PREFIX.length()) : windowsPath;
    p = p.replace('/', '\\');
    while (p.endsWith("\\") && !(p.length() == 3 && p.charAt(1) == ':')) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  /**
   * The part of {@code target} below the source root, with backslashes ("" for the root
   * itself), or empty when the target lies outside the source.
   */
  public Optional<String> insideSource(String target) {
    return relativeTo(trim(target), sourceRoot);
  }

  static Optional<String> relativeTo(String path, String root) {
    String p = path.toLowerCase(Locale.ROOT);
    String r = root.toLowerCase(Locale.ROOT);
    if (p.equals(r)) {
      return Optional.of("");
    }
    String prefix = r.endsWith("\\") ? r : r + "\\";
    if (p.startsWith(prefix)) {
      return Optional.of(path.substring(prefix.length()));
    }
    return Optional.empty();
  }

  /** Whether the junction's target lies inside the source tree. */
  public boolean isInner(ReparsePoint junction) {
    return junction.substituteName() != null && insideSource(junction.substituteName()).isPresent();
  }

  /**
   * The junction with its names rewritten into the copy, or empty when its target lies outside
   * the source (or the copy's Windows path is unknown).
   */
  public Optional<ReparsePoint> retarget(ReparsePoint junction) {
    if (targetRoot == null || junction.substituteName() == null) {
      return Optional.empty();
    }
    return insideSource(junction.substituteName()).map(rest -> {
      String path = rest.isEmpty() ? targetRoot
          : (targetRoot.endsWith("\\") ? targetRoot : targetRoot + "\\") + rest;
      return ReparseBufferCodec.withNames(junction, NT_PREFIX + path, path);
    });
  }

  /** The Windows path below the source root as a relative POSIX path ("a/b"), for a POSIX copy. */
  public static String posixRelative(String windowsRest) {
    return windowsRest.replace('\\', '/');
  }
}
