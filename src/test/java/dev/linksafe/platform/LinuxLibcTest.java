package dev.linksafe.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LinuxLibcTest {
  @Test
  void noFollowFlagFollowsTheArchitecture() {
    assertEquals(0400000, LinuxLibc.oNoFollow("x86-64"));
    assertEquals(0100000, LinuxLibc.oNoFollow("aarch64"));
    assertEquals(0100000, LinuxLibc.oNoFollow("armel"));
    assertEquals(0100000, LinuxLibc.oNoFollow("ppc64le"));
  }
}
