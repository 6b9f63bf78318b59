package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A multi-line message becomes one readable stderr line. */
class ErrorsTest {
  @Test
  void aListAfterAColonJoinsWithoutAStraySemicolon() {
    assertEquals(
        "Error(s) in loading state dict for Sequential (2); nothing was loaded: "
            + "missing key '0.weight'; unexpected key 'x'",
        Errors.oneLine(
            "Error(s) in loading state dict for Sequential (2); nothing was loaded:\n"
                + "  missing key '0.weight'\n  unexpected key 'x'\n"));
    assertEquals("first; second", Errors.oneLine("first\n second"));
  }

  @Test
  void coresDeviceAdviceIsSaidWithTheDeviceFlag() {
    // The exact sentence DeviceManager ends an unavailable device's message with.
    String core =
        "device cuda:0 is unavailable: libcuda.so.1 not found (ask for the device \"cpu\" or \"auto\")";
    assertEquals(
        "device cuda:0 is unavailable: libcuda.so.1 not found (use --device cpu or auto)",
        Errors.inFlags(core));
  }
}
