package dev.linksafe.verify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of comparing two trees.
 *
 * @param entries how many names were compared
 * @param differences every difference found, in name order
 */
public record VerifyReport(long entries, List<Difference> differences) {
  public VerifyReport {
    differences = List.copyOf(differences);
  }

  public boolean identical() {
    return differences.isEmpty();
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("identical", identical());
    m.put("entries", entries);
    m.put("differences", differences.stream().map(d -> {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("path", d.path());
      x.put("aspect", d.aspect());
      x.put("detail", d.detail());
      return x;
    }).toList());
    return m;
  }
}
