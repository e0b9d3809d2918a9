package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.linksafe.model.ReparsePoint;
import dev.linksafe.platform.ReparseBufferCodec.MalformedReparseDataException;

/**
 * Coverage-guided fuzzing of the reparse-buffer codec. Whatever bytes a volume (or an archive's
 * LINKSAFE.reparse header) hands over, decoding gives a reparse point that keeps the bytes, or
 * refuses with {@link MalformedReparseDataException}: any other exception is a finding. Every
 * test run replays the inputs under {@code src/test/resources/.../ReparseBufferFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} fuzzes for the time given.
 */
class ReparseBufferFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void anyBytesDecodeOrAreRefusedCleanly(byte[] raw) {
    try {
      ReparsePoint p = ReparseBufferCodec.decode(raw, "fuzz");
      // kept as given, up to the data length its header declares (Windows returns no more)
      assertArrayEquals(java.util.Arrays.copyOf(raw, p.raw().length), p.raw());
      assertTrue(p.raw().length <= raw.length);
      if (p.tag() == ReparsePoint.TAG_MOUNT_POINT) {
        // what decodes as a junction encodes to a buffer that decodes to the same names
        ReparsePoint again = ReparseBufferCodec.decode(
            ReparseBufferCodec.junction(p.substituteName(), p.printName()).raw(), "again");
        assertEquals(p.substituteName(), again.substituteName());
        assertEquals(p.printName(), again.printName());
      }
    } catch (MalformedReparseDataException refused) {
      // the clean way to say no
    }
  }
}
