package io.myelin.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.myelin.DType;
import io.myelin.backend.BatchNormOptions;
import io.myelin.backend.CrossEntropyOptions;
import io.myelin.backend.Storage;
import org.junit.jupiter.api.Test;

/**
 * The fused primitives of loss.cu, norm.cu and dropout.cu against the CPU backend on the same
 * inputs: dropout masks bit for bit (the promise that a seed drops the same units on either
 * device), cross-entropy, batch norm and layer norm to the accumulated tolerance. GPU outputs start
 * poisoned with NaN.
 */
class CudaFusedParityTest extends CudaCpuParityTest {

  @Test
  void dropoutDropsTheSameUnitsAsTheCpu() {
    for (DType dt : FLOATS) {
      for (int n : new int[] {1, 5, 4099, 65537}) {
        double[] x = rounded(dt, uniform(n, -2, 2));
        Storage xc = cpu(dt, x);
        Storage yc = CPU.allocate(dt, n);
        CPU.dropout(0.3, 1234, 99, xc, 0, yc, 0, n);
        Storage xg = upload(dt, x);
        Storage yg = poisoned(dt, n);
        b.dropout(0.3, 1234, 99, xg, 0, yg, 0, n);
        assertArrayEquals(cpuDownload(yc), download(yg), dt + " n=" + n);
      }
    }
  }

  @Test
  void crossEntropyMatchesTheCpu() {
    for (DType dt : FLOATS) {
      for (int[] s : new int[][] {{1, 1}, {65537, 3}, {7, 4099}, {64, 1000}}) {
        int rows = s[0], classes = s[1];
        double[] x = rounded(dt, uniform(rows * classes, -20, 20));
        double[] labels = new double[rows];
        for (int i = 0; i < rows; i++) labels[i] = i % 11 == 5 ? -100 : random.nextInt(classes);
        double[] w = rounded(dt, uniform(classes, 0.5, 2));
        var o = new CrossEntropyOptions(rows, classes, false, -100, 0.05, true);
        Storage lc = CPU.allocate(dt, rows),
            tc = CPU.allocate(dt, 2),
            gc = CPU.allocate(dt, rows * classes);
        Storage xc = cpu(dt, x),
            yc = cpu(DType.INT32, labels),
            wc = cpu(dt, w),
            one = cpu(dt, new double[] {1});
        CPU.crossEntropy(o, xc, 0, yc, 0, wc, lc, 0, tc, 0);
        CPU.crossEntropyBackward(o, xc, 0, yc, 0, wc, one, 0, false, tc, 0, gc, 0);
        Storage lg = poisoned(dt, rows), tg = poisoned(dt, 2), gg = poisoned(dt, rows * classes);
        Storage xg = upload(dt, x),
            yg = upload(DType.INT32, labels),
            wg = upload(dt, w),
            oneg = upload(dt, new double[] {1});
        b.crossEntropy(o, xg, 0, yg, 0, wg, lg, 0, tg, 0);
        b.crossEntropyBackward(o, xg, 0, yg, 0, wg, oneg, 0, false, tg, 0, gg, 0);
        String what = "crossEntropy " + dt + " " + rows + "x" + classes;
        assertParity(cpuDownload(lc), download(lg), dt, 1e-4, what + " rows");
        assertParity(cpuDownload(tc), download(tg), dt, 1e-4, what + " total");
        assertParity(cpuDownload(gc), download(gg), dt, 1e-4, what + " gradient");
      }
    }
  }

  @Test
  void batchAndLayerNormMatchTheCpu() {
    for (DType dt : FLOATS) {
      for (int[] s : new int[][] {{1, 3, 5}, {65537, 2, 1}, {8, 16, 49}, {2, 1, 4099}}) {
        var o = new BatchNormOptions(s[0], s[1], s[2], true, 0.1, 1e-5);
        double[] x = rounded(dt, uniform(o.size(), -3, 3));
        double[] gy = rounded(dt, uniform(o.size(), -1, 1));
        double[] g = rounded(dt, uniform(s[1], 0.5, 2));
        double[] be = rounded(dt, uniform(s[1], -1, 1));
        double[] lg = rounded(dt, uniform(s[2], 0.5, 2));
        double[] lb = rounded(dt, uniform(s[2], -1, 1));
        double[][] cpu = normalizations(true, dt, o, x, gy, g, be, lg, lb);
        double[][] gpu = normalizations(false, dt, o, x, gy, g, be, lg, lb);
        String[] names = {
          "bn y",
          "bn mean",
          "bn istd",
          "bn dx",
          "bn dgamma",
          "bn dbeta",
          "ln y",
          "ln dx",
          "ln dgamma",
          "ln dbeta"
        };
        for (int k = 0; k < names.length; k++) {
          assertParity(
              cpu[k], gpu[k], dt, 1e-3, names[k] + " " + dt + " " + java.util.Arrays.toString(s));
        }
      }
    }
  }

  /** BN forward+backward over [N, C, S] and LN forward+backward over [N * C, S] on one backend. */
  private double[][] normalizations(
      boolean onCpu,
      DType dt,
      BatchNormOptions o,
      double[] x,
      double[] gy,
      double[] g,
      double[] be,
      double[] lnGamma,
      double[] lnBeta) {
    var backend = onCpu ? (io.myelin.backend.Backend) CPU : b;
    java.util.function.Function<double[], Storage> up = v -> onCpu ? cpu(dt, v) : upload(dt, v);
    java.util.function.IntFunction<Storage> out =
        n -> onCpu ? CPU.allocate(dt, n) : poisoned(dt, n);
    java.util.function.Function<Storage, double[]> down =
        st -> onCpu ? cpuDownload(st) : download(st);
    int c = o.channels();
    Storage xs = up.apply(x), gys = up.apply(gy), gs = up.apply(g), bs = up.apply(be);
    Storage mean = out.apply(c), istd = out.apply(c), y = out.apply(o.size());
    Storage gx = out.apply(o.size()), gg = out.apply(c), gb = out.apply(c);
    backend.batchNorm(o, xs, 0, gs, bs, null, null, mean, istd, y, 0);
    backend.batchNormBackward(o, xs, 0, gys, 0, gs, mean, istd, gx, 0, gg, gb);
    int rows = o.batch() * c, cols = o.spatial();
    Storage lgam = up.apply(lnGamma);
    Storage lbet = up.apply(lnBeta);
    Storage lm = out.apply(rows), li = out.apply(rows), ly = out.apply(rows * cols);
    Storage lgx = out.apply(rows * cols), lgg = out.apply(cols), lgb = out.apply(cols);
    backend.layerNorm(rows, cols, 1e-5, xs, 0, lgam, lbet, lm, li, ly, 0);
    backend.layerNormBackward(rows, cols, xs, 0, gys, 0, lgam, lm, li, lgx, 0, lgg, lgb);
    return new double[][] {
      down.apply(y),
      down.apply(mean),
      down.apply(istd),
      down.apply(gx),
      down.apply(gg),
      down.apply(gb),
      down.apply(ly),
      down.apply(lgx),
      down.apply(lgg),
      down.apply(lgb)
    };
  }
}
