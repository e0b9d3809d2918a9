package dev.linksafe.copy;

import dev.linksafe.model.Problem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a copy did, in counts, with the per-entry problems (which make the exit code 1) and the
 * notes (partial groups, groups split across volumes) that are worth a user's attention.
 *
 * @param dryRun whether nothing was written
 */
public record CopyReport(
    boolean dryRun,
    long entries,
    long directories,
    long filesCopied,
    long bytesCopied,
    long hardLinks,
    long symlinks,
    long reparsePoints,
    long retargetedJunctions,
    long specialFiles,
    long unchanged,
    long updatedMetadata,
    long replaced,
    long separateCopies,
    long renamed,
    long deleted,
    long linkedToPrevious,
    long partialHardLinkGroups,
    List<Problem> problems,
    List<Problem> notes) {

  public CopyReport {
    problems = List.copyOf(problems);
    notes = List.copyOf(notes);
  }

  public long errors() {
    return problems.size();
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dryRun", dryRun);
    m.put("entries", entries);
    m.put("directories", directories);
    m.put("filesCopied", filesCopied);
    m.put("bytesCopied", bytesCopied);
    m.put("hardLinks", hardLinks);
    m.put("symlinks", symlinks);
    m.put("reparsePoints", reparsePoints);
    m.put("retargetedJunctions", retargetedJunctions);
    m.put("specialFiles", specialFiles);
    m.put("unchanged", unchanged);
    m.put("updatedMetadata", updatedMetadata);
    m.put("replaced", replaced);
    m.put("separateCopies", separateCopies);
    m.put("renamed", renamed);
    m.put("deleted", deleted);
    m.put("linkedToPrevious", linkedToPrevious);
    m.put("partialHardLinkGroups", partialHardLinkGroups);
    m.put("errors", errors());
    return m;
  }
}
