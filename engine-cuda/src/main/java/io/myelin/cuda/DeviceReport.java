package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.Layout;
import io.myelin.backend.Availability;
import io.myelin.backend.Backend;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;

/**
 * Prints what the CUDA probe found and, when a GPU is usable, runs a one-kernel smoke test on
 * cuda:0. Used by {@code scripts/gpu-check run} before the test suite, and handy on any machine:
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... io.myelin.cuda.DeviceReport}.
 *
 * <p>Exit status 0 when the report was printed (with or without a GPU), 1 when the GPU is available
 * but the smoke test failed.
 */
public final class DeviceReport {
  private DeviceReport() {}

  public static void main(String[] args) {
    CudaProvider provider = new CudaProvider();
    Availability a = provider.probe();
    System.out.println(
        "cuda: " + (a.available() ? "available" : "unavailable") + ": " + a.reason());
    for (String d : a.details()) {
      System.out.println("  " + d);
    }
    if (!a.available()) {
      return;
    }
    try (Backend b = provider.create(0)) {
      System.out.println("  backend: " + b.description());
      int n = 1000;
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = i - n / 2 + 0.5f;
      }
      Storage sx = b.allocate(DType.FLOAT32, n);
      Storage sy = b.allocate(DType.FLOAT32, n);
      b.copyFromHost(x, 0, sx, 0, n);
      b.unary(UnaryOp.RELU, 0, 0, sx, Layout.contiguous(n), sy, Layout.contiguous(n));
      float[] y = new float[n];
      b.copyToHost(sy, 0, y, 0, n);
      for (int i = 0; i < n; i++) {
        if (y[i] != Math.max(x[i], 0f)) {
          throw new IllegalStateException(
              "relu mismatch at " + i + ": " + y[i] + " vs " + Math.max(x[i], 0f));
        }
      }
      sx.release();
      sy.release();
      System.out.println("  smoke test: relu over " + n + " elements matches; " + b.memoryStats());
    } catch (Throwable t) {
      System.out.println("  smoke test FAILED: " + t);
      t.printStackTrace(System.out);
      System.exit(1);
    }
  }
}
