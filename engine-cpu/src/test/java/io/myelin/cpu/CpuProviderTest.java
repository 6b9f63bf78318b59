package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.backend.Availability;
import io.myelin.backend.Backend;
import io.myelin.backend.BackendProvider;
import io.myelin.backend.CheckedBackend;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Discovery of the CPU backend through {@link ServiceLoader}, its probe and its creation. */
class CpuProviderTest {

  @Test
  void serviceLoaderFindsTheCpuProvider() {
    List<BackendProvider> cpu =
        ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(p -> p.name().equals("cpu"))
            .toList();
    assertEquals(1, cpu.size(), "exactly one cpu provider on the class path");
    assertTrue(cpu.get(0) instanceof CpuProvider);
    assertEquals(0, cpu.get(0).priority());
  }

  @Test
  void probeIsAvailableAndDescribesThreadsAndSimd() {
    CpuProvider p = new CpuProvider();
    Availability a = p.probe();
    assertTrue(a.available(), a.reason());
    assertEquals(1, a.deviceCount());
    int floats = VectorWidth.SHAPE.vectorBitSize() / Float.SIZE;
    String simd = (floats * 32) + "-bit SIMD (" + floats + " floats)";
    assertTrue(a.reason().contains(simd), a.reason());
    assertTrue(
        a.details().stream().anyMatch(d -> d.startsWith("threads: ")), a.details()::toString);
    assertTrue(
        a.details().stream().noneMatch(d -> d.contains("SIMD")),
        "`myelin devices` says the SIMD width once, in the summary: " + a.details());
    assertSame(a, p.probe(), "the answer is cached");
  }

  @Test
  void createsTheOneCpuDevice() {
    CpuProvider p = new CpuProvider();
    try (Backend b = p.create(0)) {
      assertEquals(Device.CPU, b.device());
      assertTrue(b.description().startsWith("CPU: "), b.description());
      b.allocate(DType.FLOAT32, 3).release();
    }
    assertThrows(IllegalArgumentException.class, () -> p.create(1));
  }

  @Test
  void rejectsForeignAndFreedStorage() {
    // As callers see the backends: checked views (the raw ones assume valid arguments).
    Backend one = CheckedBackend.of(new CpuBackend(1));
    Backend other = CheckedBackend.of(new CpuBackend(1));
    try (one;
        other) {
      var s = other.allocate(DType.FLOAT32, 4);
      var foreign =
          assertThrows(
              IllegalArgumentException.class, () -> one.copyFromHost(new float[4], 0, s, 0, 4));
      assertEquals(
          "copyFromHost: dst belongs to another backend instance of cpu", foreign.getMessage());
      assertThrows(
          IllegalArgumentException.class, () -> other.copyFromHost(new double[4], 0, s, 0, 4));
      s.release();
      assertThrows(IllegalStateException.class, () -> other.copyFromHost(new float[4], 0, s, 0, 4));
    }
  }
}
