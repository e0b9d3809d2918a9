/** The command line: picocli commands that parse, call the engine and print; no file-system logic. */
package dev.linksafe.cli;
