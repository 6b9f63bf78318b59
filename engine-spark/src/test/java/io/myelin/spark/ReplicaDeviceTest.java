package io.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Device;
import io.myelin.backend.Availability;
import io.myelin.backend.Backend;
import io.myelin.backend.BackendProvider;
import io.myelin.backend.DeviceManager;
import java.lang.reflect.Proxy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device choice per partition, with fake providers (an "accel" type with three devices). */
class ReplicaDeviceTest {
  private record Fake(String name, int priority, Availability probe) implements BackendProvider {
    @Override
    public Availability probe() {
      return probe;
    }

    @Override
    public Backend create(int index) {
      return (Backend)
          Proxy.newProxyInstance(
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

  private static final Fake CPU = new Fake("cpu", 0, Availability.available(1, "cpu", List.of()));
  private static final Fake THREE =
      new Fake("accel", 100, Availability.available(3, "3 accelerators", List.of()));
  private static final Fake NONE =
      new Fake("accel", 100, Availability.unavailable("no accelerator driver"));

  private static DeviceManager manager(Fake... ps) {
    return new DeviceManager(List.of(ps), k -> null, k -> null);
  }

  @Test
  void autoSpreadsPartitionsOverTheExecutorsDevices() {
    DeviceManager dm = manager(CPU, THREE);
    for (int p = 0; p < 7; p++) {
      assertEquals(
          new Device("accel", p % 3), ReplicaDevice.choose("auto", p, dm), "partition " + p);
      assertEquals(
          new Device("accel", p % 3), ReplicaDevice.choose("accel", p, dm), "partition " + p);
    }
  }

  @Test
  void anIndexPinsEveryReplica() {
    DeviceManager dm = manager(CPU, THREE);
    for (int p = 0; p < 5; p++) {
      assertEquals(new Device("accel", 2), ReplicaDevice.choose("accel:2", p, dm));
      assertEquals(Device.CPU, ReplicaDevice.choose("cpu", p, dm));
    }
  }

  @Test
  void autoFallsBackToTheCpu() {
    DeviceManager dm = manager(CPU, NONE);
    assertEquals(Device.CPU, ReplicaDevice.choose("auto", 3, dm));
    assertEquals(Device.CPU, ReplicaDevice.choose(" AUTO ", 0, dm));
  }

  @Test
  void anUnusableDeviceIsOneMessageNamingSpecPartitionAndReason() {
    DeviceManager dm = manager(CPU, NONE);
    var e =
        assertThrows(IllegalArgumentException.class, () -> ReplicaDevice.choose("accel", 1, dm));
    assertTrue(
        e.getMessage().startsWith("the replica of partition 1 cannot use device 'accel':"),
        e.getMessage());
    assertTrue(e.getMessage().contains("no accelerator driver"), e.getMessage());
    var missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> ReplicaDevice.choose("accel:3", 0, manager(CPU, THREE)));
    assertTrue(
        missing.getMessage().contains("accel:3") && missing.getMessage().contains("3 device"),
        missing.getMessage());
  }

  @Test
  void specsAreCheckedForFormOnTheDriver() {
    assertEquals("auto", ReplicaDevice.checkSpec("Auto"));
    assertEquals("cuda:1", ReplicaDevice.checkSpec(" cuda:1 "));
    assertNull(ReplicaDevice.checkSpec(" "));
    var e = assertThrows(IllegalArgumentException.class, () -> ReplicaDevice.checkSpec("cuda:x"));
    assertTrue(e.getMessage().contains("cuda:x"), e.getMessage());
  }
}
