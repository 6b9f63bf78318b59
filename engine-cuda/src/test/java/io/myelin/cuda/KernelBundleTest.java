package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.myelin.DType;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.UnaryOp;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fatbin resources exist (when nvcc built them) and hold every kernel the backend launches. */
class KernelBundleTest {

  static boolean nvccOnPath() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (new File(dir, "nvcc").canExecute()) {
        return true;
      }
    }
    return false;
  }

  /** Every kernel name CudaKernels and CudaGemm can ask for. */
  static List<String> expectedKernels() {
    List<String> names = new ArrayList<>();
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      String s = "_" + dt.shortName();
      for (UnaryOp op : UnaryOp.values()) {
        names.add(op.kernelName() + s);
        names.add(op.kernelName() + "_bwd" + s);
      }
      for (BinaryOp op : BinaryOp.values()) {
        names.add(op.kernelName() + s);
      }
      for (ReduceOp op : ReduceOp.values()) {
        names.add(op.kernelName() + "_rows" + s);
        names.add(op.kernelName() + "_cols" + s);
      }
      for (String root :
          new String[] {
            "softmax",
            "log_softmax",
            "softmax_bwd",
            "log_softmax_bwd",
            "uniform",
            "normal",
            "where",
            "optim_sgd",
            "optim_sgd_avg",
            "optim_adam",
            "optim_adamax",
            "optim_nadam",
            "optim_rmsprop",
            "optim_adagrad",
            "optim_adadelta",
            "ce_forward",
            "ce_total",
            "ce_backward",
            "bn_forward_train",
            "bn_forward_infer",
            "bn_backward",
            "ln_forward",
            "ln_backward_rows",
            "ln_backward_cols",
            "dropout"
          }) {
        names.add(root + s);
      }
    }
    for (DType from : DType.values()) {
      names.add("fill_" + from.shortName());
      for (DType to : DType.values()) {
        names.add("copy_" + from.shortName() + "_" + to.shortName());
      }
    }
    names.add("philox_words_i32");
    names.add("gather_rows_b32");
    names.add("gather_rows_b64");
    names.add("sgemm_tiled_f32");
    names.add("gemm_tiled_f64");
    return names;
  }

  @Test
  void fatbinResourcesArePackagedWhenNvccExists() {
    assumeTrue(nvccOnPath(), "nvcc is not on PATH, so the build skipped the kernels");
    KernelBundle bundle = KernelBundle.load(getClass().getClassLoader());
    for (String family : KernelBundle.FAMILIES) {
      byte[] fatbin = bundle.fatbin(family);
      // A fatbin starts with the magic 0xBA55ED50 (little endian).
      assertTrue(fatbin.length > 1000, family + " fatbin is " + fatbin.length + " bytes");
      assertEquals(0x50, fatbin[0] & 0xff);
      assertEquals(0xED, fatbin[1] & 0xff);
      assertEquals(0x55, fatbin[2] & 0xff);
      assertEquals(0xBA, fatbin[3] & 0xff);
    }
    assertTrue(bundle.cudaVersion().matches("\\d+\\.\\d+"), bundle.cudaVersion());
    assertTrue(bundle.requiredDriverVersion() >= 11000);
  }

  @Test
  void bundleHoldsEveryKernelTheBackendLaunches() {
    assumeTrue(nvccOnPath(), "nvcc is not on PATH, so the build skipped the kernels");
    KernelBundle bundle = KernelBundle.load(getClass().getClassLoader());
    List<String> missing =
        expectedKernels().stream().filter(n -> !bundle.kernelNames().contains(n)).toList();
    assertEquals(List.of(), missing);
    assertEquals("elementwise", bundle.familyOf("relu_f32"));
    assertEquals("reduce", bundle.familyOf("argmax_cols_f64"));
    assertEquals("random", bundle.familyOf("philox_words_i32"));
    assertEquals("gather", bundle.familyOf("gather_rows_b64"));
    assertEquals("optim", bundle.familyOf("optim_adam_f32"));
    assertThrows(IllegalArgumentException.class, () -> bundle.familyOf("no_such_kernel_f32"));
  }

  @Test
  void missingResourcesReadAsKernelsNotBuilt() {
    ClassLoader empty = new ClassLoader(null) {};
    var e = assertThrows(IllegalStateException.class, () -> KernelBundle.load(empty));
    assertTrue(e.getMessage().startsWith("kernels not built"), e.getMessage());
    assertTrue(e.getMessage().contains("io/myelin/kernels/kernels.properties"), e.getMessage());
    assertTrue(e.getMessage().contains("nvcc"), e.getMessage());
  }

  @Test
  void driverVersionsFormatLikeCuda() {
    assertEquals("12.8", KernelBundle.versionText(12080));
    assertEquals("13.0", KernelBundle.versionText(13000));
  }
}
