package dev.linksafe.model;

/**
 * A per-entry problem: the run recorded it and went on.
 *
 * @param path the name concerned, as the user would type it
 * @param message what was attempted and what went wrong
 */
public record Problem(String path, String message) {
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
