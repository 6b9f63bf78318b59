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
          "optimizerUpdate: "
              + kind
              + " takes "
              + kind.stateCount()
              + " state buffers, got "
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
   * Updates elements {@code [from, to)} of one parameter at step {@code step}: writes the step's
   * scalar block ({@link OptimizerKind#writeScalars}) and runs {@link #update(OptimizerKind,
   * OptimizerHyperparameters, double[], int, Object, int, Object, int, Object[], int, int)}.
   *
   * @param param {@code float[]} or {@code double[]}; element {@code i} at {@code paramOffset + i}
   * @param grad an array of the same type; element {@code i} at {@code gradOffset + i}
   * @param state {@code kind.stateCount()} arrays of the same type (element {@code i} at index
   *     {@code i}), null where the slot is unused under {@code h}
   */
  public static void update(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      long step,
      Object param,
      int paramOffset,
      Object grad,
      int gradOffset,
      Object[] state,
      int from,
      int to) {
    if (step < 1) {
      throw new IllegalArgumentException("optimizerUpdate: step must be >= 1, got " + step);
    }
    double[] scalars = new double[OptimizerKind.SCALARS];
    kind.writeScalars(h, step, scalars, 0);
    update(kind, h, scalars, 0, param, paramOffset, grad, gradOffset, state, from, to);
  }

  /**
   * Updates elements {@code [from, to)} of one parameter with the step-dependent coefficients of
   * the scalar block at {@code scalars[scalarsOffset]} (what every backend reads; see {@link
   * OptimizerKind#writeScalars}). One implementation for both precisions ({@link
   * OptimizerUpdates}); nothing happens when the block's {@link OptimizerKind#APPLY} entry is 0.
   */
  public static void update(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      double[] scalars,
      int scalarsOffset,
      Object param,
      int paramOffset,
      Object grad,
      int gradOffset,
      Object[] state,
      int from,
      int to) {
    check(kind, h, state);
    if (param == null
        || grad == null
        || param.getClass() != grad.getClass()
        || !(param instanceof float[] || param instanceof double[])) {
      throw new IllegalArgumentException(
          "optimizerUpdate: parameter and gradient must both be float[] or both double[], got "
              + name(param)
              + " and "
              + name(grad));
    }
    if (scalars[scalarsOffset + OptimizerKind.APPLY] == 0) {
      return; // a skipped step: parameter and state stay as they are
    }
    OptimizerElements p = OptimizerElements.of(param, paramOffset);
    OptimizerElements g = OptimizerElements.of(grad, gradOffset);
    OptimizerElements[] s = new OptimizerElements[state.length];
    for (int i = 0; i < s.length; i++) {
      if (state[i] != null && state[i].getClass() != param.getClass()) {
        throw new IllegalArgumentException(
            "optimizerUpdate: state '"
                + kind.stateName(i)
                + "' is "
                + name(state[i])
                + ", the parameter "
                + name(param));
      }
      s[i] = OptimizerElements.of(state[i], 0);
    }
    double[] c = scalars;
    int o = scalarsOffset;
    switch (kind) {
      case SGD -> OptimizerUpdates.sgd(h, c, o, p, g, s[0], from, to);
      case ADAM -> OptimizerUpdates.adam(h, c, o, p, g, s[0], s[1], s[2], from, to);
      case ADAMAX -> OptimizerUpdates.adamax(h, c, o, p, g, s[0], s[1], from, to);
      case NADAM -> OptimizerUpdates.nadam(h, c, o, p, g, s[0], s[1], from, to);
      case RMSPROP -> OptimizerUpdates.rmsprop(h, c, o, p, g, s[0], s[1], s[2], from, to);
      case ADAGRAD -> OptimizerUpdates.adagrad(h, c, o, p, g, s[0], from, to);
      case ADADELTA -> OptimizerUpdates.adadelta(h, c, o, p, g, s[0], s[1], from, to);
    }
  }

  private static String name(Object array) {
    return array == null ? "null" : array.getClass().getSimpleName();
  }
}
