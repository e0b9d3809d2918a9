package dev.linksafe.cli;

/** Bad input from the user: printed as a message, exit code 2. */
final class UsageException extends RuntimeException {
  UsageException(String message) {
    super(message);
  }
}
