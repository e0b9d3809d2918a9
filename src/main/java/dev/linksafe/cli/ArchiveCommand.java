package dev.linksafe.cli;

import dev.linksafe.archive.ArchiveReport;
import dev.linksafe.archive.Compression;
import dev.linksafe.archive.TarWriter;
import dev.linksafe.model.Problem;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import dev.linksafe.platform.TempNames;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "archive", mixinStandardHelpOptions = true,
    description = {"Writes SRC as a POSIX (pax) tar archive with its links intact: each "
        + "hard-link group's first name as a file and the others as hard links, symlinks with "
        + "their exact targets, times to the nanosecond, modes and owners; junctions as symlinks "
        + "carrying their reparse buffer (pax header LINKSAFE.reparse); files with holes as GNU "
        + "sparse entries, their data only; with --xattrs, extended attributes. FILE '-' is "
        + "standard output. GNU tar and bsdtar read it."},
    footer = ExitCodes.HELP_FOOTER)
final class ArchiveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CommonOptions common;

  @Parameters(index = "0", paramLabel = "SRC", description = "The directory to archive.")
  Path source;

  @Parameters(index = "1", paramLabel = "FILE", description = "The archive to write, or - for standard output (not a terminal).")
  String file;

  @Option(names = "--compress", paramLabel = "HOW",
      description = "gzip, xz, zstd or none (default: from FILE's ending, .tar.gz, .tar.xz, .tar.zst; else none).")
  Compression compression;

  @Option(names = "--json", description = "Print the report as JSON (to standard error when FILE is -).")
  boolean json;

  @Option(names = "--xattrs", description = "Keep the extended attributes of files and directories "
      + "(SCHILY.xattr.* pax records, as GNU tar --xattrs and bsdtar write them).")
  boolean xattrs;

  @Override
  public Integer call() throws Exception {
    Arguments.existingDirectory(source, "SRC");
    if (List.of("/dev/stdout", "/dev/fd/1", "/proc/self/fd/1").contains(file)) {
      file = "-"; // standard output as it was opened (for appending, say), the report on standard error
    }
    Compression c = compression != null ? compression : file.equals("-") ? Compression.NONE : Compression.forName(file);
    var excludes = common.walkOptions(Main.configuration(), "archive").excludes();
    ArchiveReport report;
    if (file.equals("-")) {
      if (System.console() != null) {
        // as GNU tar does: an archive on the screen helps no one
        throw new UsageException("refusing to write the archive to a terminal: redirect standard output, or give FILE");
      }
      report = new TarWriter(excludes, standardOutputFile(), xattrs)
          .write(source, new FileOutputStream(java.io.FileDescriptor.out), c);
    } else {
      report = writeFile(dev.linksafe.platform.RawNames.path(file).toAbsolutePath(), c, excludes);
    }
    var err = spec.commandLine().getErr();
    var out = file.equals("-") ? err : spec.commandLine().getOut();
    if (json) {
      Output.json(out, report.toMap());
    } else {
      for (Problem p : report.problems()) {
        err.printf("linksafe: %s%n", p);
      }
      out.printf("archived %,d entries (%,d files, %,d hard links, %,d symlinks, %s)%n", report.entries(),
          report.files(), report.hardLinks(), report.symlinks(), Output.bytes(report.bytes()));
    }
    return report.errors() > 0 ? ExitCodes.PROBLEMS : ExitCodes.OK;
  }

  /**
   * Writes the archive to {@code named}. A regular file, or a name not there yet, is written
   * beside its final place (through a symlink at the name: beside what it points at) and renamed
   * into place, so an interrupted run leaves no half archive and a symlink stays a symlink.
   * Anything else that is there (a device, a FIFO, a pipe given as /dev/fd/N) is written
   * through, as tar writes it: renaming over it would replace the device or the pipe with a file.
   */
  private ArchiveReport writeFile(Path named, Compression c, dev.linksafe.scan.ExcludeFilter excludes)
      throws IOException {
    if (Files.isDirectory(named)) {
      throw new UsageException(file + " is a directory: give the archive's file name");
    }
    // a device, a FIFO, or a descriptor of this process (/dev/stdout, /dev/fd/N, even one on a
    // regular file, which may be open for appending) is written through
    if (Files.exists(named) && (!Files.isRegularFile(named) || named.startsWith("/dev") || named.startsWith("/proc"))) {
      try (OutputStream out = openThrough(named)) {
        return new TarWriter(excludes, null, xattrs).write(source, out, c);
      }
    }
    Path target = finalPlace(named);
    Temporary temp = createBeside(target, named);
    try (OutputStream out = temp.out()) {
      var access = dev.linksafe.platform.Platforms.forPath(temp.path());
      // an archive written inside the tree leaves itself out; known by the name made just now,
      // which must still be that file when it is renamed into place
      var self = access.stat(temp.path()).id();
      ArchiveReport report = new TarWriter(excludes, self, xattrs).write(source, out, c);
      out.close();
      try {
        if (!access.stat(temp.path()).id().equals(self)) {
          throw new IOException("its temporary file " + temp.path() + " was replaced while it was written");
        }
        keepModeAndOwner(target, temp.path());
        Files.move(temp.path(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new FileSystemException(named.toString(), null, "cannot write the archive: " + Problem.reason(e));
      }
      return report;
    } finally {
      deleteQuietly(temp.path());
    }
  }

  /**
   * Gives the archive the permissions and owner of the file it replaces, as tar's overwrite (which
   * truncates) keeps them: an archive made private stays private.
   */
  private static void keepModeAndOwner(Path replaced, Path temp) throws IOException {
    java.util.Map<String, Object> was;
    try {
      was = Files.readAttributes(replaced, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException | UnsupportedOperationException e) {
      return; // a new archive: made as the umask says
    }
    java.util.Map<String, Object> now = Files.readAttributes(temp, "unix:uid,gid", LinkOption.NOFOLLOW_LINKS);
    try {
      if (!was.get("uid").equals(now.get("uid"))) {
        Files.setAttribute(temp, "unix:uid", was.get("uid"), LinkOption.NOFOLLOW_LINKS);
      }
      if (!was.get("gid").equals(now.get("gid"))) {
        Files.setAttribute(temp, "unix:gid", was.get("gid"), LinkOption.NOFOLLOW_LINKS);
      }
    } catch (IOException notOurs) {
      // only root gives a file away; the archive is then the writer's, as tar's new file would be
    }
    Files.setAttribute(temp, "unix:mode", (Integer) was.get("mode") & 07777, LinkOption.NOFOLLOW_LINKS);
  }

  /** A temporary file made for the archive, and the stream that made it. */
  private record Temporary(Path path, OutputStream out) {}

  /**
   * The file standard output goes to, where it is one (Linux tells through /proc): left out of
   * the archive when it lies in the tree, as a named FILE is and as GNU tar leaves out its archive.
   */
  private static dev.linksafe.model.FileId standardOutputFile() {
    try {
      Path out = Path.of("/proc/self/fd/1");
      if (!Files.isRegularFile(out)) {
        return null;
      }
      Path real = out.toRealPath();
      return dev.linksafe.platform.Platforms.forPath(real).stat(real).id();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Where an archive named {@code named} ends up: the name itself, or what the symlink standing
   * there points at (followed to the end, dangling too, as tar writes through it).
   */
  private static Path finalPlace(Path named) throws IOException {
    Path at = named;
    for (int hops = 0; Files.isSymbolicLink(at); hops++) {
      if (hops == 40) {
        throw new FileSystemException(named.toString(), null, "cannot write the archive: too many levels of symbolic links");
      }
      Path parent = at.getParent().toRealPath();
      at = parent.resolve(Files.readSymbolicLink(at)).toAbsolutePath();
    }
    return at;
  }

  /**
   * Makes a new temporary file beside {@code target} and returns it open for writing: never one that is already there, and never through a symlink someone put
   * there (O_CREAT|O_EXCL), under a random name, and written through the descriptor that made
   * it, not opened again by name. A failure names the archive as asked for ({@code named}).
   */
  private static Temporary createBeside(Path target, Path named) throws IOException {
    String prefix = TempNames.PREFIX + target.getFileName() + ".";
    removeLeftovers(target, prefix);
    for (int attempt = 0; ; attempt++) {
      String random = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
      Path temp = target.resolveSibling(prefix + ProcessHandle.current().pid() + "." + random + ".tmp");
      try {
        return new Temporary(temp, Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
      } catch (FileAlreadyExistsException e) {
        if (attempt == 10) {
          throw e;
        }
      } catch (IOException e) {
        throw new FileSystemException(named.toString(), null, "cannot write the archive: " + Problem.reason(e));
      }
    }
  }

  /**
   * Removes what killed runs writing this archive left ({@code <prefix><pid>.<random>.tmp}),
   * only those whose process is gone.
   */
  private static void removeLeftovers(Path target, String prefix) {
    try (var siblings = Files.newDirectoryStream(target.getParent(), TempNames.PREFIX + "*.tmp")) {
      for (Path sibling : siblings) {
        String name = sibling.getFileName().toString();
        if (!name.startsWith(prefix)) {
          continue;
        }
        String[] rest = name.substring(prefix.length()).split("\\.");
        if (rest.length == 3 && rest[0].matches("[0-9]{1,18}") && rest[1].matches("[0-9a-f]{16}")
            && ProcessHandle.of(Long.parseLong(rest[0])).isEmpty()) {
          Files.deleteIfExists(sibling);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a leftover costs space, never correctness
    }
  }

  /** Opens a device, FIFO or pipe for writing; a failure names the archive asked for. */
  private static OutputStream openThrough(Path named) throws IOException {
    try {
      return Files.newOutputStream(named, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new FileSystemException(named.toString(), null, "cannot write the archive: " + Problem.reason(e));
    }
  }

  /** Removes the temporary file of a failed run; never masks that failure. */
  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // already gone: nothing to remove
    }
  }
}
