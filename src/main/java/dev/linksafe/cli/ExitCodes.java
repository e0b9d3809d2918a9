package dev.linksafe.cli;

/** The process exit codes, as documented in {@code --help} and the README. */
final class ExitCodes {
  static final int OK = 0;
  static final int PROBLEMS = 1;
  static final int USAGE = 2;
  static final int FATAL = 3;

  static final String HELP_FOOTER = "%nExit codes:%n"
      + "  0  success%n"
      + "  1  finished, with per-entry problems (listed) or differences found%n"
      + "  2  usage error%n"
      + "  3  fatal error: nothing or only part was done%n";

  private ExitCodes() {}
}
