package dev.linksafe.scan;

import dev.linksafe.model.Problem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a scan found, in counts. {@code directories} excludes the root; a symlink to a directory
 * counts as a symlink only; {@code hardLinkGroups} counts each regular file with more than one
 * name once, {@code partialHardLinkGroups} those with names outside the tree.
 */
public record ScanReport(
    long directories,
    long files,
    long symlinks,
    long danglingSymlinks,
    long innerSymlinks,
    long outerSymlinks,
    long loopSymlinks,
    long junctions,
    long innerJunctions,
    long outerJunctions,
    long otherReparsePoints,
    long specialFiles,
    long mountPoints,
    long revisitedDirectories,
    long hardLinkGroups,
    long partialHardLinkGroups,
    long namesInHardLinkGroups,
    long bytes,
    long bytesSavedByHardLinks,
    List<Problem> problems) {

  public ScanReport {
    problems = List.copyOf(problems);
  }

  /** The number of per-entry problems. */
  public long errors() {
    return problems.size();
  }

  /** The report as ordered key-value pairs, keys as documented for {@code --json}. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("directories", directories);
    m.put("files", files);
    m.put("symlinks", symlinks);
    m.put("danglingSymlinks", danglingSymlinks);
    m.put("innerSymlinks", innerSymlinks);
    m.put("outerSymlinks", outerSymlinks);
    m.put("loopSymlinks", loopSymlinks);
    m.put("junctions", junctions);
    m.put("innerJunctions", innerJunctions);
    m.put("outerJunctions", outerJunctions);
    m.put("otherReparsePoints", otherReparsePoints);
    m.put("specialFiles", specialFiles);
    m.put("mountPoints", mountPoints);
    m.put("revisitedDirectories", revisitedDirectories);
    m.put("hardLinkGroups", hardLinkGroups);
    m.put("partialHardLinkGroups", partialHardLinkGroups);
    m.put("namesInHardLinkGroups", namesInHardLinkGroups);
    m.put("bytes", bytes);
    m.put("bytesSavedByHardLinks", bytesSavedByHardLinks);
    m.put("errors", errors());
    return m;
  }
}
