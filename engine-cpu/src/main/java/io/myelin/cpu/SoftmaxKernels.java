package io.myelin.cpu;

/**
 * Softmax and log-softmax over the rows of a contiguous {@code [rows, cols]} block, and their
 * backward. Rows are independent, so threads split over rows.
 *
 * <p>Every row has its maximum subtracted before exponentiating (no overflow). float32 rows run in
 * {@code FloatVector}s ({@link SoftmaxF32}: {@link FloatVectorMath#exp}, sums in one vector of
 * partial sums, allocation free); float64 rows are normalised with a sum taken in column order.
 * Either way a row's result depends on the row alone, so not on threads. A NaN in a row makes the
 * whole row NaN, as in PyTorch.
 */
final class SoftmaxKernels {
  private SoftmaxKernels() {}

  static void forward(
      CpuThreads threads,
      boolean log,
      CpuStorage x,
      int xo,
      int rows,
      int cols,
      CpuStorage y,
      int yo) {
    if (x.dtype() == io.myelin.DType.FLOAT32) {
      float[] xf = x.floats();
      float[] yf = y.floats();
      threads.parallelFor(
          rows,
          cols * 4L,
          (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
              SoftmaxF32.forwardRow(log, xf, xo + r * cols, yf, yo + r * cols, cols);
            }
          });
      return;
    }
    threads.parallelFor(
        rows,
        cols * 20L,
        (r0, r1) -> {
          double[] v = new double[cols];
          for (int r = r0; r < r1; r++) {
            load(x, xo + r * cols, v);
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
              max = Math.max(max, v[j]);
            }
            double sum = 0;
            for (int j = 0; j < cols; j++) {
              // softmax keeps exp(x - max); log-softmax keeps x - max and only sums the exps.
              double e = Math.exp(v[j] - max);
              v[j] = log ? v[j] - max : e;
              sum += e;
            }
            if (log) {
              // log softmax = x - max - log(sum exp(x - max))
              double shift = Math.log(sum);
              for (int j = 0; j < cols; j++) {
                v[j] -= shift;
              }
            } else {
              double scale = 1.0 / sum;
              for (int j = 0; j < cols; j++) {
                v[j] *= scale;
              }
            }
            store(v, y, yo + r * cols);
          }
        });
  }

  /**
   * softmax: {@code gx = y * (gy - sum(gy * y))}; log-softmax: {@code gx = gy - exp(y) * sum(gy)},
   * per row.
   */
  static void backward(
      CpuThreads threads,
      boolean log,
      CpuStorage y,
      int yo,
      CpuStorage gy,
      int gyo,
      CpuStorage gx,
      int gxo,
      int rows,
      int cols) {
    if (y.dtype() == io.myelin.DType.FLOAT32) {
      float[] yf = y.floats();
      float[] gyf = gy.floats();
      float[] gxf = gx.floats();
      threads.parallelFor(
          rows,
          cols * 4L,
          (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
              SoftmaxF32.backwardRow(
                  log, yf, yo + r * cols, gyf, gyo + r * cols, gxf, gxo + r * cols, cols);
            }
          });
      return;
    }
    threads.parallelFor(
        rows,
        cols * (log ? 20L : 4L),
        (r0, r1) -> {
          double[] yv = new double[cols];
          double[] g = new double[cols];
          for (int r = r0; r < r1; r++) {
            load(y, yo + r * cols, yv);
            load(gy, gyo + r * cols, g);
            double dot = 0;
            for (int j = 0; j < cols; j++) {
              dot += log ? g[j] : g[j] * yv[j];
            }
            for (int j = 0; j < cols; j++) {
              g[j] = log ? g[j] - Math.exp(yv[j]) * dot : yv[j] * (g[j] - dot);
            }
            store(g, gx, gxo + r * cols);
          }
        });
  }

  private static void load(CpuStorage s, int at, double[] row) {
    switch (s.dtype()) {
      case FLOAT32 -> {
        float[] a = s.floats();
        for (int j = 0; j < row.length; j++) row[j] = a[at + j];
      }
      case FLOAT64 -> System.arraycopy(s.doubles(), at, row, 0, row.length);
      case INT32 -> throw new IllegalArgumentException("softmax needs a floating storage");
    }
  }

  private static void store(double[] row, CpuStorage s, int at) {
    switch (s.dtype()) {
      case FLOAT32 -> {
        float[] a = s.floats();
        for (int j = 0; j < row.length; j++) a[at + j] = (float) row[j];
      }
      case FLOAT64 -> System.arraycopy(row, 0, s.doubles(), at, row.length);
      case INT32 -> throw new IllegalArgumentException("softmax needs a floating storage");
    }
  }
}
