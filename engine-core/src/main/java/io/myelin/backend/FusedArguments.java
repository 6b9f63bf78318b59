package io.myelin.backend;

import io.myelin.DType;

/**
 * Argument checks shared by every backend's fused loss, normalisation and dropout primitives
 * (dtypes, nullability pairs, ranges), so each backend rejects the same calls with the same
 * messages before it touches memory. Stateless.
 */
public final class FusedArguments {
  private FusedArguments() {}

  /** Throws unless {@code s} is floating; returns its dtype. */
  public static DType floating(String op, Storage s) {
    if (!s.dtype().isFloating()) {
      throw new IllegalArgumentException(op + " needs float32 or float64, got " + s.dtype());
    }
    return s.dtype();
  }

  /** Throws unless {@code s} (when not null) has dtype {@code dt} and holds [offset, offset+n). */
  public static void run(String op, String what, Storage s, DType dt, long offset, long n) {
    if (s == null) {
      return;
    }
    if (s.dtype() != dt) {
      throw new IllegalArgumentException(op + ": " + what + " is " + s.dtype() + ", expected " + dt);
    }
    if (offset < 0 || n < 0 || offset + n > s.length()) {
      throw new IndexOutOfBoundsException(op + ": " + what + " elements [" + offset + ", "
          + (offset + n) + ") outside a storage of " + s.length());
    }
  }

  /** Throws unless {@code a} and {@code b} are both null or both present. */
  public static void pair(String op, String what, Storage a, Storage b) {
    if ((a == null) != (b == null)) {
      throw new IllegalArgumentException(op + ": " + what + " must be both given or both null");
    }
  }

  /** Throws when {@code s} is null. */
  public static Storage required(String op, String what, Storage s) {
    if (s == null) {
      throw new IllegalArgumentException(op + ": " + what + " is required");
    }
    return s;
  }

  /** Checks every operand of {@link Backend#crossEntropy}; returns the dtype. */
  public static DType crossEntropy(CrossEntropyOptions o, Storage logits, int logitsOffset,
      Storage target, int targetOffset, Storage weight, Storage loss, int lossOffset,
      Storage total, int totalOffset) {
    String op = "crossEntropy";
    DType dt = floating(op, logits);
    long cells = (long) o.rows() * o.classes();
    run(op, "logits", logits, dt, logitsOffset, cells);
    required(op, "target", target);
    run(op, "target", target, o.probabilityTargets() ? dt : DType.INT32, targetOffset,
        o.probabilityTargets() ? cells : o.rows());
    run(op, "weight", weight, dt, 0, o.classes());
    run(op, "loss", required(op, "loss", loss), dt, lossOffset, o.rows());
    run(op, "total", total, dt, totalOffset, 2);
    return dt;
  }

  /** Checks every operand of {@link Backend#crossEntropyBackward}; returns the dtype. */
  public static DType crossEntropyBackward(CrossEntropyOptions o, Storage logits,
      int logitsOffset, Storage target, int targetOffset, Storage weight, Storage gradOut,
      int gradOutOffset, boolean perRow, Storage total, int totalOffset, Storage gradLogits,
      int gradLogitsOffset) {
    String op = "crossEntropyBackward";
    DType dt = floating(op, logits);
    long cells = (long) o.rows() * o.classes();
    run(op, "logits", logits, dt, logitsOffset, cells);
    required(op, "target", target);
    run(op, "target", target, o.probabilityTargets() ? dt : DType.INT32, targetOffset,
        o.probabilityTargets() ? cells : o.rows());
    run(op, "weight", weight, dt, 0, o.classes());
    run(op, "gradOut", required(op, "gradOut", gradOut), dt, gradOutOffset,
        perRow ? o.rows() : Math.min(1, o.rows()));
    if (o.mean()) {
      run(op, "total", required(op, "total (the mean's denominator)", total), dt, totalOffset, 2);
    }
    run(op, "gradLogits", required(op, "gradLogits", gradLogits), dt, gradLogitsOffset, cells);
    return dt;
  }

  /** Checks every operand of {@link Backend#batchNorm}; returns the dtype. */
  public static DType batchNorm(BatchNormOptions o, Storage x, int xOffset, Storage gamma,
      Storage beta, Storage runningMean, Storage runningVar, Storage saveMean,
      Storage saveInvStd, Storage y, int yOffset) {
    String op = "batchNorm";
    DType dt = floating(op, x);
    int c = o.channels();
    run(op, "x", x, dt, xOffset, o.size());
    pair(op, "gamma and beta", gamma, beta);
    run(op, "gamma", gamma, dt, 0, c);
    run(op, "beta", beta, dt, 0, c);
    pair(op, "runningMean and runningVar", runningMean, runningVar);
    if (!o.training()) {
      required(op, "runningMean (inference)", runningMean);
    }
    run(op, "runningMean", runningMean, dt, 0, c);
    run(op, "runningVar", runningVar, dt, 0, c);
    run(op, "saveMean", saveMean, dt, 0, c);
    run(op, "saveInvStd", saveInvStd, dt, 0, c);
    run(op, "y", required(op, "y", y), dt, yOffset, o.size());
    return dt;
  }

  /** Checks every operand of {@link Backend#batchNormBackward}; returns the dtype. */
  public static DType batchNormBackward(BatchNormOptions o, Storage x, int xOffset, Storage gy,
      int gyOffset, Storage gamma, Storage saveMean, Storage saveInvStd, Storage gx, int gxOffset,
      Storage gGamma, Storage gBeta) {
    String op = "batchNormBackward";
    DType dt = floating(op, x);
    int c = o.channels();
    run(op, "x", x, dt, xOffset, o.size());
    run(op, "gy", required(op, "gy", gy), dt, gyOffset, o.size());
    run(op, "gamma", gamma, dt, 0, c);
    run(op, "saveMean", required(op, "saveMean", saveMean), dt, 0, c);
    run(op, "saveInvStd", required(op, "saveInvStd", saveInvStd), dt, 0, c);
    run(op, "gx", gx, dt, gxOffset, o.size());
    run(op, "gGamma", gGamma, dt, 0, c);
    run(op, "gBeta", gBeta, dt, 0, c);
    return dt;
  }

  /** Checks every operand of {@link Backend#layerNorm}; returns the dtype. */
  public static DType layerNorm(int rows, int cols, double eps, Storage x, int xOffset,
      Storage gamma, Storage beta, Storage saveMean, Storage saveInvStd, Storage y, int yOffset) {
    String op = "layerNorm";
    shape(op, rows, cols);
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw new IllegalArgumentException(op + ": eps must be positive and finite, got " + eps);
    }
    DType dt = floating(op, x);
    long n = (long) rows * cols;
    run(op, "x", x, dt, xOffset, n);
    pair(op, "gamma and beta", gamma, beta);
    run(op, "gamma", gamma, dt, 0, cols);
    run(op, "beta", beta, dt, 0, cols);
    run(op, "saveMean", saveMean, dt, 0, rows);
    run(op, "saveInvStd", saveInvStd, dt, 0, rows);
    run(op, "y", required(op, "y", y), dt, yOffset, n);
    return dt;
  }

  /** Checks every operand of {@link Backend#layerNormBackward}; returns the dtype. */
  public static DType layerNormBackward(int rows, int cols, Storage x, int xOffset, Storage gy,
      int gyOffset, Storage gamma, Storage saveMean, Storage saveInvStd, Storage gx, int gxOffset,
      Storage gGamma, Storage gBeta) {
    String op = "layerNormBackward";
    shape(op, rows, cols);
    DType dt = floating(op, x);
    long n = (long) rows * cols;
    run(op, "x", x, dt, xOffset, n);
    run(op, "gy", required(op, "gy", gy), dt, gyOffset, n);
    run(op, "gamma", gamma, dt, 0, cols);
    run(op, "saveMean", required(op, "saveMean", saveMean), dt, 0, rows);
    run(op, "saveInvStd", required(op, "saveInvStd", saveInvStd), dt, 0, rows);
    run(op, "gx", gx, dt, gxOffset, n);
    run(op, "gGamma", gGamma, dt, 0, cols);
    run(op, "gBeta", gBeta, dt, 0, cols);
    return dt;
  }

  /** Checks a {@link Backend#gatherRows} call (sizes, dtypes, ranges). */
  public static void gatherRows(Storage src, int srcOffset, int srcRows, int rowLength,
      Storage indices, int indicesOffset, int rows, Storage dst, int dstOffset) {
    String op = "gatherRows";
    if (srcRows < 0 || rowLength < 0 || rows < 0) {
      throw new IllegalArgumentException(op + ": negative size (srcRows " + srcRows
          + ", rowLength " + rowLength + ", rows " + rows + ")");
    }
    if (indices.dtype() != DType.INT32) {
      throw new IllegalArgumentException(op + ": indices must be i32, got " + indices.dtype());
    }
    run(op, "source", src, src.dtype(), srcOffset, (long) srcRows * rowLength);
    run(op, "indices", indices, DType.INT32, indicesOffset, rows);
    run(op, "output", required(op, "output", dst), src.dtype(), dstOffset, (long) rows * rowLength);
  }

  /** Checks a dropout call (either direction); returns the dtype. */
  public static DType dropout(String op, double p, Storage in, int inOffset, Storage out,
      int outOffset, int n) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException(op + ": p must be in [0, 1), got " + p);
    }
    DType dt = floating(op, in);
    run(op, "input", in, dt, inOffset, n);
    run(op, "output", required(op, "output", out), dt, outOffset, n);
    return dt;
  }

  private static void shape(String op, int rows, int cols) {
    if (rows < 0 || cols < 1) {
      throw new IllegalArgumentException(op + ": need rows >= 0 and cols >= 1, got " + rows + " x " + cols);
    }
    Math.multiplyExact(rows, cols);
  }
}
