package dev.linksafe.archive;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.apache.commons.compress.compressors.CompressorException;
import org.apache.commons.compress.compressors.CompressorStreamFactory;

/** The compressions an archive may use, chosen by flag or by the file name's ending. */
public enum Compression {
  NONE(null),
  GZIP(CompressorStreamFactory.GZIP),
  XZ(CompressorStreamFactory.XZ),
  ZSTD(CompressorStreamFactory.ZSTANDARD);

  private final String commonsName;

  Compression(String commonsName) {
    this.commonsName = commonsName;
  }

  /** The compression a file name asks for: .tar.gz/.tgz, .tar.xz/.txz, .tar.zst/.tzst, else none. */
  public static Compression forName(String fileName) {
    String n = fileName.toLowerCase(Locale.ROOT);
    if (n.endsWith(".gz") || n.endsWith(".tgz")) {
      return GZIP;
    }
    if (n.endsWith(".xz") || n.endsWith(".txz")) {
      return XZ;
    }
    if (n.endsWith(".zst") || n.endsWith(".tzst") || n.endsWith(".zstd")) {
      return ZSTD;
    }
    return NONE;
  }

  OutputStream wrap(OutputStream out) throws IOException {
    if (this == NONE) {
      return out;
    }
    try {
      return new CompressorStreamFactory().createCompressorOutputStream(commonsName, out);
    } catch (CompressorException e) {
      throw new IOException("cannot compress with " + name().toLowerCase(Locale.ROOT) + ": " + e.getMessage(), e);
    }
  }

  /** The compressions extract reads: ours, and bzip2. */
  private static final java.util.Set<String> DECOMPRESSED = java.util.Set.of(CompressorStreamFactory.GZIP,
      CompressorStreamFactory.XZ, CompressorStreamFactory.ZSTANDARD, CompressorStreamFactory.BZIP2);
  /** Memory a decompressor may ask for (xz's dictionary): a crafted header cannot ask for more. */
  private static final int DECOMPRESSOR_MEMORY_KB = 256 * 1024;

  /** Unwraps the compression (gzip, xz, zstd, bzip2) that the stream's first bytes announce. */
  static InputStream unwrap(InputStream in) throws IOException {
    InputStream buffered = in.markSupported() ? in : new BufferedInputStream(withoutAvailable(in), 64 * 1024);
    if (startsWithTarHeader(buffered)) {
      // bzip2's signature is three letters ("BZh"), which a tar's first name may begin with
      return buffered;
    }
    String detected;
    try {
      detected = CompressorStreamFactory.detect(buffered);
    } catch (CompressorException notCompressed) {
      return buffered;
    }
    if (!DECOMPRESSED.contains(detected)) {
      // another format's magic (.Z, lzma, snappy...): not one of ours, read as tar, which
      // then says the archive is corrupt; .Z's decoder would size its tables from the header
      return buffered;
    }
    byte[] magic = MEMBER_MAGIC.get(detected);
    InputStream decompressed = magic == null ? member(detected, buffered) : new Members(detected, magic, buffered);
    return failingAsIo(decompressed, detected);
  }

  /** Whether the stream starts with a block whose tar checksum holds; the stream is left where it was. */
  private static boolean startsWithTarHeader(InputStream in) throws IOException {
    byte[] block = new byte[512];
    in.mark(block.length);
    int n = 0;
    try {
      for (int r; n < block.length && (r = in.read(block, n, block.length - n)) > 0; ) {
        n += r;
      }
    } finally {
      in.reset();
    }
    return n == block.length && TarInput.isHeader(block);
  }

  /**
   * How a further member (gzip) or stream (xz, bzip2) of a concatenated file starts. zstd's
   * decoder reads on through its frames itself.
   */
  private static final java.util.Map<String, byte[]> MEMBER_MAGIC = java.util.Map.of(
      CompressorStreamFactory.GZIP, new byte[] {0x1f, (byte) 0x8b},
      CompressorStreamFactory.XZ, new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0},
      CompressorStreamFactory.BZIP2, new byte[] {'B', 'Z', 'h'});

  private static InputStream member(String format, InputStream in) throws IOException {
    try {
      return new CompressorStreamFactory(false, DECOMPRESSOR_MEMORY_KB).createCompressorInputStream(format, in);
    } catch (CompressorException | RuntimeException e) {
      throw new IOException("archive is corrupt: bad " + format + " stream: " + e.getMessage(), e);
    }
  }

  /**
   * The members of a concatenated file, one after the other, as gzip, xz, GNU tar and bsdtar
   * read them: read only to the first member's end, an archive split across members ended there,
   * complete as far as anyone could tell. What follows the last member and is not one (zeros
   * padding a tape block, say) is ignored, as gzip ignores it; xz's zero padding between streams
   * is skipped.
   */
  private static final class Members extends InputStream {
    private final String format;
    private final byte[] magic;
    private final InputStream raw;
    private InputStream current;

    Members(String format, byte[] magic, InputStream raw) throws IOException {
      this.format = format;
      this.magic = magic;
      this.raw = raw;
      this.current = member(format, raw);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (current != null) {
        int n = current.read(b, off, len);
        if (n >= 0) {
          return n;
        }
        current = nextMember() ? member(format, raw) : null;
      }
      return -1;
    }

    /** Whether another member starts where the last one ended (the stream left just before it). */
    private boolean nextMember() throws IOException {
      while (true) {
        raw.mark(1);
        int b = raw.read();
        if (b < 0) {
          return false;
        }
        if (b != 0) {
          raw.reset();
          break;
        }
      }
      raw.mark(magic.length);
      byte[] start = raw.readNBytes(magic.length);
      raw.reset();
      return java.util.Arrays.equals(start, magic);
    }

    @Override
    public void close() throws IOException {
      raw.close();
    }
  }

  /**
   * A decompressor whose failures on malformed input are I/O errors: some of Commons Compress's
   * throw unchecked exceptions (the LZW of .Z files, for one).
   */
  private static InputStream failingAsIo(InputStream in, String format) {
    return new java.io.FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        try {
          return in.read();
        } catch (RuntimeException e) {
          throw corrupt(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return in.read(b, off, len);
        } catch (RuntimeException e) {
          throw corrupt(e);
        }
      }

      @Override
      public long skip(long n) throws IOException {
        try {
          return in.skip(n);
        } catch (RuntimeException e) {
          throw corrupt(e);
        }
      }

      private IOException corrupt(RuntimeException e) {
        return new IOException("archive is corrupt: bad " + format + " stream: " + e.getMessage(), e);
      }
    };
  }

  /**
   * A stream that never says how much it could give without blocking. BufferedInputStream asks
   * between the reads of one large read; a file's stream answers with two system calls (its size
   * and position) each time.
   */
  private static InputStream withoutAvailable(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
      }

      @Override
      public int available() {
        return 0;
      }
    };
  }
}
