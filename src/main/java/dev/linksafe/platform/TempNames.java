package dev.linksafe.platform;

import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Temporary names: new contents are written beside their final name and renamed into place, so
 * a final name never shows a partial file. The prefix is reserved: leftovers of a killed run are
 * removed by the next one.
 */
public final class TempNames {
  public static final String PREFIX = ".~linksafe.";

  private TempNames() {}

  /** A fresh temporary name in the directory of {@code target}. */
  public static Path beside(Path target) {
    return target.resolveSibling(PREFIX + randomWord() + ".tmp");
  }

  /**
   * A fresh temporary name in the directory of {@code target} that tells which run made it
   * ({@code run}, a word of its own): a run removing leftovers there leaves its own alone.
   */
  public static Path beside(Path target, String run) {
    return target.resolveSibling(PREFIX + run + "." + randomWord() + ".tmp");
  }

  /** A word naming one run in {@link #beside(Path, String)}. */
  public static String newRun() {
    return randomWord();
  }

  /** Sixteen hexadecimal digits. */
  private static String randomWord() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
  }

  public static boolean isTemporary(String name) {
    return name.startsWith(PREFIX) && name.endsWith(".tmp");
  }
}
