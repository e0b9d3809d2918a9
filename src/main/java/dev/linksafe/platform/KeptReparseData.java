package dev.linksafe.platform;

import dev.linksafe.model.ReparsePoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The reparse buffer of a junction or Windows symlink, kept in an extended attribute of the
 * POSIX symlink that stands for it on a volume without reparse points. Linux refuses
 * {@code user.} attributes on symlinks, so it is written to {@code trusted.} (root only);
 * {@code user.} is read too, for volumes and tools that allow it.
 */
public final class KeptReparseData {
  public static final String ATTRIBUTE = "trusted.linksafe.reparse";
  public static final String USER_ATTRIBUTE = "user.linksafe.reparse";

  private KeptReparseData() {}

  /** The reparse point a POSIX symlink stands for, if it keeps one. */
  public static Optional<ReparsePoint> read(FileSystemAccess access, Path symlink) throws IOException {
    Map<String, byte[]> x = access.readXattrs(symlink);
    byte[] raw = x.containsKey(ATTRIBUTE) ? x.get(ATTRIBUTE) : x.get(USER_ATTRIBUTE);
    return raw == null ? Optional.empty() : Optional.of(ReparseBufferCodec.decode(raw, symlink.toString()));
  }

  /** Keeps {@code reparsePoint}'s buffer on the symlink. */
  public static void write(FileSystemAccess access, Path symlink, ReparsePoint reparsePoint) throws IOException {
    access.writeXattrs(symlink, Map.of(ATTRIBUTE, reparsePoint.raw()));
  }
}
