package dev.linksafe.cli;

import dev.linksafe.model.ProgressListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress line on a terminal (entries, bytes, rate and, when the total is known, ETA); nothing
 * when output is not a terminal, so logs and pipes stay clean.
 */
final class ProgressDisplay implements ProgressListener, AutoCloseable {
  private final ProgressBar bar;
  private volatile long lastUpdate;

  private ProgressDisplay(ProgressBar bar) {
    this.bar = bar;
  }

  /**
   * A display for a task; {@code totalEntries} is -1 when unknown.
   *
   * @param enabled false to show nothing (JSON output, or not a terminal)
   */
  static ProgressDisplay open(String task, long totalEntries, boolean enabled) {
    if (!enabled || System.console() == null) {
      return new ProgressDisplay(null);
    }
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(totalEntries)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" entries", 1)
        .setUpdateIntervalMillis(250)
        .showSpeed()
        .setMaxRenderedLength(100)
        .continuousUpdate()
        .build();
    return new ProgressDisplay(bar);
  }

  @Override
  public void progress(long entries, long bytes) {
    if (bar == null) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastUpdate < 50_000_000L) {
      return;
    }
    lastUpdate = now;
    bar.stepTo(entries);
    bar.setExtraMessage(Output.bytes(bytes));
  }

  /** Sets the total once it is known, so that an ETA can be shown. */
  void total(long entries) {
    if (bar != null) {
      bar.maxHint(entries);
    }
  }

  boolean isShown() {
    return bar != null;
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
