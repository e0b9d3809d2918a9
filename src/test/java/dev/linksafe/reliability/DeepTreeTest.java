package dev.linksafe.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.testing.Privileged;
import dev.linksafe.verify.TreeComparator;
import dev.linksafe.verify.VerifyReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tree whose paths run to about 12,000 bytes, three times PATH_MAX: copied, verified and
 * mirrored (with a deep subtree deleted) without losing a name. The tree is made and checked
 * independently by Python through directory descriptors, which have no path length limit.
 */
class DeepTreeTest {
  @TempDir Path base;

  /** Python that walks a tree by descriptors and prints each name with its kind, bytes and group. */
  private static final String LISTING = String.join("\n",
      "import os, sys, hashlib",
      "def walk(root):",
      "    out, groups = [], {}",
      "    for top, dirs, files, fd in os.fwalk(root):",
      "        rel = os.path.relpath(top, root)",
      "        for n in sorted(files + dirs):",
      "            st = os.stat(n, dir_fd=fd, follow_symlinks=False)",
      "            name = os.path.join(rel, n)",
      "            if os.path.islink(os.path.join('/proc/self/fd', str(fd), n)):",
      "                out.append(name + ' -> ' + os.readlink(n, dir_fd=fd))",
      "            elif os.path.isdir(os.path.join('/proc/self/fd', str(fd), n)):",
      "                out.append(name + '/')",
      "            else:",
      "                f = os.open(n, os.O_RDONLY, dir_fd=fd)",
      "                data = os.read(f, 1 << 20); os.close(f)",
      "                groups.setdefault(st.st_ino, []).append(name)",
      "                out.append(name + ' ' + hashlib.sha1(data).hexdigest())",
      "    parts = sorted(' = '.join(sorted(g)) for g in groups.values() if len(g) > 1)",
      "    return sorted(out) + parts",
      "print('\\n'.join(walk(sys.argv[1])))");

  private static final String MAKE = String.join("\n",
      "import os, sys",
      "root = sys.argv[1]; os.makedirs(root)",
      "fd = os.open(root, os.O_RDONLY); top = os.open(root, os.O_RDONLY)",
      "name = 'd' * 200",
      "os.close(os.open('shallow', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=top))",
      "for i in range(60):",
      "    os.mkdir(name, dir_fd=fd)",
      "    nfd = os.open(name, os.O_RDONLY, dir_fd=fd); os.close(fd); fd = nfd",
      "    f = os.open('file', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)",
      "    os.write(f, b'level %d' % i); os.close(f)",
      "    if i % 20 == 19:",
      "        os.link('shallow', 'linked', src_dir_fd=top, dst_dir_fd=fd)",
      "        os.symlink('file', 'link', dir_fd=fd)",
      "    if i == 45:",
      "        os.mkdir('gone-later', dir_fd=fd)",
      "        g = os.open('gone-later', os.O_RDONLY, dir_fd=fd)",
      "        os.close(os.open('x', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=g)); os.close(g)");

  private static final String CHANGE = String.join("\n",
      "import os, sys",
      "fd = os.open(sys.argv[1], os.O_RDONLY)",
      "for i in range(46):",
      "    nfd = os.open('d' * 200, os.O_RDONLY, dir_fd=fd); os.close(fd); fd = nfd",
      "g = os.open('gone-later', os.O_RDONLY, dir_fd=fd)",
      "os.unlink('x', dir_fd=g); os.close(g); os.rmdir('gone-later', dir_fd=fd)",
      "f = os.open('new', os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd); os.write(f, b'new'); os.close(f)");

  /** JUnit cannot delete paths longer than PATH_MAX; rm walks by descriptors. */
  @org.junit.jupiter.api.AfterEach
  void removeDeepTrees() throws Exception {
    Privileged.run("rm", "-rf", base.resolve("src").toString(), base.resolve("dst").toString(),
        base.resolve("extracted").toString());
  }

  private static String listing(Path root) throws Exception {
    return Privileged.run("python3", "-c", LISTING, root.toString());
  }

  @Test
  void aTreeDeeperThanPathMaxIsCopiedVerifiedAndMirroredWhole() throws Exception {
    Path src = base.resolve("src");
    Privileged.run("python3", "-c", MAKE, src.toString());
    Path dst = base.resolve("dst");
    CopyOptions options = CopyOptions.defaults(false).withMirror(new MirrorOptions(null, true, false));
    CopyReport first = new CopyEngine(options).copy(src, dst);
    assertEquals(List.of(), first.problems());
    assertTrue(first.filesCopied() >= 60, first.toString());
    assertEquals(listing(src), listing(dst));
    VerifyReport verified = new TreeComparator(true).compare(src, dst);
    assertTrue(verified.identical(), verified.toString());

    Privileged.run("python3", "-c", CHANGE, src.toString());
    CopyReport second = new CopyEngine(options).copy(src, dst);
    assertEquals(List.of(), second.problems());
    assertEquals(2, second.deleted(), "the deep directory and its file");
    assertEquals(listing(src), listing(dst));
    assertTrue(listing(dst).contains("linked = "), "the group across depths is one file");

    // and through an archive
    java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
    new dev.linksafe.archive.TarWriter(dev.linksafe.scan.ExcludeFilter.NONE)
        .write(src, tar, dev.linksafe.archive.Compression.NONE);
    Path extracted = base.resolve("extracted");
    var report = new dev.linksafe.archive.TarExtractor(false)
        .extract(new java.io.ByteArrayInputStream(tar.toByteArray()), extracted);
    assertEquals(List.of(), report.problems());
    assertEquals(listing(src), listing(extracted));
  }
}
