package dev.linksafe.model;

/** What a name in a tree is, seen without following links. */
public enum EntryKind {
  DIRECTORY,
  REGULAR_FILE,
  SYMLINK,
  /** An NTFS reparse point other than a plain symlink (a junction, or an opaque tag). */
  REPARSE_POINT,
  FIFO,
  CHARACTER_DEVICE,
  BLOCK_DEVICE,
  SOCKET,
  OTHER;

  /** Whether the kind is a link (symlink or reparse point) that must never be followed. */
  public boolean isLink() {
    return this == SYMLINK || this == REPARSE_POINT;
  }

  /** Whether the kind is a device, a FIFO or a socket. */
  public boolean isSpecial() {
    return this == FIFO || this == CHARACTER_DEVICE || this == BLOCK_DEVICE || this == SOCKET;
  }
}
