package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.linksafe.model.EntryKind;
import dev.linksafe.model.FileStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory listed and looked at through one opening, as the walk does. */
class DirectoryListingTest {
  @TempDir Path base;

  @Test
  void listsEveryNameOnceAcrossManyReadsAndLooksAtEach() throws Exception {
    FileSystemAccess access = Platforms.forPath(base);
    Path dir = Files.createDirectory(base.resolve("wide"));
    Set<String> made = new HashSet<>();
    // about 600 KiB of directory records: many getdents64 calls of one buffer each
    for (int i = 0; i < 3000; i++) {
      String name = String.format("%04d-", i) + "n".repeat(180);
      Files.createFile(dir.resolve(name));
      made.add(name);
    }
    Files.createDirectory(dir.resolve("sub"));
    made.add("sub");
    Set<String> listed = new HashSet<>();
    try (FileSystemAccess.Listing listing = access.list(dir)) {
      for (int i = 0; i < listing.size(); i++) {
        Path name = listing.name(i);
        assertEquals(1, name.getNameCount());
        listed.add(name.toString());
        FileStatus status = listing.statIfExists(i);
        assertEquals(name.toString().equals("sub") ? EntryKind.DIRECTORY : EntryKind.REGULAR_FILE, status.kind());
        assertEquals(access.stat(dir.resolve(name)).id(), status.id());
      }
      assertEquals(made.size(), listing.size(), "no name twice, no '.' or '..'");
    }
    assertEquals(made, listed);
  }

  @Test
  void aNameGoneSinceTheListingHasNoStatus() throws Exception {
    FileSystemAccess access = Platforms.forPath(base);
    Path dir = Files.createDirectory(base.resolve("d"));
    Files.writeString(dir.resolve("going"), "x");
    try (FileSystemAccess.Listing listing = access.list(dir)) {
      Files.delete(dir.resolve("going"));
      assertEquals(1, listing.size());
      assertNull(listing.statIfExists(0));
      assertNull(listing.statIfExists(dir.resolve("going")));
    }
  }

  @Test
  void aDirectoryThatBecameALinkIsNotListedThroughIt() throws Exception {
    FileSystemAccess access = Platforms.forPath(base);
    Path elsewhere = Files.createDirectory(base.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve("secret"), "x");
    Path link = Files.createSymbolicLink(base.resolve("was-a-directory"), elsewhere);
    // the walk saw a directory here; what stands now is a link, and it is not followed
    assertThrows(IOException.class, () -> access.list(link).close());
    assertThrows(NoSuchFileException.class, () -> access.list(base.resolve("missing")));
    try (FileSystemAccess.Listing listing = access.list(base)) {
      Set<String> names = Stream.iterate(0, i -> i + 1).limit(listing.size())
          .map(i -> listing.name(i).toString()).collect(Collectors.toSet());
      assertEquals(Set.of("elsewhere", "was-a-directory"), names);
      assertNotNull(listing.stat(link));
    }
  }
}
