package dev.linksafe.cli;

import dev.linksafe.model.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code linksafe} command: parses, dispatches, and maps outcomes to exit codes. */
@Command(name = "linksafe", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {"Backs up, copies and verifies trees while keeping hard links, symlinks and "
        + "NTFS junctions intact.", ""},
    footer = ExitCodes.HELP_FOOTER)
public final class Main implements Runnable {
  private static volatile Configuration configuration = Configuration.EMPTY;

  /** The commands, in the order the help lists them. */
  private static final Map<String, Supplier<Object>> COMMANDS = commands();

  private static Map<String, Supplier<Object>> commands() {
    Map<String, Supplier<Object>> commands = new LinkedHashMap<>();
    commands.put("scan", ScanCommand::new);
    commands.put("copy", CopyCommand::new);
    commands.put("mirror", MirrorCommand::new);
    commands.put("snapshot", SnapshotCommand::new);
    commands.put("snapshots", SnapshotsCommand::new);
    commands.put("prune", PruneCommand::new);
    commands.put("restore", RestoreCommand::new);
    commands.put("archive", ArchiveCommand::new);
    commands.put("extract", ExtractCommand::new);
    commands.put("verify", VerifyCommand::new);
    commands.put("demo", DemoCommand::new);
    commands.put("help", CommandLine.HelpCommand::new);
    return Collections.unmodifiableMap(commands);
  }

  public static void main(String[] args) {
    Integer relaunched = FileNameEncoding.relaunchedIfNeeded(args);
    if (relaunched != null) {
      System.exit(relaunched);
    }
    args = FileNameEncoding.keepingBytes(FileNameEncoding.arguments(args));
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line and returns the exit code; the entry point for tests. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Main());
    // picocli reads every registered command's annotations when it is registered (about 0.2 s
    // for all of them): a command line naming one command registers only that one
    Supplier<Object> named = args.length > 0 && !args[0].equals("help") ? COMMANDS.get(args[0]) : null;
    if (named != null) {
      cl.addSubcommand(args[0], named.get());
    } else {
      COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
    }
    configured(cl, out, err);
    try {
      configuration = Configuration.load(Configuration.configArgument(args));
    } catch (IOException e) {
      err.println("linksafe: cannot read configuration: " + describe(e));
      return ExitCodes.USAGE;
    } catch (IllegalArgumentException e) {
      err.println("linksafe: bad configuration: " + e.getMessage());
      return ExitCodes.USAGE;
    }
    cl.setDefaultValueProvider(configuration);
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /**
   * Sets up a command line as linksafe's: paths keep their bytes, errors are told in linksafe's
   * words and exit codes. For the top level, and for a command another one runs (restore's copy).
   */
  static CommandLine configured(CommandLine cl, PrintWriter out, PrintWriter err) {
    // a path given with bytes that are not valid in the name encoding keeps them
    cl.registerConverter(Path.class, dev.linksafe.platform.RawNames::path);
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler((e, given) -> {
      CommandLine command = e.getCommandLine();
      String message = e.getMessage();
      if (e instanceof CommandLine.MissingParameterException) {
        // picocli checks the required parameters first: an unknown option that took a
        // parameter's place is what went wrong
        for (String unmatched : command.getUnmatchedArguments()) {
          if (unmatched.startsWith("-") && unmatched.length() > 1) {
            message = "Unknown option: '" + unmatched + "'";
            break;
          }
        }
      }
      err.println(message);
      if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, err)) {
        command.usage(err);
      }
      return ExitCodes.USAGE;
    });
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof UsageException) {
        err.println("linksafe: " + e.getMessage());
        return ExitCodes.USAGE;
      }
      if (e instanceof IOException io) {
        err.println("linksafe: " + describe(io));
        return ExitCodes.FATAL;
      }
      err.println("linksafe: fatal: " + e);
      if (System.getenv("LINKSAFE_DEBUG") != null) {
        e.printStackTrace(err);
      }
      return ExitCodes.FATAL;
    });
    return cl;
  }

  static Configuration configuration() {
    return configuration;
  }

  static String describe(IOException e) {
    String file = e instanceof java.nio.file.FileSystemException f && f.getFile() != null ? f.getFile() + ": " : "";
    return file + Problem.reason(e);
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"linksafe " + (v == null ? "(development build)" : v)};
    }
  }
}
