package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a file through the platform's stream, as archive does: the bytes, never a link, never a blocking FIFO. */
class FileReadTest {
  @TempDir Path base;

  @Test
  void readsTheBytesAndStopsAtTheEnd() throws Exception {
    FileSystemAccess access = Platforms.forPath(base);
    byte[] bytes = new byte[700_000]; // more than one read's native buffer
    new Random(3).nextBytes(bytes);
    Path file = Files.write(base.resolve("f"), bytes);
    byte[] into = new byte[1 << 20];
    assertEquals(bytes.length, read(access, file, into, bytes.length));
    assertEquals(-1, Arrays.mismatch(bytes, Arrays.copyOf(into, bytes.length)));
    // a file shorter than asked (it shrank since it was looked at): what there is
    assertEquals(bytes.length, read(access, file, into, bytes.length + 10));
    assertEquals(5, read(access, file, into, 5));
  }

  @Test
  void neitherFollowsALinkNorWaitsOnAFifo() throws Exception {
    FileSystemAccess access = Platforms.forPath(base);
    Path target = Files.writeString(base.resolve("target"), "outside");
    Path link = Files.createSymbolicLink(base.resolve("link"), target);
    assertThrows(IOException.class, () -> read(access, link, new byte[16], 7));
    Path fifo = base.resolve("fifo");
    new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
    // a FIFO swapped in for a file, with or without a writer: refused at once, not read or
    // waited on (the read and the stream both blocked for ever)
    assertThrows(IOException.class, () -> read(access, fifo, new byte[16], 16));
    assertThrows(IOException.class, () -> access.newInputStream(fifo));
    try (var writer = java.nio.channels.FileChannel.open(fifo, java.nio.file.StandardOpenOption.READ,
        java.nio.file.StandardOpenOption.WRITE)) {
      assertThrows(IOException.class, () -> read(access, fifo, new byte[16], 16));
      assertThrows(IOException.class, () -> access.newInputStream(fifo));
    }
  }

  /** The stream skips by moving its offset (holes are not read) and reads to the end. */
  @Test
  void theStreamSkipsAndReads() throws Exception {
    FileSystemAccess access = Platforms.forPath(base);
    Path file = base.resolve("holes");
    try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(1L << 40);
      f.seek((1L << 40) - 4);
      f.write("end!".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    try (var in = access.newInputStream(file)) {
      in.skipNBytes((1L << 40) - 4);
      assertEquals("end!", new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
      assertEquals(-1, in.read());
    }
  }

  private static int read(FileSystemAccess access, Path file, byte[] into, int length) throws IOException {
    try (var in = access.newInputStream(file)) {
      return in.readNBytes(into, 0, length);
    }
  }
}
