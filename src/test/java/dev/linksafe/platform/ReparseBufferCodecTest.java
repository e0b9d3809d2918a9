package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.ReparsePoint;
import dev.linksafe.platform.ReparseBufferCodec.MalformedReparseDataException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ReparseBufferCodecTest {
  /** A junction to \??\C:\data\projects as written by ntfs-3g from a Windows-style buffer. */
  private static final byte[] JUNCTION = HexFormat.of().parseHex(
      "030000a054000000000028002a0020005c003f003f005c0043003a005c0064006100740061005c0070007200"
          + "6f006a006500630074007300000043003a005c0064006100740061005c00700072006f006a00650063007400730000 00"
          .replace(" ", ""));

  @Test
  void decodesAHandBuiltJunction() throws Exception {
    ReparsePoint r = ReparseBufferCodec.decode(JUNCTION, "j");
    assertTrue(r.isJunction());
    assertEquals("\\??\\C:\\data\\projects", r.substituteName());
    assertEquals("C:\\data\\projects", r.printName());
    assertEquals(0, r.flags());
  }

  @Test
  void encodingAJunctionGivesTheBytesWindowsWrites() {
    ReparsePoint r = ReparseBufferCodec.junction("\\??\\C:\\data\\projects", "C:\\data\\projects");
    assertArrayEquals(JUNCTION, r.raw());
  }

  @Test
  void relativeSymlinkRoundTripsWithItsFlag() throws Exception {
    ReparsePoint s = ReparseBufferCodec.symlink("..\\data\\f.txt", "..\\data\\f.txt", true);
    ReparsePoint back = ReparseBufferCodec.decode(s.raw(), "s");
    assertTrue(back.isSymlink());
    assertEquals(ReparsePoint.SYMLINK_FLAG_RELATIVE, back.flags());
    assertEquals("..\\data\\f.txt", back.substituteName());
    assertEquals(s, back);
  }

  @Test
  void absoluteSymlinkKeepsDistinctSubstituteAndPrintNames() throws Exception {
    ReparsePoint s = ReparseBufferCodec.symlink("\\??\\D:\\x y\\z", "D:\\x y\\z", false);
    ReparsePoint back = ReparseBufferCodec.decode(s.raw(), "s");
    assertEquals("\\??\\D:\\x y\\z", back.substituteName());
    assertEquals("D:\\x y\\z", back.printName());
    assertEquals(0, back.flags());
  }

  @Test
  void unknownTagIsKeptOpaque() throws Exception {
    byte[] raw = {0x1a, 0, 0, (byte) 0x90, 4, 0, 0, 0, 1, 2, 3, 4};
    ReparsePoint r = ReparseBufferCodec.decode(raw, "cloud");
    assertEquals(0x9000001a, r.tag());
    assertNull(r.substituteName());
    assertArrayEquals(raw, r.raw());
  }

  @Test
  void namesOutsideTheBufferAreRefusedWithThePath() {
    byte[] bad = JUNCTION.clone();
    bad[10] = (byte) 0xF0; // substitute length far past the end
    MalformedReparseDataException e = assertThrows(MalformedReparseDataException.class,
        () -> ReparseBufferCodec.decode(bad, "C/broken"));
    assertTrue(e.getMessage().startsWith("C/broken: malformed reparse data"), e.getMessage());
  }

  @Test
  void oddLengthIsRefused() {
    byte[] bad = JUNCTION.clone();
    bad[10] = 0x27;
    assertThrows(MalformedReparseDataException.class, () -> ReparseBufferCodec.decode(bad, "x"));
  }

  @Test
  void truncatedBuffersAreRefusedAtEveryLength() {
    for (int n = 0; n < JUNCTION.length - 1; n++) {
      byte[] cut = Arrays.copyOf(JUNCTION, n);
      assertThrows(MalformedReparseDataException.class, () -> ReparseBufferCodec.decode(cut, "t"),
          "length " + n);
    }
  }

  @Test
  void dataLengthShorterThanTheNameFieldsIsRefused() {
    byte[] raw = {0x03, 0, 0, (byte) 0xa0, 2, 0, 0, 0, 0, 0};
    assertThrows(MalformedReparseDataException.class, () -> ReparseBufferCodec.decode(raw, "x"));
  }

  @Test
  void randomBytesNeverThrowAnythingButMalformed() {
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 20_000; i++) {
      byte[] raw = new byte[random.nextInt(64)];
      random.nextBytes(raw);
      if (raw.length >= 4 && random.nextBoolean()) {
        raw[3] = (byte) 0xa0;
        raw[0] = random.nextBoolean() ? (byte) 0x03 : (byte) 0x0c;
        raw[1] = 0;
        raw[2] = 0;
      }
      try {
        ReparseBufferCodec.decode(raw, "fuzz");
      } catch (MalformedReparseDataException expected) {
        // refused cleanly
      }
    }
  }
}
