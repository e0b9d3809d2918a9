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
  void aNameThatIsNotValidUtf8IsReportedAndTheRestCopied() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("fine.txt"), "fine");
    // made by another program: Java cannot name these bytes
    Privileged.run("python3", "-c", "import os; open(os.path.join(b'" + src + "', b'bad-\\xff\\xfe.txt'), 'w').write('x')");
    Path dst = base.resolve("dst");
    Process p = new ProcessBuilder(Privileged.javaCommand("copy", src.toString(), dst.toString()))
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(1, p.exitValue(), out);
    assertTrue(out.contains("bad-??.txt") && out.contains("not valid"), out);
    assertEquals("fine", Files.readString(dst.resolve("fine.txt")));
    assertFalse(out.contains("Exception"), out);
  }

  @Test
  void mirrorDeleteNeverDeletesANameItCannotRead() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("fine.txt"), "fine");
    Path dst = Files.createDirectories(base.resolve("dst"));
    Privileged.run("python3", "-c", "import os; open(os.path.join(b'" + dst + "', b'kept-\\xff.txt'), 'w').write('x')");
    Process p = new ProcessBuilder(Privileged.javaCommand("mirror", "--delete", "--no-index",
        src.toString(), dst.toString())).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    String left = Privileged.run("python3", "-c", "import os; print(sorted(os.listdir(b'" + dst + "')))");
    assertTrue(left.contains("kept-\\xff.txt"), "a name the source side cannot show is kept: " + left);
  }
}
