package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.myelin.DType;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.CrossEntropyOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every launch the part-2 kernels plan names a kernel declared in kernels/src/main/cuda and passes
 * exactly the parameter types it declares (no GPU needed: a wrong count or a float where a double
 * is expected would read garbage on the device and fail nowhere else).
 */
class KernelSignatureTest {
  static void check(Map<String, String> decls, KernelLaunch launch) {
    String declared = decls.get(launch.kernel());
    assertNotNull(declared, "no kernel " + launch.kernel() + " in kernels/src/main/cuda");
    assertEquals(declared, launch.args().signature(), launch.kernel() + " parameter types");
  }

  @Test
  void optimizerLaunchesMatchTheirKernels() {
    Map<String, String> decls = KernelDeclarations.load();
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (var c : CudaOptimizerParityTest.CONFIGS) {
        long[] s = new long[c.kind().stateCount()];
        check(decls, CudaOptimizerKernels.plan(c.kind(), c.h(), dt, 10, 1, 2, s, 3));
      }
    }
  }

  @Test
  void gatherLaunchesMatchTheirKernels() {
    Map<String, String> decls = KernelDeclarations.load();
    for (int bytes : new int[] {4, 8}) {
      check(decls, CudaKernels.gatherRowsPlan(bytes, 1, 10, 7, 2, 5, 3));
    }
    // INT32 and FLOAT32 share the 4-byte kernel, FLOAT64 takes the 8-byte one.
    assertEquals(
        "gather_rows_b32",
        CudaKernels.gatherRowsPlan(DType.INT32.byteSize(), 1, 1, 1, 2, 1, 3).kernel());
    assertEquals(
        "gather_rows_b64",
        CudaKernels.gatherRowsPlan(DType.FLOAT64.byteSize(), 1, 1, 1, 2, 1, 3).kernel());
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> CudaKernels.gatherRowsPlan(2, 1, 1, 1, 2, 1, 3));
  }

  static void check(Map<String, String> decls, CudaFusedKernels.Launch launch) {
    check(decls, new KernelLaunch(launch.kernel(), launch.args()));
    LaunchShape s = launch.shape();
    int threads = s.blockX() * s.blockY();
    // block_reduce needs whole warps; the hardware allows at most 1024 threads per block.
    org.junit.jupiter.api.Assertions.assertTrue(
        threads % 32 == 0 && threads <= 1024 && s.gridX() >= 1,
        launch.kernel() + " launch shape " + s);
  }

  @Test
  void fusedLaunchesMatchTheirKernels() {
    Map<String, String> decls = KernelDeclarations.load();
    CudaFusedKernels k = new CudaFusedKernels(264);
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (boolean probs : new boolean[] {false, true}) {
        for (boolean mean : new boolean[] {false, true}) {
          var o = new CrossEntropyOptions(65537, 3, probs, -100, 0.1, mean);
          check(decls, k.crossEntropy(o, dt, 1, 2, 3, 4, 5, 6));
          check(decls, k.crossEntropyTotal(o, dt, 1, 2, 3));
          check(decls, k.crossEntropyBackward(o, dt, 1, 2, 3, 4, 5, true, 6, 7));
        }
      }
      for (boolean training : new boolean[] {false, true}) {
        var o = new BatchNormOptions(1, 5, 65537, training, 0.1, 1e-5);
        check(decls, k.batchNorm(o, dt, 1, 2, 3, 4, 5, 6, 7, 8));
        check(decls, k.batchNormBackward(o, dt, 1, 2, 3, 4, 5, 6, 7, 8));
      }
      check(decls, k.layerNorm(3, 4099, 1e-5, dt, 1, 2, 3, 4, 5, 6));
      check(decls, k.layerNormBackwardRows(3, 4099, dt, 1, 2, 3, 4, 5, 6));
      check(decls, k.layerNormBackwardColumns(3, 4099, dt, 1, 2, 3, 4, 5, 6));
      check(decls, k.dropout(0.5, 1, 2, dt, 1, 2, 65537));
      check(decls, k.dropoutCounted(0.5, 1, 3, 2, dt, 1, 2, 65537));
    }
  }

  @Test
  void builtInGemmLaunchesMatchTheirKernels() {
    Map<String, String> decls = KernelDeclarations.load();
    var storage = (io.myelin.backend.Storage) null;
    var op = new io.myelin.backend.GemmOperand(storage, 0, 8, 64, false);
    var opT = new io.myelin.backend.GemmOperand(storage, 0, 8, 64, true);
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      check(
          decls, CudaGemm.plan(dt, 2, 7, 8, 9, 1, op, 1, opT, 2, 0, op, 3, 0, GemmActivation.NONE));
      LaunchShape s = CudaGemm.shape(dt, 70000, 1000, 129);
      org.junit.jupiter.api.Assertions.assertEquals(LaunchShape.MAX_GRID_YZ, s.gridZ());
    }
    check(
        decls,
        CudaGemm.plan(
            DType.FLOAT32, 1, 7, 8, 9, 1, op, 1, op, 2, 1, op, 3, 4, GemmActivation.GELU));
    // The float32 kernel's 16 x 16 thread grid of 8 x 8 outputs is the 256-thread 128-tile.
    LaunchShape s = CudaGemm.shape(DType.FLOAT32, 1, 129, 257);
    org.junit.jupiter.api.Assertions.assertEquals(new LaunchShape(3, 2, 1, 256, 1), s);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () ->
            CudaGemm.plan(
                DType.FLOAT64, 1, 1, 1, 1, 1, op, 1, op, 2, 0, op, 3, 4, GemmActivation.RELU));
  }

  @Test
  void convolutionAndPoolingLaunchesMatchTheirKernels() {
    Map<String, String> decls = KernelDeclarations.load();
    var g = io.myelin.backend.ConvGeometry.of(3, 9, 8, 3, 2, 2, 1, 1, 0, 2, 1);
    var p = io.myelin.backend.PoolGeometry.of(7, 7, 3, 3, 2, 2, 1, 1, true, false);
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      check(decls, CudaConvKernels.im2colPlan(dt, g, 5, 1, 2));
      check(decls, CudaConvKernels.col2imPlan(dt, g, 5, 1, 2));
      check(decls, CudaConvKernels.maxPool2dPlan(dt, p, 4, 1, 2, 3));
      check(decls, CudaConvKernels.maxPool2dBackwardPlan(dt, p, 4, 1, 2, 3));
      check(decls, CudaConvKernels.avgPool2dPlan(dt, p, 4, 1, 2));
      check(decls, CudaConvKernels.avgPool2dBackwardPlan(dt, p, 4, 1, 2));
    }
    // The geometry travels in the kernels' parameter order (names checked, not only types).
    var names = KernelDeclarations.parameterNames();
    assertEquals(
        java.util.List.of(
            "images",
            "channels",
            "height",
            "width",
            "kh",
            "kw",
            "sh",
            "sw",
            "ph",
            "pw",
            "dh",
            "dw",
            "out_h",
            "out_w",
            "x",
            "cols"),
        names.get("im2col_f32"));
    assertEquals(
        java.util.List.of(5, 3, 9, 8, 3, 2, 2, 1, 1, 0, 2, 1, g.outH(), g.outW(), 1L, 2L),
        CudaConvKernels.im2colPlan(DType.FLOAT32, g, 5, 1, 2).args().values());
    assertEquals(
        java.util.List.of(
            "planes",
            "height",
            "width",
            "kh",
            "kw",
            "sh",
            "sw",
            "ph",
            "pw",
            "out_h",
            "out_w",
            "count_include_pad",
            "gy",
            "indices",
            "gx"),
        names.get("max_pool2d_bwd_f32"));
    assertEquals(
        java.util.List.of(4, 7, 7, 3, 3, 2, 2, 1, 1, p.outH(), p.outW(), 0, 1L, 2L, 3L),
        CudaConvKernels.maxPool2dBackwardPlan(DType.FLOAT32, p, 4, 1, 2, 3).args().values());
  }
}
