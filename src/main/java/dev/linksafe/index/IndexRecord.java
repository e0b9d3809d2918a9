package dev.linksafe.index;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileId;
import dev.linksafe.model.FileStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

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
 * @param recordedNanos when the run that recorded it started: times not safely older than this
 *     cannot prove the file unchanged
 */
public record IndexRecord(EntryKind kind, FileId sourceId, long size, long modifiedNanos,
    long changedNanos, int linkCount, String linkTarget, FileId destinationId, long recordedNanos) {

  private static final int FORMAT = 2;

  /** The record for a source status as seen now by a run that started at {@code recordedNanos}. */
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

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT);
      out.writeByte(kind.ordinal());
      out.writeLong(sourceId.volume());
      out.writeLong(sourceId.object());
      out.writeLong(size);
      out.writeLong(modifiedNanos);
      out.writeLong(changedNanos);
      out.writeInt(linkCount);
      out.writeBoolean(linkTarget != null);
      if (linkTarget != null) {
        out.writeUTF(linkTarget);
      }
      out.writeBoolean(destinationId != null);
      if (destinationId != null) {
        out.writeLong(destinationId.volume());
        out.writeLong(destinationId.object());
      }
      out.writeLong(recordedNanos);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static final EntryKind[] KINDS = EntryKind.values();

  /** Decodes a record; throws IOException for one that is damaged or of another format. */
  static IndexRecord decode(byte[] raw) throws IOException {
    // read in place (big-endian, as DataOutputStream wrote it): a stream pair per record cost
    // more than the rest of the look-up
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(raw);
    try {
      int format = in.get() & 0xff;
      if (format != FORMAT) {
        throw new IOException("index record format " + format + ", expected " + FORMAT);
      }
      int kind = in.get() & 0xff;
      if (kind >= KINDS.length) {
        throw new IOException("index record kind " + kind + " unknown");
      }
      FileId source = new FileId(in.getLong(), in.getLong());
      long size = in.getLong();
      long modified = in.getLong();
      long changed = in.getLong();
      int links = in.getInt();
      String target = in.get() != 0 ? readUtf(in) : null;
      FileId destination = in.get() != 0 ? new FileId(in.getLong(), in.getLong()) : null;
      long recorded = in.getLong();
      return new IndexRecord(KINDS[kind], source, size, modified, changed, links, target, destination, recorded);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IOException("index record cut short", e);
    }
  }

  /** A string as DataOutputStream.writeUTF wrote it: its length in two bytes, then modified UTF-8. */
  private static String readUtf(java.nio.ByteBuffer in) throws IOException {
    int length = in.getShort() & 0xffff;
    if (length > in.remaining()) {
      throw new IOException("index record cut short");
    }
    byte[] bytes = new byte[length + 2];
    bytes[0] = (byte) (length >>> 8);
    bytes[1] = (byte) length;
    in.get(bytes, 2, length);
    try (DataInputStream utf = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return utf.readUTF();
    }
  }
}
