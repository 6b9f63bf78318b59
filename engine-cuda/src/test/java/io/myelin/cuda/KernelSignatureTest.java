package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.myelin.DType;
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
        for (long t : new long[] {1, 2}) {
          long[] s = new long[c.kind().stateCount()];
          check(decls, CudaOptimizerKernels.plan(c.kind(), c.h(), t, dt, 10, 1, 2, s));
        }
      }
    }
  }
}
