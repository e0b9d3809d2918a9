package dev.linksafe.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The configuration file: Java properties whose keys are long option names without dashes
 * ({@code threads = 8}), optionally qualified by a command ({@code copy.threads = 4}). Values are
 * defaults: a flag on the command line wins. {@code exclude} holds whitespace-separated patterns
 * that are added to those given with {@code --exclude}.
 */
final class Configuration implements CommandLine.IDefaultValueProvider {
  static final Configuration EMPTY = new Configuration(new Properties(), null);

  private final Properties properties;
  private final Path source;

  private Configuration(Properties properties, Path source) {
    this.properties = properties;
    this.source = source;
  }

  /**
   * Loads {@code explicit} if given (it must exist), else the user's file if there is one:
   * {@code $XDG_CONFIG_HOME/linksafe/linksafe.conf} or {@code ~/.config/linksafe/linksafe.conf}.
   */
  static Configuration load(Path explicit) throws IOException {
    Path file = explicit;
    if (file == null) {
      String xdg = System.getenv("XDG_CONFIG_HOME");
      Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
      file = base.resolve("linksafe").resolve("linksafe.conf");
      if (!Files.isRegularFile(file)) {
        return EMPTY;
      }
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    return new Configuration(p, file);
  }

  /** Finds {@code --config FILE} or {@code --config=FILE} among raw arguments, before parsing. */
  static Path configArgument(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--")) {
        break;
      }
      if (args[i].equals("--config") && i + 1 < args.length) {
        return dev.linksafe.platform.RawNames.path(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return dev.linksafe.platform.RawNames.path(args[i].substring("--config=".length()));
      }
    }
    return null;
  }

  Path source() {
    return source;
  }

  String get(String command, String key) {
    String v = command == null ? null : properties.getProperty(command + "." + key);
    return v != null ? v.strip() : properties.getProperty(key) == null ? null : properties.getProperty(key).strip();
  }

  List<String> excludes(String command) {
    List<String> result = new ArrayList<>();
    String v = get(command, "exclude");
    if (v != null) {
      for (String p : v.split("\\s+")) {
        if (!p.isEmpty()) {
          result.add(p);
        }
      }
    }
    return result;
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (!(argSpec instanceof OptionSpec option) || option.longestName().equals("--exclude")) {
      return null;
    }
    String key = option.longestName().replaceFirst("^-+", "");
    String command = argSpec.command() == null ? null : argSpec.command().name();
    return get(command, key);
  }
}
