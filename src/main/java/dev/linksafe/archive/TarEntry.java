package dev.linksafe.archive;

import dev.linksafe.platform.RawNames;

/**
 * One entry of a tar stream as its headers describe it, every extended header before it (pax
 * records, GNU long names, a sparse map) applied.
 *
 * @param name the name's bytes as the archive holds them (not necessarily UTF-8)
 * @param linkName a link's target bytes; empty for other entries
 * @param type the ustar type flag ({@code '0'} file, {@code '1'} hard link, {@code '2'}
 *     symlink, ...); GNU's old sparse type {@code 'S'} comes as {@code '0'} with its map
 * @param size the bytes of data the archive holds for the entry (a sparse map's text excluded)
 * @param realSize the file's size: {@code size}, or more for a sparse file
 * @param sparseMap a sparse file's data runs as offset and length pairs, in order; null when the
 *     entry is not sparse
 * @param reparse the {@value TarWriter#REPARSE_HEADER} pax value (a base64 reparse buffer), or null
 * @param xattrs extended attributes from {@code SCHILY.xattr.*} pax records (GNU tar's and
 *     bsdtar's form), by name; empty when there are none
 */
record TarEntry(byte[] name, byte[] linkName, byte type, int mode, long uid, long gid,
    long modifiedNanos, long size, long realSize, long devMajor, long devMinor, long[] sparseMap,
    String reparse, java.util.Map<String, byte[]> xattrs) {

  /** The name as text that keeps its bytes (see {@link RawNames#text}). */
  String nameText() {
    return RawNames.text(name);
  }

  /** The link target as text that keeps its bytes, or null when there is none. */
  String linkNameText() {
    return linkName.length == 0 ? null : RawNames.text(linkName);
  }

  boolean isSymbolicLink() {
    return type == '2';
  }

  boolean isHardLink() {
    return type == '1';
  }

  boolean isCharacterDevice() {
    return type == '3';
  }

  boolean isBlockDevice() {
    return type == '4';
  }

  boolean isFifo() {
    return type == '6';
  }

  /**
   * A directory: by type (GNU's dumpdir 'D' too), or a file type whose name ends in '/' as
   * pre-POSIX archives wrote directories. Links named {@code s/} stay links.
   */
  boolean isDirectory() {
    return type == '5' || type == 'D' || (isFileType() && name.length > 0 && name[name.length - 1] == '/');
  }

  /** A regular file (contiguous files, type '7', are regular files everywhere but one old system). */
  boolean isFile() {
    return isFileType() && !isDirectory();
  }

  boolean isSparse() {
    return sparseMap != null;
  }

  private boolean isFileType() {
    return type == '0' || type == 0 || type == '7';
  }
}
