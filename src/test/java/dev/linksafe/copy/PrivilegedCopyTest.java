package dev.linksafe.copy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.platform.FileSystemAccess.ReflinkMode;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only root can do: owners, device nodes, and reflinks on a loop-mounted btrfs. */
class PrivilegedCopyTest {
  @TempDir Path base;
  private Path mounted;

  @AfterEach
  void unmount() {
    if (mounted != null) {
      Privileged.unmount(mounted);
    }
  }

  @Test
  void ownersAndDeviceNodesAreKeptAsRoot() throws Exception {
    Privileged.requireRoot();
    Path src = Files.createDirectories(base.resolve("src"));
    Path owned = Files.writeString(src.resolve("owned"), "x");
    Privileged.run("chown", "1234:5678", owned.toString());
    Privileged.run("mknod", src.resolve("null-like").toString(), "c", "1", "3");
    Files.createSymbolicLink(src.resolve("link"), Path.of("owned"));
    Privileged.run("chown", "-h", "4321:8765", src.resolve("link").toString());
    Path dst = base.resolve("dst");
    CopyReport r = new CopyEngine(CopyOptions.defaults(true)).copy(src, dst);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    assertEquals(1234, Files.getAttribute(dst.resolve("owned"), "unix:uid"));
    assertEquals(5678, Files.getAttribute(dst.resolve("owned"), "unix:gid"));
    assertEquals(4321, Files.getAttribute(dst.resolve("link"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
    assertEquals("character special file 1,3",
        Privileged.run("stat", "-c", "%F %t,%T", dst.resolve("null-like").toString()).strip());
    Trees.assertIdentical(src, dst);
  }

  @Test
  void fileCapabilitiesSurviveTheOwnerChange() throws Exception {
    Privileged.requireRoot();
    if (!Privileged.hasCommand("setcap")) {
      Privileged.unavailable("setcap is not installed (apt-get install libcap2-bin)");
    }
    Path src = Files.createDirectories(base.resolve("src"));
    Path ping = Files.writeString(src.resolve("ping"), "#!/bin/true\n");
    Privileged.run("chown", "1000:1000", ping.toString());
    Privileged.run("setcap", "cap_net_raw+ep", ping.toString());
    Path dst = base.resolve("dst");
    CopyReport r = new CopyEngine(CopyOptions.defaults(true)).copy(src, dst);
    assertEquals(0, r.errors(), () -> r.problems().toString());
    assertTrue(Privileged.run("getcap", dst.resolve("ping").toString()).contains("cap_net_raw"),
        "chown drops capabilities: they must be set after it");
    assertEquals(1000, Files.getAttribute(dst.resolve("ping"), "unix:uid"));
  }

  @Test
  void reflinkAlwaysClonesOnBtrfs() throws Exception {
    Privileged.requireRoot();
    if (!Privileged.hasCommand("mkfs.btrfs")) {
      Privileged.unavailable("mkfs.btrfs is not installed (apt-get install btrfs-progs)");
    }
    mounted = Files.createDirectories(base.resolve("btrfs"));
    Path image = base.resolve("btrfs.img");
    try {
      Privileged.run("truncate", "-s", "160M", image.toString());
      Privileged.run("mkfs.btrfs", "-q", "-f", image.toString());
      Privileged.run("mount", "-o", "loop", image.toString(), mounted.toString());
    } catch (java.io.IOException e) {
      mounted = null;
      Privileged.unavailable("cannot loop-mount btrfs: " + e.getMessage());
    }
    Path src = Files.createDirectories(mounted.resolve("src"));
    byte[] data = new byte[8 << 20];
    new java.util.Random(1).nextBytes(data);
    Files.write(src.resolve("big"), data);
    Privileged.run("sync");
    CopyOptions always = CopyOptions.defaults(true).withReflink(ReflinkMode.ALWAYS);
    CopyReport r = new CopyEngine(always).copy(src, mounted.resolve("dst"));
    assertEquals(0, r.errors(), () -> r.problems().toString());
    Trees.assertIdentical(src, mounted.resolve("dst"));
    String shared = Privileged.run("btrfs", "filesystem", "du", "-s", "--raw", mounted.toString());
    // columns: Total Exclusive Set-shared Filename; the clone shares all 8 MiB
    String[] cols = shared.strip().split("\n")[1].trim().split("\\s+");
    assertTrue(Long.parseLong(cols[2]) >= (8 << 20), shared);

    // --reflink=never writes every byte: nothing more is shared than before
    CopyOptions never = CopyOptions.defaults(true).withReflink(ReflinkMode.NEVER);
    new CopyEngine(never).copy(src, mounted.resolve("independent"));
    Privileged.run("sync");
    String after = Privileged.run("btrfs", "filesystem", "du", "-s", "--raw", mounted.resolve("independent").toString());
    String[] independent = after.strip().split("\n")[1].trim().split("\\s+");
    assertEquals(0, Long.parseLong(independent[2]), "no shared extents: " + after);

    // on tmpfs there is no clone: --reflink=always reports each file instead of copying it
    Path tmpfs = Privileged.mountTmpfs(base.resolve("tmpfs"), 32);
    try {
      CopyReport refused = new CopyEngine(always).copy(src, tmpfs.resolve("dst"));
      assertEquals(1, refused.errors(), refused.problems().toString());
      assertTrue(refused.problems().get(0).message().contains("clone"), refused.problems().toString());
    } finally {
      Privileged.unmount(tmpfs);
    }
  }
}
