package dev.linksafe.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.testing.Privileged;
import dev.linksafe.testing.Trees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names that break naive tools: control characters, lookalikes, maximum length, bad encoding. */
class OddNamesTest {
  @TempDir Path base;

  /** Lists a tree as bytes: names, link targets, contents and link counts, in a stable order. */
  private static final String LISTING = "import os, sys\n"
      + "for top, dirs, files, fd in os.fwalk(sys.argv[1].encode()):\n"
      + "    for n in sorted(dirs + files):\n"
      + "        st = os.stat(n, dir_fd=fd, follow_symlinks=False)\n"
      + "        link = os.readlink(n, dir_fd=fd) if os.path.islink(os.path.join(top, n)) else b''\n"
      + "        data = b'' if link or n in dirs else open(os.path.join(top, n), 'rb').read()\n"
      + "        print(os.path.relpath(top, sys.argv[1].encode()), n, link, data, st.st_nlink)\n";

  @Test
  void namesWithNewlinesControlCharactersAndLookalikesCopyExactly() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    List<String> names = List.of("new\nline", "tab\there", "back\\slash", "-leading-dash", " spaced ",
        "caf\u00e9", "cafe\u0301", "\u65e5\u672c\u8a9e", "emoji-\ud83d\ude00", "*?[]", "n".repeat(255),
        "\u00e9".repeat(127), ".hidden", "..dots", "line\r");
    for (String name : names) {
      Path dir = Files.createDirectories(src.resolve("d-" + name.substring(0, Math.min(name.length(), 100))));
      Files.writeString(dir.resolve(name), name);
      Files.createSymbolicLink(dir.resolve("link"), Path.of(name));
    }
    Files.createLink(src.resolve("d-new\nline/again\n"), src.resolve("d-new\nline/new\nline"));
    Path dst = base.resolve("dst");
    CopyReport report = new CopyEngine(CopyOptions.defaults(false)).copy(src, dst);
    assertEquals(List.of(), report.problems());
    Trees.assertIdentical(src, dst);
    Trees.assertSamePartition(src, dst);
  }

  @Test
  void namesAndSymlinkTargetsThatAreNotValidUtf8AreCopiedByteForByte() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("fine.txt"), "fine");
    // made by another program: Java shows these bytes as U+FFFD, two such names alike
    Privileged.run("python3", "-c", String.join("\n",
        "import os",
        "d = b'" + src + "'",
        "open(os.path.join(d, b'bad-\\xff.txt'), 'w').write('x')",
        "open(os.path.join(d, b'bad-\\xfe.txt'), 'w').write('y')",
        "os.link(os.path.join(d, b'bad-\\xff.txt'), os.path.join(d, b'group-\\xfd'))",
        "os.symlink(b'bad-\\xff.txt', os.path.join(d, b'link-\\xfc'))",
        "os.mkdir(os.path.join(d, b'dir-\\xfb'))",
        "open(os.path.join(d, b'dir-\\xfb', b'inner-\\xfa'), 'w').write('z')"));
    Path dst = base.resolve("dst");
    for (int run = 0; run < 2; run++) {
      Process p = new ProcessBuilder(Privileged.javaCommand("mirror", "--delete", "--index-dir",
          base.resolve("index").toString(), src.toString(), dst.toString())).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertTrue(p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, p.exitValue(), out);
      if (run == 1) {
        assertTrue(out.matches("(?s).*files\\s+0 .*unchanged\\s+6.*"), "nothing copied again: " + out);
      }
    }
    assertEquals(Privileged.run("python3", "-c", LISTING, src.toString()),
        Privileged.run("python3", "-c", LISTING, dst.toString()));
    assertEquals(0, new ProcessBuilder(Privileged.javaCommand("verify", "--content", src.toString(),
        dst.toString())).start().waitFor(), "verify sees the same trees");
  }

  /**
   * Mirror --delete tells names apart by their bytes: of two names that show alike as text
   * (each with a byte that is not UTF-8), the one the source has stays and the other goes.
   */
  @Test
  void mirrorDeleteTellsNamesApartByTheirBytes() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("fine.txt"), "fine");
    Path dst = Files.createDirectories(base.resolve("dst"));
    Privileged.run("python3", "-c", "import os; open(os.path.join(b'" + src + "', b'kept-\\xff.txt'), 'w').write('x')");
    Privileged.run("python3", "-c", "import os; open(os.path.join(b'" + dst + "', b'kept-\\xfe.txt'), 'w').write('x')");
    Process p = new ProcessBuilder(Privileged.javaCommand("mirror", "--delete", "--no-index",
        src.toString(), dst.toString())).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    String left = Privileged.run("python3", "-c", "import os; print(sorted(os.listdir(b'" + dst + "')))");
    assertEquals("[b'fine.txt', b'kept-\\xff.txt']", left.trim());
  }

  /**
   * GNU tar's default format keeps names over 100 bytes in long-name entries, whose bytes
   * Commons Compress decodes with '?' for what is not UTF-8: two such names became one file.
   * They are read back as bytes.
   */
  @Test
  void longNamesThatAreNotUtf8SurviveGnuTarsDefaultFormat() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Privileged.run("python3", "-c", String.join("\n",
        "import os",
        "d = b'" + src + "'",
        "open(os.path.join(d, b'n' * 100 + b'\\xff'), 'w').write('first')",
        "open(os.path.join(d, b'n' * 100 + b'\\xfe'), 'w').write('second')",
        "os.symlink(b'T' * 120 + b'\\xff', os.path.join(d, b'sym'))"));
    Path archive = base.resolve("gnu.tar");
    Privileged.run("tar", "--format=gnu", "-C", src.toString(), "-cf", archive.toString(), ".");
    Path out = base.resolve("out");
    try (var in = Files.newInputStream(archive)) {
      var r = new dev.linksafe.archive.TarExtractor(false).extract(in, out);
      assertEquals(0, r.errors(), r.problems().toString());
    }
    assertEquals(Privileged.run("python3", "-c", LISTING, src.toString()).replaceAll(" [0-9]+\n", "\n"),
        Privileged.run("python3", "-c", LISTING, out.toString()).replaceAll(" [0-9]+\n", "\n"));
  }

  /**
   * Names and link targets that are not valid UTF-8 survive an archive: linksafe writes them as
   * raw bytes in pax headers with hdrcharset=BINARY, which GNU tar and bsdtar read back, and
   * reads them back from its own archives and from those of GNU tar (raw pax and ustar fields)
   * and bsdtar. Compared byte for byte, hard-link groups included.
   */
  @Test
  void namesThatAreNotValidUtf8SurviveArchivesBothWays() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Privileged.run("python3", "-c", String.join("\n",
        "import os",
        "d = b'" + src + "'",
        "open(os.path.join(d, b'bad-\\xff.txt'), 'w').write('x')",
        "open(os.path.join(d, b'fine.txt'), 'w').write('fine')",
        "os.link(os.path.join(d, b'bad-\\xff.txt'), os.path.join(d, b'group-\\xfd'))",
        "os.symlink(b'bad-\\xff.txt', os.path.join(d, b'link-\\xfc'))",
        "os.symlink(b'target-\\xf0', os.path.join(d, b'plain-link'))",
        "os.mkdir(os.path.join(d, b'dir-\\xfb'))",
        "open(os.path.join(d, b'dir-\\xfb', b'inner-\\xfa'), 'w').write('z')",
        // large enough to be streamed, with holes: a sparse entry, its raw name in GNU.sparse.name
        // (linksafe, GNU tar --sparse) or path (bsdtar), read after its map
        "f = os.open(os.path.join(d, b'holes-\\xf9.img'), os.O_CREAT | os.O_WRONLY, 0o644)",
        "os.ftruncate(f, 3 << 19)",
        "os.pwrite(f, b'data', 1 << 20)",
        "os.close(f)"));
    String expected = Privileged.run("python3", "-c", LISTING, src.toString());

    Path ours = base.resolve("ours.tar");
    try (var out = Files.newOutputStream(ours)) {
      var r = new dev.linksafe.archive.TarWriter(dev.linksafe.scan.ExcludeFilter.NONE)
          .write(src, out, dev.linksafe.archive.Compression.NONE);
      assertEquals(List.of(), r.problems());
    }
    List<Path> archives = new java.util.ArrayList<>(List.of(ours));
    for (String tool : List.of("tar", "bsdtar")) {
      if (!Privileged.hasCommand(tool)) {
        Privileged.unavailable(tool + " is not installed (apt-get install tar libarchive-tools)");
      }
      Path theirs = base.resolve(tool + ".tar");
      if (tool.equals("tar")) {
        // its sparse entry names the file in GNU.sparse.name, raw
        Privileged.run(tool, "--format=pax", "--sparse", "-C", src.toString(), "-cf", theirs.toString(), ".");
      } else {
        Privileged.run(tool, "--format=pax", "-C", src.toString(), "-cf", theirs.toString(), ".");
      }
      archives.add(theirs);
      Path out = Files.createDirectories(base.resolve(tool + "-from-ours"));
      Privileged.run(tool, "-C", out.toString(), "-xf", ours.toString());
      assertEquals(expected, Privileged.run("python3", "-c", LISTING, out.toString()), tool + " reads linksafe's");
    }
    for (Path archive : archives) {
      Path out = base.resolve("linksafe-from-" + archive.getFileName());
      try (var in = Files.newInputStream(archive)) {
        var r = new dev.linksafe.archive.TarExtractor(false).extract(in, out);
        assertEquals(List.of(), r.problems(), archive.toString());
      }
      assertEquals(expected, Privileged.run("python3", "-c", LISTING, out.toString()), "linksafe reads " + archive);
    }
  }
}
