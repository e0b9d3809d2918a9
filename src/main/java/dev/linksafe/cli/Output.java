package dev.linksafe.cli;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Prints reports as text or as JSON.
 *
 * <p>The text helpers here format numbers without {@link java.util.Formatter}: its first use
 * in a process loads the locale data for grouping (about 30 ms of a run that may take 0.3 s),
 * and the JSON writer is loaded only by a run that prints JSON (about 10 ms).
 */
final class Output {
  private Output() {}

  /** Loaded on first use, by a run that prints JSON. */
  private static final class Json {
    static final JSON PRETTY = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT);
  }

  static void json(PrintWriter out, Map<String, ?> value) {
    try {
      out.println(Json.PRETTY.asString(value));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.flush();
  }

  /** Formats a count with its thousands separated by commas, the same in every locale: 12,345. */
  static String count(long n) {
    String digits = Long.toString(n);
    int start = n < 0 ? 1 : 0;
    int length = digits.length() - start;
    if (length <= 3) {
      return digits;
    }
    StringBuilder s = new StringBuilder(digits.length() + length / 3).append(digits, 0, start);
    int head = length % 3 == 0 ? 3 : length % 3;
    s.append(digits, start, start + head);
    for (int i = start + head; i < digits.length(); i += 3) {
      s.append(',').append(digits, i, i + 3);
    }
    return s.toString();
  }

  /** Formats a byte count for people: 1.5 GiB. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    // half up on the number's shortest decimal form, as "%.1f" rounds (v * 10 would round
    // once more in binary, and tip 7.949999999999999 over to 8.0)
    return new BigDecimal(Double.toString(v)).setScale(1, RoundingMode.HALF_UP) + " " + units[u];
  }
}
