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

  private FileNameEncoding() {}

  /**
   * Runs this command line again in a JVM that reads names as UTF-8, when this one does not
   * (on Linux), and returns its exit code; null when this JVM is fine or cannot be restarted,
   * in which case a warning has been printed if names will suffer.
   */
  static Integer relaunchedIfNeeded() {
    String encoding = System.getProperty("sun.jnu.encoding", "");
    if (isUtf8(encoding) || !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return null;
    }
    Optional<String> command = ProcessHandle.current().info().command();
    Optional<String[]> arguments = ProcessHandle.current().info().arguments();
    if (System.getenv(RELAUNCHED) != null || command.isEmpty() || arguments.isEmpty()) {
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

  private static boolean isUtf8(String encoding) {
    try {
      return Charset.forName(encoding).equals(StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
