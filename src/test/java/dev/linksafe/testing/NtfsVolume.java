package dev.linksafe.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real NTFS volume for tests: an image made by mkntfs, mounted by ntfs-3g through FUSE, with
 * a drive letter mapped by the {@code .NTFS-3G/X:} link at its root.
 */
public final class NtfsVolume implements AutoCloseable {
  private final Path image;
  private final Path mountPoint;
  private final boolean ignoreCase;

  private NtfsVolume(Path image, Path mountPoint, boolean ignoreCase) {
    this.image = image;
    this.mountPoint = mountPoint;
    this.ignoreCase = ignoreCase;
  }

  /**
   * Like {@link #create}, but mounted by lowntfs-3g with {@code ignore_case}: names are looked
   * up without regard to case, as Windows does.
   */
  public static NtfsVolume createIgnoringCase(Path base, String name, int megabytes) throws Exception {
    return create(base, name, 'Z', megabytes, true);
  }

  /** Makes and mounts a volume of {@code megabytes} under {@code base}, known as {@code letter}. */
  public static NtfsVolume create(Path base, String name, char letter, int megabytes) throws Exception {
    return create(base, name, letter, megabytes, false);
  }

  private static NtfsVolume create(Path base, String name, char letter, int megabytes,
      boolean ignoreCase) throws Exception {
    Privileged.requireRoot();
    if (!Privileged.hasCommand("mkntfs") && !Files.isExecutable(Path.of("/usr/sbin/mkntfs"))
        || !Privileged.hasCommand("ntfs-3g") && !Files.isExecutable(Path.of("/usr/bin/ntfs-3g"))) {
      Privileged.unavailable("ntfs-3g is not installed (apt-get install ntfs-3g)");
    }
    if (!Files.exists(Path.of("/dev/fuse"))) {
      Privileged.unavailable("/dev/fuse is missing: FUSE is not available");
    }
    Path image = base.resolve(name + ".img");
    Path mountPoint = Files.createDirectories(base.resolve(name));
    Privileged.run("truncate", "-s", megabytes + "M", image.toString());
    Privileged.run("mkntfs", "-q", "-F", "-f", "-L", name, image.toString());
    NtfsVolume volume = new NtfsVolume(image, mountPoint, ignoreCase);
    volume.mount();
    Files.createDirectories(mountPoint.resolve(".NTFS-3G"));
    Files.createSymbolicLink(mountPoint.resolve(".NTFS-3G").resolve(letter + ":"), mountPoint);
    return volume;
  }

  public Path root() {
    return mountPoint;
  }

  private void mount() throws Exception {
    try {
      if (ignoreCase) {
        Privileged.run("lowntfs-3g", "-o", "ignore_case", image.toString(), mountPoint.toString());
      } else {
        Privileged.run("ntfs-3g", image.toString(), mountPoint.toString());
      }
    } catch (IOException e) {
      Privileged.unavailable("cannot mount NTFS with ntfs-3g: " + e.getMessage());
    }
  }

  /** Unmounts and mounts again: ntfs-3g shows reparse points set through xattrs after a remount. */
  public void remount() throws Exception {
    Privileged.run("umount", mountPoint.toString());
    mount();
  }

  /** Sets a reparse buffer on a name through {@code system.ntfs_reparse_data}. */
  public static void setReparseData(Path path, byte[] raw) throws Exception {
    StringBuilder hex = new StringBuilder("0x");
    for (byte b : raw) {
      hex.append(String.format("%02x", b));
    }
    Privileged.run("setfattr", "-h", "-n", "system.ntfs_reparse_data", "-v", hex.toString(), path.toString());
  }

  /** The raw reparse buffer of a name. */
  public static byte[] reparseData(Path path) throws Exception {
    String out = Privileged.run("getfattr", "-h", "--absolute-names", "-e", "hex", "-n",
        "system.ntfs_reparse_data", path.toString());
    for (String line : out.split("\n")) {
      if (line.startsWith("system.ntfs_reparse_data=0x")) {
        return java.util.HexFormat.of().parseHex(line.substring("system.ntfs_reparse_data=0x".length()).strip());
      }
    }
    throw new IOException("no reparse data on " + path + ": " + out);
  }

  @Override
  public void close() {
    Privileged.unmount(mountPoint);
  }
}
