package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Device;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Device selection, fallback and messages, with fake providers (no real backend needed). */
class DeviceManagerTest {

  /** A provider whose probe answer is fixed; counts creations. */
  static class FakeProvider implements BackendProvider {
    final String name;
    final int priority;
    final Availability availability;
    final AtomicInteger created = new AtomicInteger();

    FakeProvider(String name, int priority, Availability availability) {
      this.name = name;
      this.priority = priority;
      this.availability = availability;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int priority() {
      return priority;
    }

    @Override
    public Availability probe() {
      return availability;
    }

    @Override
    public Backend create(int index) {
      created.incrementAndGet();
      return (Backend)
          java.lang.reflect.Proxy.newProxyInstance(
              Backend.class.getClassLoader(),
              new Class<?>[] {Backend.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "device" -> new Device(name, index);
                    case "toString" -> "fake " + name;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                  });
    }
  }

  private static final FakeProvider CPU =
      new FakeProvider("cpu", 0, Availability.available(1, "2 threads", List.of()));
  private static final FakeProvider NO_GPU =
      new FakeProvider(
          "cuda", 100, Availability.unavailable("libcuda.so.1 not found (no NVIDIA driver)"));
  private static final FakeProvider GPU =
      new FakeProvider("cuda", 100, Availability.available(2, "2 GPUs", List.of("H100")));

  private static DeviceManager manager(
      Map<String, String> env, Map<String, String> props, BackendProvider... ps) {
    return new DeviceManager(List.of(ps), env::get, props::get);
  }

  @Test
  void autoPrefersTheHighestPriorityAvailableBackend() {
    assertEquals(Device.cuda(0), manager(Map.of(), Map.of(), CPU, GPU).resolve("auto"));
    assertEquals(Device.CPU, manager(Map.of(), Map.of(), CPU, NO_GPU).resolve("auto"));
    assertEquals(Device.CPU, manager(Map.of(), Map.of(), NO_GPU, CPU).resolve(null));
  }

  @Test
  void environmentBeatsPropertyAndArgumentBeatsBoth() {
    DeviceManager m =
        manager(Map.of("MYELIN_DEVICE", "cuda:1"), Map.of("myelin.device", "cpu"), CPU, GPU);
    assertEquals(Device.cuda(1), m.resolve(null));
    assertEquals(Device.CPU, m.resolve("cpu"));
    DeviceManager p = manager(Map.of(), Map.of("myelin.device", "cpu"), CPU, GPU);
    assertEquals(Device.CPU, p.resolve(""));
    assertEquals(Device.CPU, p.defaultDevice());
  }

  @Test
  void defaultDeviceIsTheCpuUnlessConfigured() {
    assertEquals(Device.CPU, manager(Map.of(), Map.of(), CPU, GPU).defaultDevice());
    assertEquals(
        Device.cuda(0),
        manager(Map.of("MYELIN_DEVICE", "auto"), Map.of(), CPU, GPU).defaultDevice());
    try (var ignored = DeviceManager.useDevice(Device.cuda(1))) {
      assertEquals(Device.cuda(1), manager(Map.of(), Map.of(), CPU, GPU).defaultDevice());
    }
  }

  @Test
  void anExplicitlyRequestedUnavailableDeviceFailsWithTheReason() {
    DeviceManager m = manager(Map.of(), Map.of(), CPU, NO_GPU);
    var e = assertThrows(DeviceUnavailableException.class, () -> m.resolve("cuda"));
    assertTrue(e.getMessage().contains("libcuda.so.1 not found"), e.getMessage());
    // Core names the API's choice, not a command-line flag (the CLI maps it to --device).
    assertTrue(e.getMessage().endsWith("(ask for the device \"cpu\" or \"auto\")"), e.getMessage());
    assertFalse(e.getMessage().contains("--"), e.getMessage());
    var idx =
        assertThrows(
            DeviceUnavailableException.class,
            () -> manager(Map.of(), Map.of(), CPU, GPU).resolve("cuda:2"));
    assertTrue(idx.getMessage().contains("2 device(s)"), idx.getMessage());
    var none =
        assertThrows(
            DeviceUnavailableException.class,
            () -> manager(Map.of(), Map.of(), CPU).resolve("cuda"));
    assertTrue(none.getMessage().contains("add myelin-cuda"), none.getMessage());
  }

  @Test
  void malformedSpecsAreRejectedWithTheAcceptedForms() {
    DeviceManager m = manager(Map.of(), Map.of(), CPU);
    var e = assertThrows(IllegalArgumentException.class, () -> m.resolve("cuda:x"));
    assertTrue(e.getMessage().contains("cuda:N"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> m.resolve("gpu-1"));
  }

  @Test
  void backendsAreCreatedOncePerDevice() {
    FakeProvider cpu = new FakeProvider("cpu", 0, Availability.available(1, "", List.of()));
    DeviceManager m = manager(Map.of(), Map.of(), cpu);
    assertSame(m.backend(Device.CPU), m.backend(Device.CPU));
    assertEquals(1, cpu.created.get());
  }

  @Test
  void aThrowingProbeIsReportedNotPropagated() {
    BackendProvider bad =
        new FakeProvider("cuda", 100, null) {
          @Override
          public Availability probe() {
            throw new UnsatisfiedLinkError("no JCudaDriver in java.library.path");
          }
        };
    DeviceManager m = manager(Map.of(), Map.of(), CPU, bad);
    assertEquals(Device.CPU, m.resolve("auto"));
    DeviceStatus s = m.report().get(0);
    assertEquals("cuda", s.provider());
    assertTrue(s.availability().reason().contains("JCudaDriver"), s.availability().reason());
  }

  @Test
  void noProviderAtAllSaysWhatToAdd() {
    var e =
        assertThrows(
            DeviceUnavailableException.class, () -> manager(Map.of(), Map.of()).resolve("auto"));
    assertTrue(e.getMessage().contains("myelin-cpu"), e.getMessage());
  }
}
