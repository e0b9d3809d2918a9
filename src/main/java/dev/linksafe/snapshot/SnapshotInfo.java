package dev.linksafe.snapshot;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The manifest of one snapshot: what was copied from where and when, and what it cost.
 *
 * @param name the snapshot's directory name, e.g. {@code 2026-11-24T203000Z}
 * @param source the source's real path
 * @param time when the snapshot was started
 * @param files regular files in it
 * @param filesCopied files copied (new or changed)
 * @param filesLinked files hard-linked to the previous snapshot
 * @param bytesAdded bytes copied, which is what it adds to the repository
 * @param errors per-entry problems
 */
public record SnapshotInfo(String name, String source, Instant time, long files, long filesCopied,
    long filesLinked, long bytesAdded, long errors) {

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("source", source);
    m.put("time", time.toString());
    m.put("files", files);
    m.put("filesCopied", filesCopied);
    m.put("filesLinked", filesLinked);
    m.put("bytesAdded", bytesAdded);
    m.put("errors", errors);
    return m;
  }

  static SnapshotInfo fromMap(Map<String, Object> m) {
    return new SnapshotInfo((String) m.get("name"), (String) m.get("source"),
        Instant.parse((String) m.get("time")), number(m, "files"), number(m, "filesCopied"),
        number(m, "filesLinked"), number(m, "bytesAdded"), number(m, "errors"));
  }

  private static long number(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.longValue() : 0;
  }
}
