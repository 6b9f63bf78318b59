package io.myelin.spark;

import io.myelin.Device;
import io.myelin.backend.Availability;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.DeviceStatus;
import java.util.Locale;

/**
 * Which device a barrier task's replica runs on, chosen on the executor by core's {@link
 * DeviceManager} from a device spec in the CLI's grammar ({@code auto}, {@code cpu}, {@code cuda},
 * {@code cuda:N}; this class names no backend).
 *
 * <p>A spec without an index ({@code auto}, or a bare type such as {@code cuda}) spreads the
 * replicas that share an executor over its devices of the resolved type: the task of partition
 * {@code p} takes device {@code p mod count} (an executor with one device, or the CPU, gives every
 * task device 0). A spec with an index pins every replica to that device. A null or blank spec is
 * the executor's configured device ({@code MYELIN_DEVICE}, then {@code myelin.device}, then {@code
 * auto}), as for {@link DeviceManager#resolve}.
 */
final class ReplicaDevice {
  private ReplicaDevice() {}

  /**
   * Checks a spec's form on the driver (whether the device exists is known only on the executor).
   *
   * @throws IllegalArgumentException naming the spec and the accepted forms
   */
  static String checkSpec(String spec) {
    if (spec == null || spec.isBlank()) {
      return null;
    }
    String s = spec.strip().toLowerCase(Locale.ROOT);
    if (!s.equals("auto")) {
      Device.parse(s);
    }
    return s;
  }

  /**
   * The replica's device for the task of {@code partition}.
   *
   * @throws IllegalArgumentException naming the spec, the partition and the reason, when the device
   *     cannot be used on this executor
   */
  static Device choose(String spec, int partition, DeviceManager dm) {
    String text = spec == null || spec.isBlank() ? configured() : spec.strip();
    Device d;
    try {
      d = dm.resolve(text);
      if (!text.contains(":")) {
        int count = deviceCount(dm, d.type());
        if (count > 1) {
          d = new Device(d.type(), partition % count);
        }
      }
      dm.backend(d); // creates the backend now: a device that cannot start fails before training
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "the replica of partition "
              + partition
              + " cannot use device '"
              + text
              + "': "
              + e.getMessage(),
          e);
    }
    return d;
  }

  private static int deviceCount(DeviceManager dm, String type) {
    for (DeviceStatus s : dm.report()) {
      Availability a = s.availability();
      if (s.provider().equals(type) && a.available()) {
        return a.deviceCount();
      }
    }
    return 1;
  }

  /** The spec {@link DeviceManager#resolve} uses for a blank one, as text (to see an index). */
  private static String configured() {
    String e = System.getenv("MYELIN_DEVICE");
    if (e != null && !e.isBlank()) {
      return e.strip();
    }
    String p = System.getProperty("myelin.device");
    return p != null && !p.isBlank() ? p.strip() : "auto";
  }
}
