package io.myelin;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a tensor lives: a backend name ({@code cpu}, {@code cuda}, ...) and a device index.
 *
 * <p>A device is only a value; the {@link io.myelin.backend.DeviceManager} maps it to the backend
 * that runs it. Core code never branches on the name.
 *
 * @param type backend name, lower case (e.g. {@code "cpu"}, {@code "cuda"})
 * @param index device ordinal within that backend (0 for the CPU)
 */
public record Device(String type, int index) {
  /** The host CPU. */
  public static final Device CPU = new Device("cpu", 0);

  public Device {
    Objects.requireNonNull(type, "type");
    type = type.toLowerCase(Locale.ROOT);
    if (type.isBlank()) {
      throw new IllegalArgumentException("device type must not be blank");
    }
    if (index < 0) {
      throw new IllegalArgumentException("device index must be >= 0, got " + index);
    }
  }

  /** CUDA device number {@code index}. */
  public static Device cuda(int index) {
    return new Device("cuda", index);
  }

  /**
   * Parses {@code cpu}, {@code cuda}, {@code cuda:1}. ({@code auto} is resolved by the
   * DeviceManager, not here.)
   *
   * @throws IllegalArgumentException naming the text and the accepted forms
   */
  public static Device parse(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.trim().toLowerCase(Locale.ROOT);
    int colon = t.indexOf(':');
    String type = colon < 0 ? t : t.substring(0, colon);
    int index = 0;
    if (colon >= 0) {
      try {
        index = Integer.parseInt(t.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "bad device '" + text + "': expected cpu, cuda or cuda:N with N a device number");
      }
    }
    if (type.isEmpty() || !type.chars().allMatch(c -> c >= 'a' && c <= 'z')) {
      throw new IllegalArgumentException(
          "bad device '" + text + "': expected cpu, cuda or cuda:N with N a device number");
    }
    return new Device(type, index);
  }

  @Override
  public String toString() {
    return type.equals("cpu") ? "cpu" : type + ":" + index;
  }
}
