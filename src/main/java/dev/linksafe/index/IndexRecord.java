package dev.linksafe.index;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What a run saw of one source name and what it left at the destination: the source's
 * identity, size, times in nanoseconds, link count, kind and link target (JGit's
 * {@code FileSnapshot} idea), and the destination file's identity.
 *
 * @param kind the source entry's kind
 * @param sourceId the source file object
 * @param size its size
 * @param modifiedNanos its modification time
 * @param changedNanos its status change time: moves with chmod, chown and link count changes
 * @param linkCount its number of names
 * @param linkTarget the symlink target, or null
 * @param destinationId the destination file object written for it, or null
 * @param recordedNanos a time before the look at the file that this record keeps (when the walk
 *     entered its directory, or the run's start): times not safely older than this cannot prove
 *     the file unchanged
 */
public record IndexRecord(EntryKind kind, FileId sourceId, long size, long modifiedNanos,
    long changedNanos, int linkCount, String linkTarget, FileId destinationId, long recordedNanos) {

  private static final int FORMAT = 3;

  /** The record for a source status looked at after {@code recordedNanos}. */
  public static IndexRecord of(FileStatus s, String linkTarget, FileId destinationId, long recordedNanos) {
    return new IndexRecord(s.kind(), s.id(), s.size(), s.modifiedNanos(), s.changedNanos(),
        s.linkCount(), linkTarget, destinationId, recordedNanos);
  }

  /** Whether the source name still looks exactly as it did when this was recorded. */
  public boolean matches(FileStatus s, String currentLinkTarget) {
    return kind == s.kind() && sourceId.equals(s.id()) && size == s.size()
        && modifiedNanos == s.modifiedNanos() && changedNanos == s.changedNanos()
        && linkCount == s.linkCount()
        && java.util.Objects.equals(linkTarget, currentLinkTarget);
  }

  /**
   * The record in bytes: numbers as variable-length integers and the change and record times
   * as differences from the modification time, so that most records take about 35 bytes
   * instead of 72 (a run reads the whole index, and a commit writes whole directories).
   */
  byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(48);
    out.write(FORMAT);
    out.write(kind.ordinal() | (linkTarget != null ? HAS_TARGET : 0) | (destinationId != null ? HAS_DESTINATION : 0));
    writeVarLong(out, sourceId.volume());
    writeVarLong(out, sourceId.object());
    writeVarLong(out, size);
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (modifiedNanos >>> shift));
    }
    writeVarLong(out, changedNanos - modifiedNanos);
    writeVarLong(out, recordedNanos - modifiedNanos);
    writeVarLong(out, linkCount);
    if (linkTarget != null) {
      byte[] target = linkTarget.getBytes(StandardCharsets.UTF_8);
      writeVarLong(out, target.length);
      out.writeBytes(target);
    }
    if (destinationId != null) {
      writeVarLong(out, destinationId.volume());
      writeVarLong(out, destinationId.object());
    }
    return out.toByteArray();
  }

  private static final int HAS_TARGET = 0x40;
  private static final int HAS_DESTINATION = 0x80;
  private static final EntryKind[] KINDS = EntryKind.values();

  /** A signed number in 1 to 10 bytes, small magnitudes shortest (zigzag, 7 bits a byte). */
  private static void writeVarLong(ByteArrayOutputStream out, long value) {
    long v = (value << 1) ^ (value >> 63);
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static long readVarLong(ByteBuffer in) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      byte b = in.get();
      v |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return (v >>> 1) ^ -(v & 1);
      }
    }
    throw new IOException("index record number too long");
  }

  /** Decodes a record; throws IOException for one that is damaged or of another format. */
  static IndexRecord decode(byte[] raw) throws IOException {
    return decode(raw, 0, raw.length);
  }

  /** Decodes the record that lies at {@code raw[offset, offset + length)}. */
  static IndexRecord decode(byte[] raw, int offset, int length) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(raw, offset, length);
    try {
      int format = in.get() & 0xff;
      if (format != FORMAT) {
        throw new IOException("index record format " + format + ", expected " + FORMAT);
      }
      int flags = in.get() & 0xff;
      int kind = flags & ~(HAS_TARGET | HAS_DESTINATION);
      if (kind >= KINDS.length) {
        throw new IOException("index record kind " + kind + " unknown");
      }
      FileId source = new FileId(readVarLong(in), readVarLong(in));
      long size = readVarLong(in);
      long modified = in.getLong();
      long changed = modified + readVarLong(in);
      long recorded = modified + readVarLong(in);
      long links = readVarLong(in);
      String target = null;
      if ((flags & HAS_TARGET) != 0) {
        long targetLength = readVarLong(in);
        if (targetLength < 0 || targetLength > in.remaining()) {
          throw new IOException("index record cut short");
        }
        target = new String(raw, in.position(), (int) targetLength, StandardCharsets.UTF_8);
        in.position(in.position() + (int) targetLength);
      }
      FileId destination = (flags & HAS_DESTINATION) != 0 ? new FileId(readVarLong(in), readVarLong(in)) : null;
      if (in.hasRemaining() || links < 0 || links > Integer.MAX_VALUE) {
        throw new IOException("index record damaged");
      }
      return new IndexRecord(KINDS[kind], source, size, modified, changed, (int) links, target, destination, recorded);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IOException("index record cut short", e);
    }
  }
}
