package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.Storage;
import io.myelin.optim.TensorOptimizerUpdate;
import org.junit.jupiter.api.Test;

/**
 * The device's fused {@code optimizerUpdate} against {@link TensorOptimizerUpdate}, the tensor-op
 * reference of every kind, both reading the same scalar block ({@link OptimizerKind#writeScalars}):
 * several steps of every kind and configuration, float32 and float64, awkward sizes, a skipped step
 * ({@link OptimizerKind#APPLY} = 0) in the middle. The allowed difference is {@link #tolerance} (0
 * on the CPU: the same operations in the same order).
 */
public abstract class OptimizerReferenceConformanceTest extends DeviceTestBase {
  private static final OptimizerHyperparameters[] CONFIGS = {
    OptimizerHyperparameters.sgd(0.1, 0.9, 0.1, false, false, false, 0.01, false),
    OptimizerHyperparameters.sgd(0.1, 0.9, 0, true, false, false, 0, true),
    OptimizerHyperparameters.sgd(0.1, 0.9, 0, false, true, true, 0, false),
    OptimizerHyperparameters.sgd(0.1, 0, 0, false, false, false, 0.01, false),
    OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0.01, true, true, false),
    OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0.01, false, false, true),
    OptimizerHyperparameters.adamax(2e-3, 0.9, 0.999, 1e-8, 0.01, false),
    OptimizerHyperparameters.nadam(2e-3, 0.9, 0.999, 1e-8, 0.01, false, 4e-3, 0.8, false),
    OptimizerHyperparameters.rmsprop(1e-2, 0.99, 1e-8, 0.01, 0.9, true, false),
    OptimizerHyperparameters.rmsprop(1e-2, 0.99, 1e-8, 0.0, 0, false, true),
    OptimizerHyperparameters.adagrad(1e-2, 0.1, 0.01, 0.1, 1e-10, false),
    OptimizerHyperparameters.adadelta(1.0, 0.9, 1e-6, 0.01, false),
  };
  private static final OptimizerKind[] KINDS = {
    OptimizerKind.SGD, OptimizerKind.SGD, OptimizerKind.SGD, OptimizerKind.SGD,
    OptimizerKind.ADAM, OptimizerKind.ADAM, OptimizerKind.ADAMAX, OptimizerKind.NADAM,
    OptimizerKind.RMSPROP, OptimizerKind.RMSPROP, OptimizerKind.ADAGRAD, OptimizerKind.ADADELTA,
  };

  /** Largest allowed |fused - reference| / max(1, |reference|) per element in {@code dtype}. */
  protected abstract double tolerance(DType dtype);

  @Test
  void fusedUpdatesMatchTheTensorOpReference() {
    for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
      for (int n : new int[] {1, 7, 67}) {
        for (int c = 0; c < CONFIGS.length; c++) {
          check(KINDS[c], CONFIGS[c], dt, n, c);
        }
      }
    }
  }

  private void check(OptimizerKind kind, OptimizerHyperparameters h0, DType dt, int n, int seed) {
    String what = kind + " config " + seed + " " + dt.shortName() + " n=" + n;
    try (var ignored = Autograd.noGrad()) {
      Tensor[] fused = new Tensor[1 + kind.stateCount()];
      Tensor[] ref = new Tensor[fused.length];
      fused[0] = Tensor.of(device(), randomDoubles(seed, n, -1, 1), n).to(dt);
      ref[0] = fused[0].copy();
      for (int i = 0; i < kind.stateCount(); i++) {
        if (kind.usesState(i, h0)) {
          fused[i + 1] = Tensor.full(device(), dt, kind.initialState(i, h0), n);
          ref[i + 1] = fused[i + 1].copy();
        }
      }
      Tensor scalars = Tensor.zeros(device(), DType.FLOAT64, OptimizerKind.SCALARS);
      double[] block = new double[OptimizerKind.SCALARS];
      OptimizerHyperparameters h = h0;
      for (int t = 1; t <= 4; t++) {
        Tensor g = Tensor.of(device(), randomDoubles(100 * seed + t, n, -1, 1), n).to(dt);
        kind.writeScalars(h, t, block, 0);
        if (t == 3) {
          block[OptimizerKind.APPLY] = 0; // a skipped step leaves everything as it is
        }
        scalars.storage().backend().copyFromHost(block, 0, scalars.storage(), 0, block.length);
        Storage[] st = new Storage[kind.stateCount()];
        Tensor[] refState = new Tensor[kind.stateCount()];
        for (int i = 0; i < st.length; i++) {
          st[i] = fused[i + 1] == null ? null : fused[i + 1].storage();
          refState[i] = ref[i + 1];
        }
        fused[0]
            .storage()
            .backend()
            .optimizerUpdate(
                kind, h, scalars.storage(), 0, fused[0].storage(), 0, g.storage(), 0, st, n);
        TensorOptimizerUpdate.apply(kind, h, block, 0, ref[0], g, refState);
        if (kind == OptimizerKind.NADAM) {
          h =
              h.withMuProduct(
                  h.muProduct() * OptimizerKind.nadamMu(h.beta1(), h.momentumDecay(), t));
        }
        for (int k = 0; k < fused.length; k++) {
          if (fused[k] != null) {
            compare(
                ref[k].to(DType.FLOAT64).toDoubleArray(),
                fused[k].to(DType.FLOAT64).toDoubleArray(),
                tolerance(dt),
                what
                    + ", step "
                    + t
                    + (k == 0 ? ", parameter" : ", state " + kind.stateName(k - 1)));
          }
        }
      }
    }
  }

  private static void compare(double[] expected, double[] actual, double tol, String what) {
    for (int i = 0; i < expected.length; i++) {
      if (tol == 0) {
        assertEquals(
            Double.doubleToLongBits(expected[i]),
            Double.doubleToLongBits(actual[i]),
            what + " [" + i + "]: " + expected[i] + " vs " + actual[i]);
      } else {
        assertEquals(
            expected[i],
            actual[i],
            tol * Math.max(1, Math.abs(expected[i])),
            what + " [" + i + "]");
      }
    }
  }
}
