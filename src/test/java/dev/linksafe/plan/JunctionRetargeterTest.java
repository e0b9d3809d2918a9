package dev.linksafe.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.linksafe.model.ReparsePoint;
import dev.linksafe.platform.ReparseBufferCodec;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JunctionRetargeterTest {
  private final JunctionRetargeter data = new JunctionRetargeter("C:\\data", "D:\\backup\\data");

  @Test
  void innerJunctionIsRewrittenIntoTheCopy() {
    ReparsePoint j = ReparseBufferCodec.junction("\\??\\C:\\data\\projects", "C:\\data\\projects");
    ReparsePoint r = data.retarget(j).orElseThrow();
    assertEquals("\\??\\D:\\backup\\data\\projects", r.substituteName());
    assertEquals("D:\\backup\\data\\projects", r.printName());
    assertArrayEquals(ReparseBufferCodec.junction("\\??\\D:\\backup\\data\\projects",
        "D:\\backup\\data\\projects").raw(), r.raw(), "byte-exact, as Windows would write it");
  }

  @Test
  void matchIgnoresCaseAndKeepsTheRestAsWritten() {
    ReparsePoint j = ReparseBufferCodec.junction("\\??\\c:\\DATA\\Projects\\Q1", "c:\\DATA\\Projects\\Q1");
    assertEquals("\\??\\D:\\backup\\data\\Projects\\Q1", data.retarget(j).orElseThrow().substituteName());
  }

  @Test
  void junctionToTheRootItselfIsInner() {
    ReparsePoint j = ReparseBufferCodec.junction("\\??\\C:\\data\\", "C:\\data\\");
    assertEquals("D:\\backup\\data", data.retarget(j).orElseThrow().printName());
  }

  @Test
  void siblingWithACommonPrefixIsOuter() {
    ReparsePoint j = ReparseBufferCodec.junction("\\??\\C:\\database", "C:\\database");
    assertFalse(data.isInner(j));
    assertEquals(Optional.empty(), data.retarget(j));
  }

  @Test
  void otherDriveIsOuter() {
    assertFalse(data.isInner(ReparseBufferCodec.junction("\\??\\E:\\data\\x", "E:\\data\\x")));
  }

  @Test
  void migratingAWholeDriveUnderAnotherLetter() {
    JunctionRetargeter drive = new JunctionRetargeter("C:\\", "C:\\");
    ReparsePoint j = ReparseBufferCodec.junction("\\??\\C:\\Users\\All Users", "C:\\Users\\All Users");
    assertTrue(drive.isInner(j));
    assertEquals("\\??\\C:\\Users\\All Users", drive.retarget(j).orElseThrow().substituteName());
    JunctionRetargeter toE = new JunctionRetargeter("C:\\", "E:\\");
    assertEquals("E:\\Users\\All Users", toE.retarget(j).orElseThrow().printName());
  }

  @Test
  void unknownTargetRootLeavesJunctionsAlone() {
    JunctionRetargeter unknown = new JunctionRetargeter("C:\\data", null);
    ReparsePoint j = ReparseBufferCodec.junction("\\??\\C:\\data\\p", "C:\\data\\p");
    assertTrue(unknown.isInner(j));
    assertEquals(Optional.empty(), unknown.retarget(j));
  }
}
