package dev.linksafe.scan;

/**
 * How {@link TreeWalker} walks.
 *
 * @param excludes names to leave out
 * @param oneFileSystem whether to stay off directories on another volume than the root
 * @param classifySymlinks whether to resolve symlinks to classify them (costs a resolution each)
 * @param threads how many threads walk at once, at least 1
 */
public record WalkOptions(ExcludeFilter excludes, boolean oneFileSystem, boolean classifySymlinks,
    int threads) {
  public WalkOptions {
    if (excludes == null) {
      excludes = ExcludeFilter.NONE;
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
  }

  public static WalkOptions defaults() {
    return new WalkOptions(ExcludeFilter.NONE, false, true, defaultThreads());
  }

  /** Walking and copying wait on the disk, so more threads than cores pay off, within reason. */
  public static int defaultThreads() {
    return Math.max(2, Math.min(16, Runtime.getRuntime().availableProcessors() * 2));
  }

  public WalkOptions withExcludes(ExcludeFilter e) {
    return new WalkOptions(e, oneFileSystem, classifySymlinks, threads);
  }

  public WalkOptions withOneFileSystem(boolean b) {
    return new WalkOptions(excludes, b, classifySymlinks, threads);
  }

  public WalkOptions withClassifySymlinks(boolean b) {
    return new WalkOptions(excludes, oneFileSystem, b, threads);
  }

  public WalkOptions withThreads(int n) {
    return new WalkOptions(excludes, oneFileSystem, classifySymlinks, n);
  }
}
