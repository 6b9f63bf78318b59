package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.myelin.DType;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The optimizer launches of {@link CudaOptimizerKernels}, checked on the host (no GPU): they hand
 * the kernel the step-scalar block as its {@code scalars} parameter and nothing that depends on the
 * step, so one launch captured into a graph is right at every replay; the kernels read exactly the
 * slots {@link OptimizerKind#writeScalars} fills for their kind; the constants are rounded to the
 * element type once, as engine-cpu's float32 kernels round them.
 */
class CudaOptimizerPlanTest {
  private static final long P = 0x1000;
  private static final long G = 0x2000;
  private static final long SCALARS = 0xabc0;

  private static long[] states(OptimizerKind kind, OptimizerHyperparameters h) {
    long[] s = new long[kind.stateCount()];
    for (int i = 0; i < s.length; i++) {
      s[i] = kind.usesState(i, h) ? 0x3000 + 0x100L * i : 0;
    }
    return s;
  }

  @Test
  void theScalarBlockIsPassedAsTheKernelsScalarsParameter() {
    Map<String, List<String>> names = KernelDeclarations.parameterNames();
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (var c : CudaOptimizerParityTest.CONFIGS) {
        long[] s = states(c.kind(), c.h());
        KernelLaunch l = CudaOptimizerKernels.plan(c.kind(), c.h(), dt, 77, P, G, s, SCALARS);
        List<String> params = names.get(l.kernel());
        List<Object> values = l.args().values();
        String what = l.kernel() + " " + c.h();
        assertEquals(params.size(), values.size(), what);
        assertEquals(SCALARS, values.get(params.indexOf("scalars")), what + ": scalars");
        assertEquals(77L, values.get(params.indexOf("n")), what + ": n");
        assertEquals(P, values.get(params.indexOf("p")), what + ": p");
        assertEquals(G, values.get(params.indexOf("g")), what + ": g");
        // The state pointers follow g in slot order (unused slots as 0).
        for (int i = 0; i < s.length; i++) {
          assertEquals(s[i], values.get(3 + i), what + ": state " + c.kind().stateName(i));
        }
      }
    }
  }

  @Test
  void argumentsDoNotDependOnTheLearningRateOrTheNadamProduct() {
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (var c : CudaOptimizerParityTest.CONFIGS) {
        OptimizerHyperparameters other = c.h().withLr(c.h().lr() * 7 + 0.25).withMuProduct(0.123);
        long[] s = states(c.kind(), c.h());
        List<Object> a =
            CudaOptimizerKernels.plan(c.kind(), c.h(), dt, 5, P, G, s, SCALARS).args().values();
        List<Object> b =
            CudaOptimizerKernels.plan(c.kind(), other, dt, 5, P, G, s, SCALARS).args().values();
        assertEquals(a, b, c.kind() + " " + c.h() + ": a captured launch must fit every step");
      }
    }
  }

  @Test
  void constantsAreRoundedToTheElementTypeOnce() {
    var h = OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0.01, false, true, false);
    long[] s = states(OptimizerKind.ADAM, h);
    List<Object> f32 =
        CudaOptimizerKernels.plan(OptimizerKind.ADAM, h, DType.FLOAT32, 5, P, G, s, SCALARS)
            .args()
            .values();
    // n, p, g, m, v, vmax, scalars | b1, b2, 1 - b1, 1 - b2, eps, l2 | amsgrad, maximize
    assertEquals(
        List.of(0.9f, 0.999f, (float) (1 - 0.9), (float) (1 - 0.999), 1e-8f, 0.01f, 1, 0),
        f32.subList(7, f32.size()));
    List<Object> f64 =
        CudaOptimizerKernels.plan(OptimizerKind.ADAM, h, DType.FLOAT64, 5, P, G, s, SCALARS)
            .args()
            .values();
    assertEquals(
        List.of(0.9, 0.999, 1 - 0.9, 1 - 0.999, 1e-8, 0.01, 1, 0), f64.subList(7, f64.size()));
    // AdamW: the decay moves into the scalars' shrink factor, the L2 term is 0.
    var w = OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0.01, true, false, false);
    List<Object> decoupled =
        CudaOptimizerKernels.plan(
                OptimizerKind.ADAM,
                w,
                DType.FLOAT64,
                5,
                P,
                G,
                states(OptimizerKind.ADAM, w),
                SCALARS)
            .args()
            .values();
    assertEquals(0.0, decoupled.get(12));
    var sgd = OptimizerHyperparameters.sgd(0.1, 0.9, 0.1, true, false, false, 0.01, false);
    List<Object> sv =
        CudaOptimizerKernels.plan(
                OptimizerKind.SGD,
                sgd,
                DType.FLOAT32,
                5,
                P,
                G,
                states(OptimizerKind.SGD, sgd),
                SCALARS)
            .args()
            .values();
    // n, p, g, b, scalars | wd, mu, 1 - dampening | use_momentum, nesterov, maximize
    assertEquals(List.of(0.01f, 0.9f, (float) (1 - 0.1), 1, 1, 0), sv.subList(5, sv.size()));
  }

  /** The scalar slots each kernel of optim.cu reads, from its source. */
  private static Map<String, Set<Integer>> slotsRead() throws IOException {
    Path src = Path.of("..", "kernels", "src", "main", "cuda", "optim.cu");
    assumeTrue(Files.isRegularFile(src), "kernel sources not found at " + src.toAbsolutePath());
    String text = Files.readString(src).replace("\\\n", "\n");
    Matcher kernel =
        Pattern.compile(
                "extern \"C\" __global__ void optim_(\\w+?)_##dn\\([^)]*\\)\\s*\\{([^}]*)\\}")
            .matcher(text);
    Pattern read = Pattern.compile("step_scalar<T>\\(scalars, (\\d)\\)|scalars\\[(\\d)\\]");
    Map<String, Set<Integer>> out = new java.util.HashMap<>();
    while (kernel.find()) {
      Set<Integer> slots = new TreeSet<>();
      Matcher m = read.matcher(kernel.group(2));
      while (m.find()) {
        slots.add(Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2)));
      }
      out.put(kernel.group(1), slots);
    }
    return out;
  }

  @Test
  void kernelsReadTheSlotsWriteScalarsFills() throws IOException {
    Map<String, Set<Integer>> read = slotsRead();
    // OptimizerKind#writeScalars: 0 lr; SGD 3 first step, 4 averaged step; ADAM 3 shrink,
    // 4 step size, 5 sqrt(1 - beta2^t); ADAMAX 3; NADAM 3..6; ADAGRAD 3.
    assertEquals(
        Map.of(
            "sgd",
            Set.of(0, 3),
            "sgd_avg",
            Set.of(4),
            "adam",
            Set.of(3, 4, 5),
            "adamax",
            Set.of(3),
            "nadam",
            Set.of(3, 4, 5, 6),
            "rmsprop",
            Set.of(0),
            "adagrad",
            Set.of(3),
            "adadelta",
            Set.of(0)),
        read);
    for (var c : CudaOptimizerParityTest.CONFIGS) {
      String root =
          c.kind() == OptimizerKind.SGD && c.h().averagedMomentum()
              ? "sgd_avg"
              : c.kind().kernelName();
      double[] block = new double[OptimizerKind.SCALARS];
      c.kind().writeScalars(c.h(), 1, block, 0);
      for (int slot : read.get(root)) {
        assertNotEquals(
            0.0,
            block[slot],
            root
                + " reads slot "
                + slot
                + ", which "
                + c.kind()
                + ".writeScalars leaves 0 at the first step ("
                + c.h()
                + ")");
      }
      assertEquals(c.h().lr(), block[0], root + ": slot 0 is the learning rate");
    }
  }
}
