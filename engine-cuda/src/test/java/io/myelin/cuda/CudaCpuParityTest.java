package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.Backend;
import io.myelin.backend.Storage;
import io.myelin.cpu.CpuBackend;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;

/**
 * Base of the CUDA-vs-CPU parity tests: the same inputs go to the CPU backend (the reference) and
 * to cuda:0, the same primitive runs on both, and the outputs are compared. GPU outputs are
 * poisoned with NaN before each run so an element the kernel never wrote fails the comparison.
 * Skipped with the probe's reason where there is no GPU.
 */
abstract class CudaCpuParityTest extends CudaGpuTest {
  protected static final CpuBackend CPU = new CpuBackend(2);

  @AfterAll
  static void closeCpu() {
    // Shared by every subclass in this JVM; threads are daemons, nothing to close.
  }

  /** A CPU storage holding {@code v} rounded to {@code dt}. */
  protected static Storage cpu(DType dt, double[] v) {
    Storage s = CPU.allocate(dt, v.length);
    CPU.copyFromHost(host(dt, v), 0, s, 0, v.length);
    return s;
  }

  /** A GPU storage of {@code n} elements set to NaN (or Integer.MIN_VALUE for INT32). */
  protected Storage poisoned(DType dt, int n) {
    double[] v = new double[n];
    Arrays.fill(v, dt == DType.INT32 ? Integer.MIN_VALUE : Double.NaN);
    return upload(dt, v);
  }

  protected static double[] cpuDownload(Storage s) {
    return download(CPU, s);
  }

  static double[] download(Backend backend, Storage s) {
    int n = s.length();
    double[] out = new double[n];
    switch (s.dtype()) {
      case FLOAT32 -> {
        float[] f = new float[n];
        backend.copyToHost(s, 0, f, 0, n);
        for (int i = 0; i < n; i++) out[i] = f[i];
      }
      case FLOAT64 -> backend.copyToHost(s, 0, out, 0, n);
      case INT32 -> {
        int[] a = new int[n];
        backend.copyToHost(s, 0, a, 0, n);
        for (int i = 0; i < n; i++) out[i] = a[i];
      }
    }
    return out;
  }

  static Object host(DType dt, double[] v) {
    return switch (dt) {
      case FLOAT32 -> {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        yield f;
      }
      case FLOAT64 -> v.clone();
      case INT32 -> {
        int[] a = new int[v.length];
        for (int i = 0; i < v.length; i++) a[i] = (int) v[i];
        yield a;
      }
    };
  }

  /** GPU results against CPU results: relative {@code tol} with a floor of 1. */
  protected static void assertParity(
      double[] cpu, double[] gpu, DType dt, double tol32, String what) {
    assertClose(cpu, gpu, dt == DType.FLOAT32 ? tol32 : 1e-12, what);
  }
}
