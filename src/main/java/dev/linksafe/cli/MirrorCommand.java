package dev.linksafe.cli;

import dev.linksafe.copy.CopyReport;
import dev.linksafe.copy.MirrorOptions;
import dev.linksafe.index.MirrorIndex;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "mirror", mixinStandardHelpOptions = true,
    description = {"Keeps DST a faithful copy of SRC, run after run, doing only what changed: "
        + "everything 'copy' does, plus an incremental index with which an unchanged name "
        + "costs one look at DST, renames at the source done as renames at DST (with --delete), and "
        + "with --delete, names gone from SRC removed from DST.",
        "The index is a cache in ~/.cache/linksafe (or --index-dir): deleting it costs time, "
        + "never correctness. A name whose time is within two seconds of when the previous run "
        + "looked at its directory is checked again.", ""},
    footer = ExitCodes.HELP_FOOTER)
final class MirrorCommand extends CopyCommand {
  @Option(names = "--delete",
      description = "Remove from DST what SRC no longer has (excluded names and names that "
          + "could not be read at SRC are kept).")
  boolean delete;

  @Option(names = "--checksum",
      description = "Compare the bytes of files whose size and time match instead of trusting them.")
  boolean checksum;

  @Option(names = "--index-dir", paramLabel = "DIR",
      description = "Where the index is kept (default: $XDG_CACHE_HOME/linksafe or ~/.cache/linksafe).")
  Path indexDirectory;

  @Option(names = "--no-index", description = "Keep no index: compare with DST directly.")
  boolean noIndex;

  @Override
  MirrorOptions mirrorOptions() {
    Path directory = noIndex ? null : indexDirectory != null ? indexDirectory : MirrorIndex.defaultDirectory();
    return new MirrorOptions(directory, delete, checksum);
  }

  @Override
  Map<String, Object> jsonReport(CopyReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("unchanged", r.unchanged());
    m.put("copied", r.filesCopied());
    m.put("linked", r.hardLinks());
    m.put("renamed", r.renamed());
    m.put("updatedMetadata", r.updatedMetadata());
    m.put("deleted", r.deleted());
    m.put("bytesCopied", r.bytesCopied());
    m.put("errors", r.errors());
    m.putAll(r.toMap());
    return m;
  }
}
