package io.myelin.cpu;

import static io.myelin.cpu.VectorLanes.S;

import jdk.incubator.vector.FloatVector;

/**
 * FloatVector bodies of the hottest float32 updates in {@link OptimizerUpdates}. Each does the same
 * float operations in the same order as the scalar loop it precedes (negation as a multiplication
 * by -1, which is exact), so vector and scalar elements agree bit for bit and the split between
 * threads changes nothing. Each returns the first index it left to the scalar loop.
 */
final class OptimizerVectors {

  private OptimizerVectors() {}

  /** Adam / AdamW without amsgrad; see {@code OptimizerUpdates.adam}. */
  static int adam(
      float sign,
      float shrink,
      float l2,
      float b1,
      float c1,
      float b2,
      float c2,
      float stepSize,
      float rootBc2,
      float eps,
      float[] p,
      int po,
      float[] g,
      int go,
      float[] m,
      float[] v,
      int from,
      int to) {
    if (ScalarPath.small(to - from)) {
      return from;
    }
    int i = from;
    for (int end = from + S.loopBound(to - from); i < end; i += S.length()) {
      FloatVector pi = FloatVector.fromArray(S, p, po + i).mul(shrink);
      FloatVector gi = FloatVector.fromArray(S, g, go + i).mul(sign).add(pi.mul(l2));
      FloatVector mi = FloatVector.fromArray(S, m, i).mul(b1).add(gi.mul(c1));
      FloatVector vi = FloatVector.fromArray(S, v, i).mul(b2).add(gi.mul(c2).mul(gi));
      mi.intoArray(m, i);
      vi.intoArray(v, i);
      pi.sub(mi.mul(stepSize).div(vi.sqrt().div(rootBc2).add(eps))).intoArray(p, po + i);
    }
    return i;
  }

  /**
   * Plain SGD ({@code mu == 0}) or heavy-ball momentum after the first step without Nesterov; see
   * {@code OptimizerUpdates.sgd}.
   */
  static int sgd(
      float sign,
      float wd,
      float lr,
      float mu,
      float damp,
      float[] p,
      int po,
      float[] g,
      int go,
      float[] b,
      int from,
      int to) {
    if (ScalarPath.small(to - from)) {
      return from;
    }
    int i = from;
    int end = from + S.loopBound(to - from);
    if (mu == 0) {
      for (; i < end; i += S.length()) {
        FloatVector pi = FloatVector.fromArray(S, p, po + i);
        FloatVector gi = FloatVector.fromArray(S, g, go + i).mul(sign).add(pi.mul(wd));
        pi.sub(gi.mul(lr)).intoArray(p, po + i);
      }
      return i;
    }
    for (; i < end; i += S.length()) {
      FloatVector pi = FloatVector.fromArray(S, p, po + i);
      FloatVector gi = FloatVector.fromArray(S, g, go + i).mul(sign).add(pi.mul(wd));
      FloatVector bi = FloatVector.fromArray(S, b, i).mul(mu).add(gi.mul(damp));
      bi.intoArray(b, i);
      pi.sub(bi.mul(lr)).intoArray(p, po + i);
    }
    return i;
  }
}
