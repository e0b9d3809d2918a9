package dev.linksafe.plan;

import dev.linksafe.model.Entry;
import java.nio.file.Path;

/**
 * One step of a plan: what to do for one source entry at the destination.
 *
 * @param kind what to do
 * @param entry the source entry
 * @param target the destination name
 * @param linkTo for {@link Kind#LINK} and {@link Kind#RELINK}: the destination name of the
 *     group's first copy; else null
 */
public record Action(Kind kind, Entry entry, Path target, Path linkTo) {

  /** The kinds of step. */
  public enum Kind {
    CREATE_DIRECTORY("mkdir"),
    /** The directory exists: keep it, update its metadata after its contents. */
    KEEP_DIRECTORY("keep-dir"),
    /** Something that is not a directory is in the way: remove it, then create the directory. */
    REPLACE_WITH_DIRECTORY("replace-dir"),
    COPY_FILE("copy"),
    /** The destination has another version: write a new one under a temporary name and rename. */
    REPLACE_FILE("replace"),
    LINK("link"),
    /** The destination name exists but is not the group's file: relink through a temporary name. */
    RELINK("relink"),
    CREATE_SYMLINK("symlink"),
    REPLACE_SYMLINK("resymlink"),
    CREATE_SPECIAL("mknod"),
    REPLACE_SPECIAL("remknod"),
    /** Already identical at the destination: size and modification time, or link target and time. */
    UNCHANGED("same"),
    /** A directory at the destination stands where the source has no directory: left alone. */
    CONFLICT("conflict");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** A short word for listings. */
    public String label() {
      return label;
    }

    /** Whether the step writes anything. */
    public boolean writes() {
      return this != UNCHANGED && this != CONFLICT && this != KEEP_DIRECTORY;
    }
  }
}
