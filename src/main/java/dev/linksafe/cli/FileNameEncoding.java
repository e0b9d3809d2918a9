package dev.linksafe.cli;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Makes the JVM read file names as UTF-8. The JVM takes the encoding of file names from the
 * locale once, at start; in the C or POSIX locale (cron's empty environment, {@code env -i})
 * every name with a byte from 0x80 becomes text that cannot be turned back into its path, so a
 * name could be neither copied through the index nor deleted. {@code bin/linksafe} sets a UTF-8
 * locale itself; a JVM started otherwise in such a locale starts itself again with
 * {@code LC_ALL=C.UTF-8}.
 */
final class FileNameEncoding {
  private static final String RELAUNCHED = "LINKSAFE_RELAUNCHED";
  /**
   * The command's own arguments as bytes (base64 of them joined by NUL): decoded in this locale
   * they already lost every byte from 0x80 ('?'), and a process started from here can only be
   * given text in this locale's encoding.
   */
  private static final String ARGUMENTS = "LINKSAFE_ARGUMENTS";

  private FileNameEncoding() {}

  /**
   * Runs this command line again in a JVM that reads names as UTF-8, when this one does not
   * (on Linux), and returns its exit code; null when this JVM is fine or cannot be restarted,
   * in which case a warning has been printed if names will suffer.
   */
  static Integer relaunchedIfNeeded(String[] args) {
    String encoding = System.getProperty("sun.jnu.encoding", "");
    if (isUtf8(encoding) || !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return null;
    }
    Optional<String> command = ProcessHandle.current().info().command();
    Optional<String[]> arguments = ProcessHandle.current().info().arguments();
    if (System.getenv(RELAUNCHED) != null || command.isEmpty() || arguments.isEmpty()
        || !asciiBefore(command.get(), args.length)) {
      System.err.println("linksafe: warning: file names are read as " + encoding
          + " in this locale, so names with bytes from 0x80 cannot be handled; run with LC_ALL=C.UTF-8");
      return null;
    }
    List<String> line = new ArrayList<>();
    line.add(command.get());
    line.addAll(List.of(arguments.get()));
    ProcessBuilder builder = new ProcessBuilder(line).inheritIO();
    builder.environment().put("LC_ALL", "C.UTF-8");
    builder.environment().put(RELAUNCHED, "1");
    byte[] raw = rawArguments(args);
    if (raw != null) {
      builder.environment().put(ARGUMENTS, java.util.Base64.getEncoder().encodeToString(raw));
    }
    try {
      Process child = builder.start();
      Runtime.getRuntime().addShutdownHook(new Thread(child::destroy));
      return child.waitFor();
    } catch (IOException e) {
      System.err.println("linksafe: warning: cannot restart with LC_ALL=C.UTF-8 (" + e.getMessage()
          + "); names with bytes from 0x80 cannot be handled");
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  /**
   * Whether the java command and its own options (all but the last {@code count} words of the
   * command line) are ASCII: only then can they be given again from this locale (a jar under a
   * non-ASCII folder could not be found).
   */
  private static boolean asciiBefore(String command, int count) {
    if (!command.chars().allMatch(c -> c < 0x80)) {
      return false;
    }
    byte[] cmdline;
    try {
      cmdline = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/cmdline"));
    } catch (IOException | RuntimeException e) {
      return false;
    }
    int words = 0;
    for (byte b : cmdline) {
      words += b == 0 ? 1 : 0;
    }
    int word = 0;
    for (byte b : cmdline) {
      if (word >= words - count) {
        break;
      }
      if (b == 0) {
        word++;
      } else if (b < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * This command's arguments as the kernel holds them (the last ones of /proc/self/cmdline),
   * joined by NUL; null where they cannot be matched with {@code args} for sure.
   */
  private static byte[] rawArguments(String[] args) {
    List<byte[]> mine = lastWords(args.length);
    if (mine == null) {
      return null;
    }
    Charset local = Charset.defaultCharset();
    java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < args.length; i++) {
      // each must be the word this JVM decoded into args[i] (not an @argfile's expansion)
      String decoded = new String(mine.get(i), Charset.forName(System.getProperty("sun.jnu.encoding", local.name())));
      if (!decoded.equals(args[i]) && !decoded.replaceAll("[^\\x00-\\x7f]", "?").equals(args[i])) {
        return null;
      }
      if (i > 0) {
        joined.write(0);
      }
      joined.writeBytes(mine.get(i));
    }
    return joined.toByteArray();
  }

  /** The arguments a restarted JVM was given as bytes by the one that started it, else {@code args}. */
  static String[] arguments(String[] args) {
    String raw = System.getenv(ARGUMENTS);
    if (raw == null || System.getenv(RELAUNCHED) == null) {
      return args;
    }
    try {
      byte[] bytes = java.util.Base64.getDecoder().decode(raw);
      List<String> words = new ArrayList<>();
      int start = 0;
      for (int i = 0; i <= bytes.length; i++) {
        if (i == bytes.length || bytes[i] == 0) {
          words.add(dev.linksafe.platform.RawNames.text(java.util.Arrays.copyOfRange(bytes, start, i)));
          start = i + 1;
        }
      }
      return words.size() == args.length || (args.length == 0 && bytes.length == 0) ? words.toArray(String[]::new) : args;
    } catch (IllegalArgumentException e) {
      return args;
    }
  }

  /**
   * {@code args} with each one that did not decode (U+FFFD in it) replaced by text that keeps its
   * bytes (see {@link dev.linksafe.platform.RawNames#text}), taken from /proc/self/cmdline: the
   * JVM decoded them as the locale says, so a SRC named with a byte that is not valid UTF-8 was
   * not found, where cp and rsync take any bytes.
   */
  static String[] keepingBytes(String[] args) {
    if (java.util.Arrays.stream(args).noneMatch(a -> a.indexOf('\uFFFD') >= 0)) {
      return args;
    }
    List<byte[]> mine = lastWords(args.length);
    if (mine == null) {
      return args;
    }
    Charset jnu = Charset.forName(System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));
    String[] kept = args.clone();
    for (int i = 0; i < args.length; i++) {
      // only a word this JVM decoded into args[i] (not an @argfile's expansion)
      if (args[i].indexOf('\uFFFD') >= 0 && new String(mine.get(i), jnu).equals(args[i])) {
        kept[i] = dev.linksafe.platform.RawNames.text(mine.get(i));
      }
    }
    return kept;
  }

  /**
   * The last {@code count} words of this process's command line as the kernel holds them (its
   * own arguments, after the JVM's), or null where they cannot be read.
   */
  private static List<byte[]> lastWords(int count) {
    byte[] cmdline;
    try {
      cmdline = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/cmdline"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    List<byte[]> words = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < cmdline.length; i++) {
      if (cmdline[i] == 0) {
        words.add(java.util.Arrays.copyOfRange(cmdline, start, i));
        start = i + 1;
      }
    }
    return words.size() < count ? null : words.subList(words.size() - count, words.size());
  }

  private static boolean isUtf8(String encoding) {
    try {
      return Charset.forName(encoding).equals(StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
