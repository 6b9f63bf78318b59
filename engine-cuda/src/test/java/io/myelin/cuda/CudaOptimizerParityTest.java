package io.myelin.cuda;

import io.myelin.DType;
import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;
import io.myelin.backend.Storage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fused optimizer kernels of optim.cu against engine-cpu's OptimizerUpdates: every kind and
 * every branch (momentum, dampening, Nesterov, the averaged form with and without bias correction,
 * AMSGrad, decoupled and folded weight decay, maximize, centered RMSprop, AdaGrad's decay), float32
 * and float64, awkward sizes and offsets, five steps so state feeds back. The GPU reads the step
 * scalars from device memory: even steps pass a scalar block at an offset explicitly, odd steps go
 * through the {@code long step} default, which uploads one.
 */
class CudaOptimizerParityTest extends CudaCpuParityTest {
  record Config(OptimizerKind kind, OptimizerHyperparameters h) {}

  static final List<Config> CONFIGS =
      List.of(
          new Config(
              OptimizerKind.SGD,
              OptimizerHyperparameters.sgd(0.1, 0, 0, false, false, false, 0, false)),
          new Config(
              OptimizerKind.SGD,
              OptimizerHyperparameters.sgd(0.1, 0.9, 0.1, false, false, false, 0.01, false)),
          new Config(
              OptimizerKind.SGD,
              OptimizerHyperparameters.sgd(0.1, 0.9, 0, true, false, false, 0, true)),
          new Config(
              OptimizerKind.SGD,
              OptimizerHyperparameters.sgd(0.1, 0.9, 0, false, true, true, 0.01, false)),
          new Config(
              OptimizerKind.SGD,
              OptimizerHyperparameters.sgd(0.1, 0.8, 0, false, true, false, 0, false)),
          new Config(
              OptimizerKind.ADAM,
              OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0, false, false, false)),
          new Config(
              OptimizerKind.ADAM,
              OptimizerHyperparameters.adam(1e-2, 0.9, 0.999, 1e-8, 0.01, true, true, false)),
          new Config(
              OptimizerKind.ADAM,
              OptimizerHyperparameters.adam(1e-2, 0.8, 0.99, 1e-6, 0.01, false, false, true)),
          new Config(
              OptimizerKind.ADAMAX,
              OptimizerHyperparameters.adamax(2e-3, 0.9, 0.999, 1e-8, 0.01, false)),
          new Config(
              OptimizerKind.NADAM,
              OptimizerHyperparameters.nadam(
                  2e-3, 0.9, 0.999, 1e-8, 0.01, false, 4e-3, 0.8, false)),
          new Config(
              OptimizerKind.NADAM,
              OptimizerHyperparameters.nadam(2e-3, 0.9, 0.999, 1e-8, 0.01, true, 4e-3, 1, true)),
          new Config(
              OptimizerKind.RMSPROP,
              OptimizerHyperparameters.rmsprop(1e-2, 0.99, 1e-8, 0, 0, false, false)),
          new Config(
              OptimizerKind.RMSPROP,
              OptimizerHyperparameters.rmsprop(1e-2, 0.99, 1e-8, 0.01, 0.9, true, false)),
          new Config(
              OptimizerKind.ADAGRAD,
              OptimizerHyperparameters.adagrad(1e-2, 0.1, 0.01, 0.1, 1e-10, false)),
          new Config(
              OptimizerKind.ADADELTA,
              OptimizerHyperparameters.adadelta(1.0, 0.9, 1e-6, 0.01, false)));

  @Test
  void everyKindMatchesTheCpuOverFiveSteps() {
    for (DType dt : FLOATS) {
      for (int n : new int[] {1, 7, 31, 1000, 65537}) {
        for (Config c : CONFIGS) {
          run(dt, n, c);
        }
      }
    }
  }

  private void run(DType dt, int n, Config c) {
    OptimizerKind kind = c.kind();
    OptimizerHyperparameters h = c.h();
    String what = kind + " " + h + " " + dt + " n=" + n;
    int po = 3;
    int go = 5;
    double[] p0 = rounded(dt, uniform(n + po, -1, 1));
    Storage pc = cpu(dt, p0);
    Storage pg = upload(dt, p0);
    Storage[] sc = new Storage[kind.stateCount()];
    Storage[] sg = new Storage[kind.stateCount()];
    for (int i = 0; i < sc.length; i++) {
      if (kind.usesState(i, h)) {
        double[] init = new double[n];
        Arrays.fill(init, kind.initialState(i, h));
        sc[i] = cpu(dt, init);
        sg[i] = upload(dt, init);
      }
    }
    int so = 3;
    Storage scalars = b.allocate(DType.FLOAT64, so + OptimizerKind.SCALARS + 2);
    for (int t = 1; t <= 5; t++) {
      double[] g = rounded(dt, uniform(n + go, -1, 1));
      Storage gc = cpu(dt, g);
      Storage gg = upload(dt, g);
      CPU.optimizerUpdate(kind, h, t, pc, po, gc, go, sc, n);
      if (t % 2 == 0) {
        double[] block = new double[scalars.length()];
        java.util.Arrays.fill(block, Double.NaN); // around the block: never read
        kind.writeScalars(h, t, block, so);
        b.copyFromHost(block, 0, scalars, 0, block.length);
        b.optimizerUpdate(kind, h, scalars, so, pg, po, gg, go, sg, n);
      } else {
        b.optimizerUpdate(kind, h, t, pg, po, gg, go, sg, n);
      }
      gc.release();
      gg.release();
    }
    scalars.release();
    double[] pCpu = cpuDownload(pc);
    double[] pGpu = download(pg);
    // Untouched prefix: the kernel honours the offset.
    assertParity(Arrays.copyOf(p0, po), Arrays.copyOf(pGpu, po), dt, 0, what + " prefix");
    assertParity(pCpu, pGpu, dt, 1e-5, what + " parameter");
    for (int i = 0; i < sc.length; i++) {
      if (sc[i] != null) {
        assertParity(cpuDownload(sc[i]), download(sg[i]), dt, 1e-5, what + " " + kind.stateName(i));
        sc[i].release();
        sg[i].release();
      }
    }
    pc.release();
    pg.release();
  }
}
