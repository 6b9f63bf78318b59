package io.myelin.cpu;

import io.myelin.backend.Availability;
import io.myelin.backend.Backend;
import io.myelin.backend.BackendProvider;
import java.util.List;

/**
 * Makes the CPU backend discoverable ({@code META-INF/services}). The CPU is always there, so the
 * probe only fails when the JVM was started without the vector module the kernels need, and says
 * how to fix that. Priority 0: any available accelerator wins {@code auto}.
 */
public final class CpuProvider implements BackendProvider {
  private volatile Availability cached;

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public int priority() {
    return 0;
  }

  @Override
  public Availability probe() {
    Availability a = cached;
    if (a == null) {
      a = computeProbe();
      cached = a;
    }
    return a;
  }

  private static Availability computeProbe() {
    String simd;
    try {
      simd = simdDescription();
    } catch (ExceptionInInitializerError e) {
      // VectorWidth refused -Dmyelin.cpu.vectorBits: its message names the property and the fix.
      return Availability.unavailable(
          e.getCause() != null ? e.getCause().getMessage() : String.valueOf(e));
    } catch (LinkageError e) {
      return Availability.unavailable(
          "the jdk.incubator.vector module is missing: start the JVM"
              + " with --add-modules jdk.incubator.vector");
    }
    int threads;
    try {
      threads = CpuThreads.fromEnvironment();
    } catch (IllegalArgumentException e) {
      return Availability.unavailable(e.getMessage());
    }
    // The summary line says threads and SIMD once; the detail lines say where the figures come
    // from.
    String summary = "CPU, " + threads + " threads, " + simd;
    return Availability.available(
        1,
        summary,
        List.of(
            "threads: "
                + threads
                + " (MYELIN_NUM_THREADS, default: available processors = "
                + Runtime.getRuntime().availableProcessors()
                + ")",
            "java: " + Runtime.version()));
  }

  /**
   * E.g. "512-bit SIMD (16 floats)", from the kernels' vector shape ({@link VectorWidth}: the
   * platform's preferred one unless {@code myelin.cpu.vectorBits} narrows it). The shape, not the
   * species: initialising {@code FloatVector} costs ~30 ms of class loading at start-up, which a
   * model whose calls all take the scalar paths never needs.
   */
  static String simdDescription() {
    int bits = VectorWidth.SHAPE.vectorBitSize();
    boolean narrowed = bits < jdk.incubator.vector.VectorShape.preferredShape().vectorBitSize();
    return bits
        + "-bit SIMD ("
        + bits / Float.SIZE
        + " floats)"
        + (narrowed ? ", narrowed by -Dmyelin.cpu.vectorBits" : "");
  }

  @Override
  public Backend create(int index) {
    if (index != 0) {
      throw new IllegalArgumentException("there is one cpu device (cpu:0), not cpu:" + index);
    }
    return new CpuBackend();
  }
}
