package dev.linksafe.model;

/**
 * A symbolic link as found: its target exactly as stored, and where it leads.
 *
 * @param target the stored target, byte for byte as the platform gave it
 * @param absolute whether the target is an absolute path
 * @param linkClass where resolution ends
 */
public record Symlink(String target, boolean absolute, SymlinkClass linkClass) {
  public Symlink {
    if (target == null || linkClass == null) {
      throw new IllegalArgumentException("target and class are required");
    }
  }
}
