package io.myelin.backend;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link BackendProvider#probe()} found: whether the backend can run here, why not when it
 * cannot, and details for {@code myelin devices} (GPU names, memory, GEMM path...).
 *
 * @param available true when {@link BackendProvider#create(int)} will succeed
 * @param deviceCount devices found (0 when unavailable)
 * @param reason one human-readable line: why it is unavailable, or a summary when it is
 * @param details extra lines for reports, one fact each
 */
public record Availability(
    boolean available, int deviceCount, String reason, List<String> details) {
  public Availability {
    Objects.requireNonNull(reason, "reason");
    details = List.copyOf(details);
  }

  public static Availability available(int deviceCount, String summary, List<String> details) {
    return new Availability(true, deviceCount, summary, details);
  }

  public static Availability unavailable(String reason) {
    return new Availability(false, 0, reason, List.of());
  }
}
