package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Conformance of the fused softmax + cross-entropy: forward against double loops (class indices
 * with ignore index, out-of-range labels, weights and label smoothing; probability targets), logits
 * large enough to overflow {@code exp} unshifted, rows longer than a block and many tiny rows;
 * backward against central differences of the forward in float64 and float32 against float64.
 * Outputs are poisoned with NaN (and padded by offsets) so unwritten elements fail.
 */
public abstract class CrossEntropyConformanceTest extends BackendTestSupport {
  private static final int[][] SHAPES = {
    {1, 1}, {1, 7}, {3, 10}, {13, 97}, {5, 1000}, {2, 4099}, {300, 2}, {65537, 3}
  };
  private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
  private static final int IGNORE = -100;

  /** Inputs of one case, as doubles already rounded to the dtype. */
  private record Case(
      int rows,
      int classes,
      double[] x,
      double[] labels,
      double[] probs,
      double[] weight,
      double smoothing) {
    boolean probabilities() {
      return probs != null;
    }
  }

  private static Case draw(
      SplittableRandom r,
      DType dt,
      int rows,
      int classes,
      boolean probs,
      boolean weighted,
      double smoothing) {
    double[] x = uniform(r, rows * classes, -6, 6);
    for (int i = 0; i < x.length; i++)
      x[i] += 1000 * ((i / classes) % 3 - 1); // exp overflows unshifted
    double[] labels = new double[rows];
    for (int i = 0; i < rows; i++) {
      int k = r.nextInt(10);
      labels[i] = k == 0 && rows > 1 ? IGNORE : r.nextInt(classes);
    }
    double[] p = null;
    if (probs) {
      p = uniform(r, rows * classes, 0, 1);
      for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int j = 0; j < classes; j++) s += p[i * classes + j];
        for (int j = 0; j < classes; j++) p[i * classes + j] /= s;
      }
      p = rounded(dt, p);
    }
    double[] w = weighted ? rounded(dt, uniform(r, classes, 0.2, 2)) : null;
    return new Case(rows, classes, rounded(dt, x), labels, p, w, smoothing);
  }

  /** Per-row losses and d_r by the SPI's formulas, in double. */
  private static double[][] reference(Case c) {
    int k = c.classes();
    double e = c.smoothing();
    double[] loss = new double[c.rows()];
    double[] den = new double[c.rows()];
    for (int r = 0; r < c.rows(); r++) {
      double m = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) m = Math.max(m, c.x()[r * k + j]);
      double s = 0;
      for (int j = 0; j < k; j++) s += Math.exp(c.x()[r * k + j] - m);
      double lse = m + Math.log(s);
      if (c.probabilities()) {
        for (int j = 0; j < k; j++) {
          double t = (1 - e) * c.probs()[r * k + j] + e / k;
          loss[r] -= w(c, j) * t * (c.x()[r * k + j] - lse);
        }
        den[r] = 1;
        continue;
      }
      int y = (int) c.labels()[r];
      if (y == IGNORE) {
        continue;
      }
      if (y < 0 || y >= k) {
        loss[r] = Double.NaN;
        continue;
      }
      double smooth = 0;
      for (int j = 0; j < k; j++) smooth -= w(c, j) * (c.x()[r * k + j] - lse);
      loss[r] = (1 - e) * -w(c, y) * (c.x()[r * k + y] - lse) + e / k * smooth;
      den[r] = w(c, y);
    }
    return new double[][] {loss, den};
  }

  private static double w(Case c, int j) {
    return c.weight() == null ? 1 : c.weight()[j];
  }

  private Storage target(DType dt, Case c) {
    return c.probabilities()
        ? upload(dt, pad(2, c.probs()))
        : upload(DType.INT32, pad(2, c.labels()));
  }

  private CrossEntropyOptions options(Case c, boolean mean) {
    return new CrossEntropyOptions(
        c.rows(), c.classes(), c.probabilities(), IGNORE, c.smoothing(), mean);
  }

  @Test
  void forwardMatchesReferenceForEveryTargetKind() {
    SplittableRandom r = rng(900);
    for (DType dt : FLOATS) {
      for (int[] s : SHAPES) {
        for (int variant = 0; variant < 4; variant++) {
          boolean probs = variant >= 2;
          Case c =
              draw(
                  r,
                  dt,
                  s[0],
                  s[1],
                  probs,
                  variant % 2 == 1,
                  variant == 1 || variant == 2 ? 0.1 : 0);
          boolean mean = variant != 3;
          Storage xs = upload(dt, pad(3, c.x()));
          Storage ts = target(dt, c);
          Storage ws = c.weight() == null ? null : upload(dt, c.weight());
          Storage loss = filled(dt, c.rows() + 1, Double.NaN);
          Storage total = filled(dt, 4, Double.NaN);
          backend().crossEntropy(options(c, mean), xs, 3, ts, 2, ws, loss, 1, total, 1);
          double[][] ref = reference(c);
          String what = "crossEntropy " + dt + " " + Arrays.toString(s) + " variant " + variant;
          double[] got = download(loss);
          assertTrue(Double.isNaN(got[0]), what + ": wrote before its offset");
          // Log-sum-exp of logits near 1000: float32 rounds them to ~6e-5, so scale by |x|.
          assertClose(
              what + " rows",
              rounded(dt, ref[0]),
              Arrays.copyOfRange(got, 1, got.length),
              accumulatedTol(dt) * (dt == DType.FLOAT32 ? 10 : 1),
              1);
          double sum = 0;
          double den = 0;
          for (int i = 0; i < c.rows(); i++) {
            sum += ref[0][i];
            den += ref[1][i];
          }
          double[] t = download(total);
          assertClose(
              what + " total",
              new double[] {mean ? sum / den : sum, den},
              Arrays.copyOfRange(t, 1, 3),
              accumulatedTol(dt) * 10,
              1);
          assertTrue(
              Double.isNaN(t[0]) && Double.isNaN(t[3]), what + ": total wrote outside [1, 3)");
        }
      }
    }
  }

  @Test
  void outOfRangeLabelsGiveNaNAndAllIgnoredMeanIsNaN() {
    for (DType dt : FLOATS) {
      double[] x = {1, 2, 3, 4, 5, 6};
      Storage xs = upload(dt, x);
      Storage ts = upload(DType.INT32, new double[] {3, IGNORE});
      Storage loss = filled(dt, 2, 7);
      Storage total = filled(dt, 2, 7);
      backend()
          .crossEntropy(
              new CrossEntropyOptions(2, 3, false, IGNORE, 0, true),
              xs,
              0,
              ts,
              0,
              null,
              loss,
              0,
              total,
              0);
      double[] l = download(loss);
      assertTrue(Double.isNaN(l[0]) && l[1] == 0, dt + " " + Arrays.toString(l));
      assertTrue(Double.isNaN(download(total)[0]), dt + " mean over no valid row");
      Storage g = filled(dt, 6, 7);
      Storage one = upload(dt, new double[] {1, 1});
      backend()
          .crossEntropyBackward(
              new CrossEntropyOptions(2, 3, false, IGNORE, 0, false),
              xs,
              0,
              ts,
              0,
              null,
              one,
              0,
              true,
              null,
              0,
              g,
              0);
      double[] gx = download(g);
      for (int j = 0; j < 3; j++) {
        assertTrue(Double.isNaN(gx[j]) && gx[3 + j] == 0, dt + " " + Arrays.toString(gx));
      }
    }
  }

  @Test
  void backwardMatchesCentralDifferencesInFloat64() {
    SplittableRandom r = rng(901);
    int[][] shapes = {{1, 1}, {1, 5}, {4, 3}, {3, 8}};
    for (int[] s : shapes) {
      for (int variant = 0; variant < 4; variant++) {
        boolean probs = variant >= 2;
        boolean mean = variant % 2 == 0;
        Case c = draw(r, DType.FLOAT64, s[0], s[1], probs, true, variant == 1 ? 0 : 0.2);
        double[] x = uniform(r, c.x().length, -3, 3); // moderate logits: differences resolve
        c = new Case(c.rows(), c.classes(), x, c.labels(), c.probs(), c.weight(), c.smoothing());
        double[] up = uniform(r, c.rows(), 0.5, 2); // per-row upstream when not reduced
        CrossEntropyOptions o = options(c, mean);
        Storage ts = target(DType.FLOAT64, c);
        Storage ws = upload(DType.FLOAT64, c.weight());
        Storage total = allocate(DType.FLOAT64, 2);
        Storage loss = allocate(DType.FLOAT64, c.rows());
        Storage xs = upload(DType.FLOAT64, x);
        backend().crossEntropy(o, xs, 0, ts, 2, ws, loss, 0, total, 0);
        Storage g = upload(DType.FLOAT64, mean ? new double[] {1.5} : up);
        Storage gx = filled(DType.FLOAT64, x.length + 1, Double.NaN);
        backend().crossEntropyBackward(o, xs, 0, ts, 2, ws, g, 0, !mean, total, 0, gx, 1);
        double[] analytic = Arrays.copyOfRange(download(gx), 1, x.length + 1);
        double[] numeric = new double[x.length];
        final Case cc = c;
        for (int i = 0; i < x.length; i++) {
          double h = 1e-6;
          double[] xp = x.clone();
          xp[i] += h;
          double[] xm = x.clone();
          xm[i] -= h;
          numeric[i] =
              (objective(o, cc, xp, ts, ws, mean, up) - objective(o, cc, xm, ts, ws, mean, up))
                  / (2 * h);
        }
        assertClose(
            "crossEntropy' " + Arrays.toString(s) + " variant " + variant,
            numeric,
            analytic,
            1e-6,
            1);
      }
    }
  }

  private double objective(
      CrossEntropyOptions o,
      Case c,
      double[] x,
      Storage ts,
      Storage ws,
      boolean mean,
      double[] up) {
    Storage xs = upload(DType.FLOAT64, x);
    Storage loss = allocate(DType.FLOAT64, c.rows());
    Storage total = allocate(DType.FLOAT64, 2);
    backend().crossEntropy(o, xs, 0, ts, 2, ws, loss, 0, total, 0);
    if (mean) {
      return 1.5 * download(total)[0];
    }
    double[] l = download(loss);
    double s = 0;
    for (int i = 0; i < l.length; i++) s += up[i] * l[i];
    return s;
  }

  @Test
  void float32BackwardFollowsFloat64() {
    SplittableRandom r = rng(902);
    for (int[] s : SHAPES) {
      for (int variant = 0; variant < 4; variant++) {
        Case c64 = draw(r, DType.FLOAT32, s[0], s[1], variant >= 2, variant % 2 == 1, 0.1);
        double[] gx32 = backward(DType.FLOAT32, c64);
        double[] gx64 = backward(DType.FLOAT64, c64);
        assertClose(
            "crossEntropy' f32 vs f64 " + Arrays.toString(s) + " variant " + variant,
            gx64,
            gx32,
            1e-4,
            1.0 / (c64.rows()));
      }
    }
  }

  private double[] backward(DType dt, Case c) {
    CrossEntropyOptions o = options(c, true);
    Storage xs = upload(dt, c.x());
    Storage ts = target(dt, c);
    Storage ws = c.weight() == null ? null : upload(dt, c.weight());
    Storage loss = allocate(dt, c.rows());
    Storage total = allocate(dt, 2);
    backend().crossEntropy(o, xs, 0, ts, 2, ws, loss, 0, total, 0);
    Storage g = upload(dt, new double[] {1});
    Storage gx = filled(dt, c.x().length, Double.NaN);
    backend().crossEntropyBackward(o, xs, 0, ts, 2, ws, g, 0, false, total, 0, gx, 0);
    return download(gx);
  }

  static double[] pad(int n, double[] tail) {
    double[] out = new double[n + tail.length];
    Arrays.fill(out, 0, n, 1e30);
    System.arraycopy(tail, 0, out, n, tail.length);
    return out;
  }
}
