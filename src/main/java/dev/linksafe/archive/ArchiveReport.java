package dev.linksafe.archive;

import dev.linksafe.model.Problem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What archiving or extracting did.
 *
 * @param entries entries written or extracted
 * @param files regular files with their bytes
 * @param hardLinks hard-link entries
 * @param symlinks symlink entries (junctions included)
 * @param directories directory entries
 * @param bytes file bytes
 * @param problems entries refused or failed, each named
 */
public record ArchiveReport(long entries, long files, long hardLinks, long symlinks,
    long directories, long bytes, List<Problem> problems) {
  public ArchiveReport {
    problems = List.copyOf(problems);
  }

  public long errors() {
    return problems.size();
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("entries", entries);
    m.put("files", files);
    m.put("hardLinks", hardLinks);
    m.put("symlinks", symlinks);
    m.put("directories", directories);
    m.put("bytes", bytes);
    m.put("errors", errors());
    m.put("problems", problems.stream().map(p -> Map.of("path", p.path(), "message", p.message())).toList());
    return m;
  }
}
