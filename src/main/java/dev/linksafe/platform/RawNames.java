package dev.linksafe.platform;

import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Path;

/**
 * Names as text that keep their bytes. A name whose bytes are not valid in the file-name encoding
 * shows as U+FFFD in {@link Path#toString()}, which two such names can share; here each byte that
 * does not decode becomes a lone surrogate U+DC80..U+DCFF, which no valid name decodes to, and
 * {@link #resolve} turns such text back into the path with the original bytes.
 */
public final class RawNames {
  private RawNames() {}

  /** The last name of {@code path} as text that keeps its bytes. */
  public static String name(Path path) {
    Path name = path.getFileName();
    String text = name.toString();
    if (text.indexOf('\uFFFD') < 0 || path.getFileSystem() != FileSystems.getDefault()) {
      return text;
    }
    byte[] raw = LinuxFileSystemAccess.rawBytes(name);
    return LinuxFileSystemAccess.escapedString(raw, raw.length);
  }

  /** A whole path as text that keeps its bytes, as {@link #name} keeps a name's. */
  public static String text(Path path) {
    String text = path.toString();
    if (text.indexOf('\uFFFD') < 0 || path.getFileSystem() != FileSystems.getDefault()) {
      return text;
    }
    byte[] raw = LinuxFileSystemAccess.rawBytes(path);
    return LinuxFileSystemAccess.escapedString(raw, raw.length);
  }

  /** {@code dir} resolved against {@code relative}, text from {@link #name} joined with '/'. */
  public static Path resolve(Path dir, String relative) {
    if (!hasEscapes(relative) || dir.getFileSystem() != FileSystems.getDefault()) {
      return relative.isEmpty() ? dir : dir.resolve(relative);
    }
    byte[] bytes = LinuxFileSystemAccess.escapedBytes(relative);
    StringBuilder uri = new StringBuilder(dir.toAbsolutePath().toUri().getRawPath());
    if (uri.charAt(uri.length() - 1) != '/') {
      uri.append('/');
    }
    for (int i = 0; i < bytes.length - 1; i++) {
      int b = bytes[i] & 0xff;
      if (b == '/' || Character.isLetterOrDigit(b) && b < 0x80 || b == '.' || b == '-' || b == '_') {
        uri.append((char) b);
      } else {
        uri.append('%').append(String.format("%02X", b));
      }
    }
    // a file URI carries any bytes percent-encoded, and the JDK makes the path from them
    return Path.of(URI.create("file://" + uri));
  }

  /**
   * The path named by text from {@link #text} (a command-line argument, say): its bytes kept, so
   * a name that is not valid in the name encoding is found; relative ones against the working
   * directory.
   */
  public static Path path(String text) {
    if (!hasEscapes(text)) {
      return Path.of(text);
    }
    return text.startsWith("/") ? resolve(Path.of("/"), text.substring(1)) : resolve(Path.of("").toAbsolutePath(), text);
  }

  /** Text that keeps {@code raw}'s bytes: each byte that does not decode as a lone surrogate. */
  public static String text(byte[] raw) {
    return LinuxFileSystemAccess.escapedString(raw, raw.length);
  }

  /** The bytes of text from {@link #name} or {@link #text}. */
  public static byte[] bytes(String text) {
    return LinuxFileSystemAccess.escapedBytes(text, false);
  }

  /** Whether {@code text} holds bytes that are not valid in the name encoding. */
  public static boolean hasEscapes(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (isEscape(text, i)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code text} with each byte that is not valid in the name encoding (see {@link #text})
   * written as {@code each} gives it: as U+FFFD, where names are shown that way, or spelled out
   * where text must stay valid.
   */
  public static String replaceEscapes(String text, java.util.function.IntFunction<String> each) {
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      if (isEscape(text, i)) {
        b.append(each.apply(text.charAt(i) & 0xff));
      } else {
        b.append(text.charAt(i));
      }
    }
    return b.toString();
  }

  private static boolean isEscape(String text, int i) {
    char c = text.charAt(i);
    return c >= 0xDC80 && c <= 0xDCFF && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
  }
}
