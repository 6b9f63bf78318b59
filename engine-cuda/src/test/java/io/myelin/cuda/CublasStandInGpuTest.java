package io.myelin.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.myelin.DType;
import io.myelin.backend.GemmOperand;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CublasHandle} and {@link GemmPlan} (the SPI's row-major GEMM mapped onto column-major
 * cuBLAS) against the emulator's reference cuBLAS (cuda-emulator/cublas) on the emulated driver:
 * every transpose pair, batches, float and double, against a float64 reference; TF32 math mode
 * changes float results; a bad leading dimension comes back as CUBLAS_STATUS_INVALID_VALUE.
 *
 * <p>Runs only where the emulator is selected explicitly, as the CUDA test execution on the
 * emulator does (it runs the *GpuTest classes): {@code MYELIN_CUBLAS} names the stand-in and {@code
 * libcuda.so.1} on the loader path is the emulated driver (both recognised by their myelin_*
 * symbols). Skipped otherwise, so that the default test JVM never loads an emulated driver that
 * JCuda would then bind by soname.
 */
class CublasStandInGpuTest {
  private static Arena arena;
  private static CublasLibrary lib;
  private static MethodHandle memAlloc;
  private static MethodHandle memcpyHtoD;
  private static MethodHandle memcpyDtoH;
  private static MethodHandle memFree;
  private static MethodHandle streamSynchronize;

  @BeforeAll
  static void start() throws Throwable {
    String path = System.getenv(CublasLibrary.ENV);
    assumeTrue(
        path != null && !path.isBlank(), CublasLibrary.ENV + " is not set: not on the emulator");
    arena = Arena.ofShared();
    SymbolLookup driver;
    try {
      driver = SymbolLookup.libraryLookup("libcuda.so.1", arena);
    } catch (IllegalArgumentException e) {
      assumeTrue(false, "no libcuda.so.1 on the loader path: " + e.getMessage());
      return;
    }
    assumeTrue(
        driver.find("myelin_emu_enqueue").isPresent(), "libcuda.so.1 is not the emulated driver");
    var lookup = CublasLibrary.find(path, CublasLibrary.SONAMES);
    assertTrue(lookup.found(), lookup.description());
    lib = lookup.library();
    assumeTrue(
        SymbolLookup.libraryLookup(path, arena).find("myelin_cublas_round_tf32").isPresent(),
        CublasLibrary.ENV + "=" + path + " is not the emulator's cuBLAS stand-in");
    Linker linker = Linker.nativeLinker();
    MethodHandle init =
        linker.downcallHandle(
            driver.find("cuInit").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    MethodHandle retain =
        linker.downcallHandle(
            driver.find("cuDevicePrimaryCtxRetain").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    MethodHandle setCurrent =
        linker.downcallHandle(
            driver.find("cuCtxSetCurrent").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    memAlloc =
        linker.downcallHandle(
            driver.find("cuMemAlloc_v2").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    memcpyHtoD =
        linker.downcallHandle(
            driver.find("cuMemcpyHtoD_v2").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
    memcpyDtoH =
        linker.downcallHandle(
            driver.find("cuMemcpyDtoH_v2").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    memFree =
        linker.downcallHandle(
            driver.find("cuMemFree_v2").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    streamSynchronize =
        linker.downcallHandle(
            driver.find("cuStreamSynchronize").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    assertEquals(0, (int) init.invokeExact(0));
    MemorySegment ctx = arena.allocate(ADDRESS);
    assertEquals(0, (int) retain.invokeExact(ctx, 0));
    // The current context is per thread; JUnit runs these tests on this thread.
    assertEquals(0, (int) setCurrent.invokeExact(ctx.get(ADDRESS, 0)));
  }

  @AfterAll
  static void stop() {
    if (lib != null) {
      lib.close();
    }
    if (arena != null) {
      arena.close();
    }
  }

  private static long toDevice(double[] values, DType dt) throws Throwable {
    long bytes = (long) Math.max(values.length, 1) * dt.byteSize();
    MemorySegment out = arena.allocate(JAVA_LONG);
    assertEquals(0, (int) memAlloc.invokeExact(out, bytes));
    long d = out.get(JAVA_LONG, 0);
    MemorySegment host = arena.allocate(bytes, 8);
    for (int i = 0; i < values.length; i++) {
      if (dt == DType.FLOAT32) {
        host.setAtIndex(JAVA_FLOAT, i, (float) values[i]);
      } else {
        host.setAtIndex(JAVA_DOUBLE, i, values[i]);
      }
    }
    assertEquals(0, (int) memcpyHtoD.invokeExact(d, host, bytes));
    return d;
  }

  private static double[] toHost(long d, int n, DType dt) throws Throwable {
    // The handles use the default stream. CUDA orders a synchronous copy after the legacy default
    // stream's work anyway; the explicit wait keeps this test about cuBLAS, also in lazy mode.
    assertEquals(0, (int) streamSynchronize.invokeExact(MemorySegment.NULL));
    MemorySegment host = arena.allocate((long) Math.max(n, 1) * dt.byteSize(), 8);
    assertEquals(0, (int) memcpyDtoH.invokeExact(host, d, (long) n * dt.byteSize()));
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = dt == DType.FLOAT32 ? host.getAtIndex(JAVA_FLOAT, i) : host.getAtIndex(JAVA_DOUBLE, i);
    }
    return v;
  }

  private static double[] values(Random r, int n, DType dt) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = dt == DType.FLOAT32 ? (float) (r.nextDouble() * 2 - 1) : r.nextDouble() * 2 - 1;
    }
    return v;
  }

  /**
   * The SPI's row-major {@code C = alpha op(A) op(B) + beta C} for {@code batch} matrices through
   * GemmPlan and CublasHandle, as CudaGemm calls them; returns the largest error in units of the
   * rounding bound of the float64 reference (below 1 passes).
   */
  private static double run(
      CublasHandle h,
      DType dt,
      int batch,
      int m,
      int n,
      int k,
      boolean ta,
      boolean tb,
      boolean tf32Reference,
      Random r)
      throws Throwable {
    int aRows = ta ? k : m;
    int aCols = ta ? m : k;
    int bRows = tb ? n : k;
    int bCols = tb ? k : n;
    int lda = aCols + 2;
    int ldb = bCols + 1;
    int ldc = n + 3;
    int strideA = aRows * lda + 5;
    int strideB = bRows * ldb;
    int strideC = m * ldc + 1;
    double[] a = values(r, strideA * batch, dt);
    double[] b = values(r, strideB * batch, dt);
    double[] c = values(r, strideC * batch, dt);
    double alpha = 1.5;
    double beta = -0.25;
    long da = toDevice(a, dt);
    long db = toDevice(b, dt);
    long dc = toDevice(c, dt);
    GemmPlan plan =
        GemmPlan.columnMajor(
            m,
            n,
            k,
            new GemmOperand(null, 0, lda, strideA, ta),
            new GemmOperand(null, 0, ldb, strideB, tb),
            new GemmOperand(null, 0, ldc, strideC, false));
    h.gemm(dt, batch, plan, alpha, db, da, beta, dc, strideC);
    double[] got = toHost(dc, c.length, dt);
    double u = dt == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
    double worst = 0;
    for (int q = 0; q < batch; q++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double sum = 0;
          double magnitude = 0;
          for (int p = 0; p < k; p++) {
            double x = a[q * strideA + (ta ? p * lda + i : i * lda + p)];
            double y = b[q * strideB + (tb ? j * ldb + p : p * ldb + j)];
            if (tf32Reference) {
              x = CublasStandInGpuTest.tf32(x);
              y = CublasStandInGpuTest.tf32(y);
            }
            sum += x * y;
            magnitude += Math.abs(x * y);
          }
          int at = q * strideC + i * ldc + j;
          double expected = alpha * sum + beta * c[at];
          double bound = (k + 4) * u * (Math.abs(alpha) * magnitude + Math.abs(beta * c[at]));
          worst = Math.max(worst, Math.abs(got[at] - expected) / bound);
          c[at] = Double.NaN; // marks the elements written
        }
      }
    }
    for (int i = 0; i < c.length; i++) {
      if (!Double.isNaN(c[i])) {
        assertEquals(c[i], got[i], "padding element " + i + " of C changed");
      }
    }
    for (long d : new long[] {da, db, dc}) {
      assertEquals(0, (int) memFree.invokeExact(d));
    }
    return worst;
  }

  /** TF32 rounding of a float (10 mantissa bits, to nearest even), as the stand-in applies it. */
  private static double tf32(double v) {
    int bits = Float.floatToRawIntBits((float) v);
    bits += 0x0fff + ((bits >>> 13) & 1);
    return Float.intBitsToFloat(bits & 0xffffe000);
  }

  @Test
  void rowMajorGemmsThroughTheBindingMatchTheReference() throws Throwable {
    Random r = new Random(20261207);
    try (CublasHandle h = new CublasHandle(lib, 0)) {
      int cases = 0;
      for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
        for (int[] size : new int[][] {{1, 1, 1}, {5, 7, 3}, {17, 4, 33}, {2, 65, 9}}) {
          for (int t = 0; t < 4; t++) {
            for (int batch : new int[] {1, 3}) {
              boolean ta = (t & 1) != 0;
              boolean tb = (t & 2) != 0;
              double worst = run(h, dt, batch, size[0], size[1], size[2], ta, tb, false, r);
              assertTrue(
                  worst < 1,
                  dt
                      + " batch "
                      + batch
                      + " m n k "
                      + size[0]
                      + " "
                      + size[1]
                      + " "
                      + size[2]
                      + " transA "
                      + ta
                      + " transB "
                      + tb
                      + ": error "
                      + worst
                      + " x the rounding bound");
              cases++;
            }
          }
        }
      }
      assertEquals(64, cases);
    }
  }

  @Test
  void tf32MathModeRoundsFloatInputs() throws Throwable {
    Random r = new Random(7);
    try (CublasHandle h = new CublasHandle(lib, 0)) {
      h.setMathMode(CublasHandle.TF32_TENSOR_OP_MATH);
      Random same = new Random(7);
      assertTrue(
          run(h, DType.FLOAT32, 2, 9, 11, 64, false, true, true, r) < 1,
          "TF32: within the float32 bound of the reference on TF32-rounded inputs");
      double off = run(h, DType.FLOAT32, 2, 9, 11, 64, false, true, false, same);
      assertTrue(off > 8, "TF32: far from the exact-input reference (" + off + " x the bound)");
      h.setMathMode(CublasHandle.DEFAULT_MATH);
      assertTrue(
          run(h, DType.FLOAT32, 2, 9, 11, 64, false, true, false, new Random(7)) < 1,
          "default math again: float32 inputs unrounded");
    }
  }

  @Test
  void aTooSmallLeadingDimensionIsRefusedByCublas() throws Throwable {
    try (CublasHandle h = new CublasHandle(lib, 0)) {
      long d = toDevice(new double[64], DType.FLOAT32);
      // Row-major 4 x 4 A with ld 2 (< 4 columns): cuBLAS sees ldb 2 < k 4.
      GemmPlan plan =
          GemmPlan.columnMajor(
              4,
              4,
              4,
              GemmOperand.of(null, 0, 2),
              GemmOperand.of(null, 0, 4),
              GemmOperand.of(null, 0, 4));
      CudaException e =
          assertThrows(CudaException.class, () -> h.gemm(DType.FLOAT32, 1, plan, 1, d, d, 0, d, 0));
      assertTrue(e.getMessage().contains("CUBLAS_STATUS_INVALID_VALUE"), e.getMessage());
      assertEquals(0, (int) memFree.invokeExact(d));
    }
  }
}
