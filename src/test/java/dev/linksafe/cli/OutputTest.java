package dev.linksafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class OutputTest {
  @Test
  void countSeparatesThousandsAsEnglishFormattingDoes() {
    long[] samples = {0, 7, 999, 1_000, 12_345, 999_999, 1_000_000, 1_234_567_890L, -1, -999, -1_000,
        -12_345_678, Long.MAX_VALUE, Long.MIN_VALUE};
    for (long n : samples) {
      assertEquals(String.format(Locale.ROOT, "%,d", n), Output.count(n), "count(" + n + ")");
    }
  }

  @Test
  void bytesRoundsToOneDecimalAsBefore() {
    // 8950904259398860 bytes are 7.949999999999999 PiB: "%.1f" prints 7.9, rounding v * 10 gave 8.0
    long[] samples = {1_024, 1_536, 10_239, 1_048_575, 1_048_576, 5L << 30, (3L << 40) + (1L << 39),
        8_950_904_259_398_860L, Long.MAX_VALUE};
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    for (long n : samples) {
      double v = n;
      int u = -1;
      while (v >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
      }
      assertEquals(String.format(Locale.ROOT, "%.1f %s", v, units[u]), Output.bytes(n), "bytes(" + n + ")");
    }
    assertEquals("0 B", Output.bytes(0));
    assertEquals("1023 B", Output.bytes(1023));
  }
}
