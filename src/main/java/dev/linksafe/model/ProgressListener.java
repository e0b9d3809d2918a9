package dev.linksafe.model;

/**
 * Receives progress of long work from any thread. The CLI decides how to show it; library
 * callers may pass {@link #NONE}.
 */
public interface ProgressListener {
  ProgressListener NONE = (entries, bytes) -> { };

  /** Called after each entry is done, with the running totals. Must be cheap and thread-safe. */
  void progress(long entries, long bytes);
}
