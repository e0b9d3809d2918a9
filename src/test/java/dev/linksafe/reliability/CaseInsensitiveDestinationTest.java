package dev.linksafe.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.copy.CopyEngine;
import dev.linksafe.copy.CopyOptions;
import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.model.Problem;
import dev.linksafe.testing.NtfsVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names that differ only in case, copied onto NTFS mounted to ignore case (as Windows sees it):
 * the first in sorted order is copied, each other one is reported, none silently replaces
 * another, and a mirror with --delete neither deletes nor flip-flops between runs.
 */
class CaseInsensitiveDestinationTest {
  @TempDir Path base;

  @Test
  void caseTwinsAreReportedNotSilentlyMerged() throws Exception {
    Path src = Files.createDirectories(base.resolve("src"));
    Files.writeString(src.resolve("README"), "upper");
    Files.writeString(src.resolve("Readme"), "mixed");
    Files.writeString(src.resolve("readme"), "lower");
    Files.writeString(src.resolve("other.txt"), "other");
    Files.createDirectories(src.resolve("Docs"));
    Files.writeString(src.resolve("Docs/a"), "in Docs");
    Files.createDirectories(src.resolve("docs"));
    Files.writeString(src.resolve("docs/b"), "in docs");
    Files.writeString(src.resolve("Docs/caf\u00e9"), "composed");
    Files.writeString(src.resolve("Docs/cafe\u0301"), "decomposed");
    try (NtfsVolume ntfs = NtfsVolume.createIgnoringCase(base, "ci", 32)) {
      Path dst = ntfs.root().resolve("copy");
      CopyOptions options = CopyOptions.defaults(true)
          .withMirror(new MirrorOptions(base.resolve("index"), true, false));
      for (int run = 0; run < 3; run++) {
        CopyReport report = new CopyEngine(options).copy(src, dst);
        List<String> reported = report.problems().stream().map(Problem::path).sorted().toList();
        assertEquals(List.of("Docs/caf\u00e9", "Readme", "docs", "readme"), reported,
            "run " + run + ": " + report.problems());
        assertTrue(report.problems().stream().allMatch(p -> p.message().contains("differs only in case")));
        assertEquals(0, report.deleted(), "nothing deleted for a name shown in another case");
        assertEquals("upper", Files.readString(dst.resolve("README")));
        assertEquals("in Docs", Files.readString(dst.resolve("Docs/a")));
        assertEquals("decomposed", Files.readString(dst.resolve("Docs/cafe\u0301")));
        assertEquals("other", Files.readString(dst.resolve("other.txt")));
        if (run > 0) {
          assertEquals(0, report.filesCopied(), "no flip-flop between runs");
        }
      }
      try (var names = Files.list(dst)) {
        assertEquals(3, names.count(), names.toString());
      }
    }
  }
}
