package io.myelin.cpu;

import io.myelin.backend.OptimizerHyperparameters;
import io.myelin.backend.OptimizerKind;

/**
 * The CPU's fused optimizer updates ({@link io.myelin.backend.Backend#optimizerUpdate}) over Java
 * arrays: one pass over the elements per call, reading each gradient once and writing each
 * parameter and state element once, with the formulas of {@link OptimizerKind}.
 *
 * <p>{@link #update} works on an element range so that the backend can split a large parameter
 * across threads; elements are independent, so any split gives the same bits. Stateless and
 * thread-safe.
 */
public final class OptimizerKernels {
  private OptimizerKernels() {}

  /** Checks the state slots {@code h} needs against {@code state} (null where unused). */
  static void check(OptimizerKind kind, OptimizerHyperparameters h, Object[] state) {
    if (state.length != kind.stateCount()) {
      throw new IllegalArgumentException(
          "optimizerUpdate: " + kind + " takes " + kind.stateCount() + " state buffers, got "
              + state.length);
    }
    for (int i = 0; i < state.length; i++) {
      if (kind.usesState(i, h) && state[i] == null) {
        throw new IllegalArgumentException(
            "optimizerUpdate: " + kind + " needs state '" + kind.stateName(i) + "'");
      }
    }
  }

  /**
   * Updates elements {@code [from, to)} of one parameter.
   *
   * @param param {@code float[]} or {@code double[]}; element {@code i} at {@code paramOffset + i}
   * @param grad an array of the same type; element {@code i} at {@code gradOffset + i}
   * @param state {@code kind.stateCount()} arrays of the same type (element {@code i} at index
   *     {@code i}), null where the slot is unused under {@code h}
   */
  public static void update(
      OptimizerKind kind, OptimizerHyperparameters h, long step, Object param, int paramOffset,
      Object grad, int gradOffset, Object[] state, int from, int to) {
    if (step < 1) {
      throw new IllegalArgumentException("optimizerUpdate: step must be >= 1, got " + step);
    }
    check(kind, h, state);
    switch (param) {
      case double[] p when grad instanceof double[] g -> f64(kind, h, step, p, paramOffset, g, gradOffset, state, from, to);
      case float[] p when grad instanceof float[] g -> f32(kind, h, step, p, paramOffset, g, gradOffset, state, from, to);
      default -> throw new IllegalArgumentException(
          "optimizerUpdate: parameter and gradient must both be float[] or both double[], got "
              + param.getClass().getSimpleName() + " and " + grad.getClass().getSimpleName());
    }
  }

  private static void f64(
      OptimizerKind kind, OptimizerHyperparameters h, long t, double[] p, int po, double[] g,
      int go, Object[] s, int from, int to) {
    switch (kind) {
      case SGD -> OptimizerKernelsF64.sgd(h, t, p, po, g, go, (double[]) s[0], from, to);
      case ADAM -> OptimizerKernelsF64.adam(
          h, t, p, po, g, go, (double[]) s[0], (double[]) s[1], (double[]) s[2], from, to);
      case ADAMAX -> OptimizerKernelsF64.adamax(
          h, t, p, po, g, go, (double[]) s[0], (double[]) s[1], from, to);
      case NADAM -> OptimizerKernelsF64.nadam(
          h, t, p, po, g, go, (double[]) s[0], (double[]) s[1], from, to);
      case RMSPROP -> OptimizerKernelsF64.rmsprop(
          h, p, po, g, go, (double[]) s[0], (double[]) s[1], (double[]) s[2], from, to);
      case ADAGRAD -> OptimizerKernelsF64.adagrad(h, t, p, po, g, go, (double[]) s[0], from, to);
      case ADADELTA -> OptimizerKernelsF64.adadelta(
          h, p, po, g, go, (double[]) s[0], (double[]) s[1], from, to);
    }
  }

  private static void f32(
      OptimizerKind kind, OptimizerHyperparameters h, long t, float[] p, int po, float[] g,
      int go, Object[] s, int from, int to) {
    switch (kind) {
      case SGD -> OptimizerKernelsF32.sgd(h, t, p, po, g, go, (float[]) s[0], from, to);
      case ADAM -> OptimizerKernelsF32.adam(
          h, t, p, po, g, go, (float[]) s[0], (float[]) s[1], (float[]) s[2], from, to);
      case ADAMAX -> OptimizerKernelsF32.adamax(
          h, t, p, po, g, go, (float[]) s[0], (float[]) s[1], from, to);
      case NADAM -> OptimizerKernelsF32.nadam(
          h, t, p, po, g, go, (float[]) s[0], (float[]) s[1], from, to);
      case RMSPROP -> OptimizerKernelsF32.rmsprop(
          h, p, po, g, go, (float[]) s[0], (float[]) s[1], (float[]) s[2], from, to);
      case ADAGRAD -> OptimizerKernelsF32.adagrad(h, t, p, po, g, go, (float[]) s[0], from, to);
      case ADADELTA -> OptimizerKernelsF32.adadelta(
          h, p, po, g, go, (float[]) s[0], (float[]) s[1], from, to);
    }
  }
}
