package io.myelin.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import io.myelin.backend.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jcuda.driver.CUevent;

/**
 * Float32 GEMM timings on cuda:0, cuBLAS path and built-in kernel, timed with CUDA events around a
 * batch of repetitions after warm-up (as {@code bench/scripts/gemm_torch.py} times torch.matmul, so
 * the two outputs compare line by line).
 *
 * <p>Output: one CSV line per case, {@code gemm,<label>,<m>,<n>,<k>,<path>,<ms>,<tflops>}.
 * Arguments: optional {@code --quick} (square sizes up to 2048 only).
 */
public final class GemmBenchmark {
  private GemmBenchmark() {}

  /** label, m, n, k, transA, transB: square sizes and an MLP's forward and backward shapes. */
  record Case(String label, int m, int n, int k, boolean ta, boolean tb) {}

  static List<Case> cases(boolean quick) {
    List<Case> cases = new ArrayList<>();
    for (int s : new int[] {1024, 2048, 4096, 8192}) {
      if (!quick || s <= 2048) {
        cases.add(new Case("square" + s, s, s, s, false, false));
      }
    }
    // Linear(784 -> 1024 -> 1024 -> 10) at batch 512: forward x W^T, backward dX = dY W, dW = dY^T
    // X.
    cases.add(new Case("mlp_fwd_784x1024", 512, 1024, 784, false, true));
    cases.add(new Case("mlp_fwd_1024x1024", 512, 1024, 1024, false, true));
    cases.add(new Case("mlp_fwd_1024x10", 512, 10, 1024, false, true));
    cases.add(new Case("mlp_bwd_dx_1024x1024", 512, 1024, 1024, false, false));
    cases.add(new Case("mlp_bwd_dw_1024x1024", 1024, 1024, 512, true, false));
    return cases;
  }

  public static void main(String[] args) {
    boolean quick = List.of(args).contains("--quick");
    CudaProvider provider = new CudaProvider();
    var a = provider.probe();
    if (!a.available()) {
      System.out.println("# no GPU: " + a.reason());
      return;
    }
    try (CudaBackend b = (CudaBackend) provider.create(0)) {
      System.out.println("# " + b.description());
      for (Case c : cases(quick)) {
        run(b, c, false);
        if (b.gemmPath().startsWith("cuBLAS")
            && (long) c.m() * c.n() * c.k() <= 4096L * 4096 * 4096) {
          run(
              b, c,
              true); // the built-in kernel, for part 2's comparison (skipped at 8192: minutes)
        }
      }
    }
  }

  private static void run(CudaBackend b, Case c, boolean builtIn) {
    int m = c.m(), n = c.n(), k = c.k();
    Storage sa = b.allocate(DType.FLOAT32, m * k);
    Storage sb = b.allocate(DType.FLOAT32, k * n);
    Storage sc = b.allocate(DType.FLOAT32, m * n);
    b.randomUniform(sa, 0, m * k, 1, 0, -1, 1);
    b.randomUniform(sb, 0, k * n, 2, 0, -1, 1);
    GemmOperand oa = new GemmOperand(sa, 0, c.ta() ? m : k, 0, c.ta());
    GemmOperand ob = new GemmOperand(sb, 0, c.tb() ? k : n, 0, c.tb());
    GemmOperand oc = GemmOperand.of(sc, 0, n);
    Runnable once = () -> b.gemm(1, m, n, k, 1.0, oa, ob, 0.0, oc, builtIn);
    for (int i = 0; i < 3; i++) {
      once.run();
    }
    b.synchronize();
    double flops = 2.0 * m * n * k;
    int reps = (int) Math.max(3, Math.min(200, 2e12 / flops / (builtIn ? 20 : 1)));
    float ms = time(b, once, reps) / reps;
    System.out.printf(
        Locale.ROOT,
        "gemm,%s,%d,%d,%d,%s,%.4f,%.2f%n",
        c.label(),
        m,
        n,
        k,
        builtIn
            ? "myelin-builtin"
            : "myelin-" + (b.gemmPath().startsWith("cuBLAS") ? "cublas" : "builtin"),
        ms,
        flops / (ms * 1e-3) / 1e12);
    sa.release();
    sb.release();
    sc.release();
  }

  /** Milliseconds for {@code reps} runs of {@code work}, timed with events on the stream. */
  static float time(CudaBackend b, Runnable work, int reps) {
    CudaContext ctx = b.context();
    ctx.makeCurrent();
    CUevent start = new CUevent();
    CUevent stop = new CUevent();
    Driver.check(cuEventCreate(start, 0), "cuEventCreate");
    Driver.check(cuEventCreate(stop, 0), "cuEventCreate");
    try {
      Driver.check(cuEventRecord(start, ctx.stream()), "cuEventRecord");
      for (int i = 0; i < reps; i++) {
        work.run();
      }
      Driver.check(cuEventRecord(stop, ctx.stream()), "cuEventRecord");
      Driver.check(cuEventSynchronize(stop), "cuEventSynchronize");
      float[] ms = new float[1];
      Driver.check(cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
      return ms[0];
    } finally {
      cuEventDestroy(start);
      cuEventDestroy(stop);
    }
  }
}
