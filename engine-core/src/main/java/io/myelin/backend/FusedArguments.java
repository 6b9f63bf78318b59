package io.myelin.backend;

import static io.myelin.backend.ArgumentChecks.bad;
import static io.myelin.backend.ArgumentChecks.disjoint;
import static io.myelin.backend.ArgumentChecks.dtype;
import static io.myelin.backend.ArgumentChecks.floating;
import static io.myelin.backend.ArgumentChecks.optional;
import static io.myelin.backend.ArgumentChecks.present;
import static io.myelin.backend.ArgumentChecks.run;
import static io.myelin.backend.ArgumentChecks.size;
import static io.myelin.backend.ArgumentChecks.storage;

import io.myelin.DType;

/**
 * {@link BackendArguments} for the fused loss, normalisation and dropout primitives (a file of its
 * own only to keep both short): one static method per primitive, same contract, called by {@link
 * CheckedBackend} before it delegates.
 */
final class FusedArguments {
  private FusedArguments() {}

  /** Throws unless {@code a} and {@code b} are both null or both present. */
  private static void pair(String op, String what, Storage a, Storage b) {
    if ((a == null) != (b == null)) {
      throw bad(op, what + " must be both given or both null");
    }
  }

  /** A present operand of dtype {@code dt} holding [offset, offset + n). */
  private static void operand(
      Backend b, String op, String what, Storage s, DType dt, long offset, long n) {
    dtype(op, what, storage(b, op, what, s), dt);
    run(op, what, s, offset, n);
  }

  /** {@link #operand} for an operand that may be null. */
  private static void optionalOperand(
      Backend b, String op, String what, Storage s, DType dt, long offset, long n) {
    dtype(op, what, optional(b, op, what, s), dt);
    run(op, what, s, offset, n);
  }

  static void crossEntropy(
      Backend b,
      CrossEntropyOptions o,
      Storage logits,
      int logitsOffset,
      Storage target,
      int targetOffset,
      Storage weight,
      Storage loss,
      int lossOffset,
      Storage total,
      int totalOffset) {
    String op = "crossEntropy";
    present(op, "options", o);
    DType dt = floating(op, "logits", storage(b, op, "logits", logits));
    long cells = (long) o.rows() * o.classes();
    run(op, "logits", logits, logitsOffset, cells);
    long targetN = o.probabilityTargets() ? cells : o.rows();
    operand(
        b, op, "target", target, o.probabilityTargets() ? dt : DType.INT32, targetOffset, targetN);
    optionalOperand(b, op, "weight", weight, dt, 0, o.classes());
    operand(b, op, "loss", loss, dt, lossOffset, o.rows());
    optionalOperand(b, op, "total", total, dt, totalOffset, 2);
    disjoint(op, "loss", loss, lossOffset, o.rows(), "logits", logits, logitsOffset, cells, false);
    disjoint(
        op, "loss", loss, lossOffset, o.rows(), "target", target, targetOffset, targetN, false);
    disjoint(op, "total", total, totalOffset, 2, "logits", logits, logitsOffset, cells, false);
    disjoint(op, "total", total, totalOffset, 2, "loss", loss, lossOffset, o.rows(), false);
  }

  static void crossEntropyBackward(
      Backend b,
      CrossEntropyOptions o,
      Storage logits,
      int logitsOffset,
      Storage target,
      int targetOffset,
      Storage weight,
      Storage gradOut,
      int gradOutOffset,
      boolean perRow,
      Storage total,
      int totalOffset,
      Storage gradLogits,
      int gradLogitsOffset) {
    String op = "crossEntropyBackward";
    present(op, "options", o);
    DType dt = floating(op, "logits", storage(b, op, "logits", logits));
    long cells = (long) o.rows() * o.classes();
    run(op, "logits", logits, logitsOffset, cells);
    long targetN = o.probabilityTargets() ? cells : o.rows();
    operand(
        b, op, "target", target, o.probabilityTargets() ? dt : DType.INT32, targetOffset, targetN);
    optionalOperand(b, op, "weight", weight, dt, 0, o.classes());
    long gradOutN = perRow ? o.rows() : Math.min(1, o.rows());
    operand(b, op, "gradOut", gradOut, dt, gradOutOffset, gradOutN);
    if (o.mean()) {
      present(op, "total (the mean's denominator)", total);
    }
    optionalOperand(b, op, "total", total, dt, totalOffset, 2);
    operand(b, op, "gradLogits", gradLogits, dt, gradLogitsOffset, cells);
    disjoint(
        op,
        "gradLogits",
        gradLogits,
        gradLogitsOffset,
        cells,
        "logits",
        logits,
        logitsOffset,
        cells,
        false);
    disjoint(
        op,
        "gradLogits",
        gradLogits,
        gradLogitsOffset,
        cells,
        "target",
        target,
        targetOffset,
        targetN,
        false);
    disjoint(
        op,
        "gradLogits",
        gradLogits,
        gradLogitsOffset,
        cells,
        "weight",
        weight,
        0,
        o.classes(),
        false);
    disjoint(
        op,
        "gradLogits",
        gradLogits,
        gradLogitsOffset,
        cells,
        "gradOut",
        gradOut,
        gradOutOffset,
        gradOutN,
        false);
    disjoint(
        op,
        "gradLogits",
        gradLogits,
        gradLogitsOffset,
        cells,
        "total",
        total,
        totalOffset,
        2,
        false);
  }

  static void batchNorm(
      Backend b,
      BatchNormOptions o,
      Storage x,
      int xOffset,
      Storage gamma,
      Storage beta,
      Storage runningMean,
      Storage runningVar,
      Storage saveMean,
      Storage saveInvStd,
      Storage y,
      int yOffset) {
    String op = "batchNorm";
    present(op, "options", o);
    DType dt = floating(op, "x", storage(b, op, "x", x));
    int c = o.channels();
    run(op, "x", x, xOffset, o.size());
    pair(op, "gamma and beta", gamma, beta);
    optionalOperand(b, op, "gamma", gamma, dt, 0, c);
    optionalOperand(b, op, "beta", beta, dt, 0, c);
    pair(op, "runningMean and runningVar", runningMean, runningVar);
    if (!o.training()) {
      present(op, "runningMean (inference)", runningMean);
    }
    optionalOperand(b, op, "runningMean", runningMean, dt, 0, c);
    optionalOperand(b, op, "runningVar", runningVar, dt, 0, c);
    optionalOperand(b, op, "saveMean", saveMean, dt, 0, c);
    optionalOperand(b, op, "saveInvStd", saveInvStd, dt, 0, c);
    operand(b, op, "y", y, dt, yOffset, o.size());
    disjoint(op, "y", y, yOffset, o.size(), "x", x, xOffset, o.size(), true);
  }

  static void batchNormBackward(
      Backend b,
      BatchNormOptions o,
      Storage x,
      int xOffset,
      Storage gy,
      int gyOffset,
      Storage gamma,
      Storage saveMean,
      Storage saveInvStd,
      Storage gx,
      int gxOffset,
      Storage gGamma,
      Storage gBeta) {
    String op = "batchNormBackward";
    present(op, "options", o);
    DType dt = floating(op, "x", storage(b, op, "x", x));
    int c = o.channels();
    long n = o.size();
    run(op, "x", x, xOffset, n);
    operand(b, op, "gy", gy, dt, gyOffset, n);
    optionalOperand(b, op, "gamma", gamma, dt, 0, c);
    operand(b, op, "saveMean", saveMean, dt, 0, c);
    operand(b, op, "saveInvStd", saveInvStd, dt, 0, c);
    optionalOperand(b, op, "gx", gx, dt, gxOffset, n);
    optionalOperand(b, op, "gGamma", gGamma, dt, 0, c);
    optionalOperand(b, op, "gBeta", gBeta, dt, 0, c);
    normBackwardDisjoint(
        op, n, c, x, xOffset, gy, gyOffset, gamma, saveMean, saveInvStd, gx, gxOffset);
  }

  static void layerNorm(
      Backend b,
      int rows,
      int cols,
      double eps,
      Storage x,
      int xOffset,
      Storage gamma,
      Storage beta,
      Storage saveMean,
      Storage saveInvStd,
      Storage y,
      int yOffset) {
    String op = "layerNorm";
    shape(op, rows, cols);
    if (!(eps > 0) || Double.isInfinite(eps)) {
      throw bad(op, "eps must be positive and finite, got " + eps);
    }
    DType dt = floating(op, "x", storage(b, op, "x", x));
    long n = (long) rows * cols;
    run(op, "x", x, xOffset, n);
    pair(op, "gamma and beta", gamma, beta);
    optionalOperand(b, op, "gamma", gamma, dt, 0, cols);
    optionalOperand(b, op, "beta", beta, dt, 0, cols);
    optionalOperand(b, op, "saveMean", saveMean, dt, 0, rows);
    optionalOperand(b, op, "saveInvStd", saveInvStd, dt, 0, rows);
    operand(b, op, "y", y, dt, yOffset, n);
    disjoint(op, "y", y, yOffset, n, "x", x, xOffset, n, true);
  }

  static void layerNormBackward(
      Backend b,
      int rows,
      int cols,
      Storage x,
      int xOffset,
      Storage gy,
      int gyOffset,
      Storage gamma,
      Storage saveMean,
      Storage saveInvStd,
      Storage gx,
      int gxOffset,
      Storage gGamma,
      Storage gBeta) {
    String op = "layerNormBackward";
    shape(op, rows, cols);
    DType dt = floating(op, "x", storage(b, op, "x", x));
    long n = (long) rows * cols;
    run(op, "x", x, xOffset, n);
    operand(b, op, "gy", gy, dt, gyOffset, n);
    optionalOperand(b, op, "gamma", gamma, dt, 0, cols);
    operand(b, op, "saveMean", saveMean, dt, 0, rows);
    operand(b, op, "saveInvStd", saveInvStd, dt, 0, rows);
    optionalOperand(b, op, "gx", gx, dt, gxOffset, n);
    optionalOperand(b, op, "gGamma", gGamma, dt, 0, cols);
    optionalOperand(b, op, "gBeta", gBeta, dt, 0, cols);
    normBackwardDisjoint(
        op, n, cols, x, xOffset, gy, gyOffset, gamma, saveMean, saveInvStd, gx, gxOffset);
  }

  /** "gx overlaps no input" of both normalisation backwards ({@code params}: gamma's length). */
  private static void normBackwardDisjoint(
      String op,
      long n,
      long params,
      Storage x,
      int xOffset,
      Storage gy,
      int gyOffset,
      Storage gamma,
      Storage saveMean,
      Storage saveInvStd,
      Storage gx,
      int gxOffset) {
    if (gx == null) {
      return;
    }
    disjoint(op, "gx", gx, gxOffset, n, "x", x, xOffset, n, false);
    disjoint(op, "gx", gx, gxOffset, n, "gy", gy, gyOffset, n, false);
    disjoint(op, "gx", gx, gxOffset, n, "gamma", gamma, 0, params, false);
    disjoint(op, "gx", gx, gxOffset, n, "saveMean", saveMean, 0, saveMean.length(), false);
    disjoint(op, "gx", gx, gxOffset, n, "saveInvStd", saveInvStd, 0, saveInvStd.length(), false);
  }

  /** Either direction of dropout: {@code out} may be exactly {@code in}. */
  static void dropout(
      Backend b, String op, double p, Storage in, int inOffset, Storage out, int outOffset, int n) {
    boolean forward = !op.equals("dropoutBackward");
    String inWhat = forward ? "x" : "gy";
    String outWhat = forward ? "y" : "gx";
    if (!(p >= 0 && p < 1)) {
      throw bad(op, "p must be in [0, 1), got " + p);
    }
    size(op, "n", n);
    DType dt = floating(op, inWhat, storage(b, op, inWhat, in));
    run(op, inWhat, in, inOffset, n);
    operand(b, op, outWhat, out, dt, outOffset, n);
    disjoint(op, outWhat, out, outOffset, n, inWhat, in, inOffset, n, true);
  }

  /** {@link #dropout}'s checks, plus the counter: one FLOAT64 element at {@code counterOffset}. */
  static void dropoutCounted(
      Backend b,
      double p,
      Storage counter,
      int counterOffset,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      int n) {
    String op = "dropoutCounted";
    dropout(b, op, p, x, xOffset, y, yOffset, n);
    operand(b, op, "counter", counter, DType.FLOAT64, counterOffset, 1);
  }

  private static void shape(String op, int rows, int cols) {
    size(op, "rows", rows);
    if (cols < 1) {
      throw bad(op, "cols must be >= 1, got " + cols);
    }
  }
}
