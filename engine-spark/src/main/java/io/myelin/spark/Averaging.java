package io.myelin.spark;

import java.util.List;

/**
 * The reduction every replica applies to the gathered vectors: the element-wise mean. Summed in
 * float64 in rank order, so every replica (each given the same list by {@code allGather}, which
 * orders messages by partition id) gets bit-identical float32 results and the replicas never drift
 * apart.
 */
public final class Averaging {
  private Averaging() {}

  /**
   * The element-wise mean of {@code vectors}, each of the same length.
   *
   * @throws IllegalArgumentException if the list is empty or the lengths differ
   */
  public static float[] mean(List<float[]> vectors) {
    if (vectors.isEmpty()) {
      throw new IllegalArgumentException("nothing to average: no vectors gathered");
    }
    int n = vectors.getFirst().length;
    double[] sum = new double[n];
    for (int r = 0; r < vectors.size(); r++) {
      float[] v = vectors.get(r);
      if (v.length != n) {
        throw new IllegalArgumentException(
            "rank "
                + r
                + " sent "
                + v.length
                + " values, rank 0 sent "
                + n
                + ": the replicas' models differ");
      }
      for (int i = 0; i < n; i++) {
        sum[i] += v[i];
      }
    }
    float[] out = new float[n];
    double k = vectors.size();
    for (int i = 0; i < n; i++) {
      out[i] = (float) (sum[i] / k);
    }
    return out;
  }
}
