package io.myelin.spark;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import java.util.List;

/**
 * A replica's parameters (or gradients) as one host float32 vector, in parameter order; values
 * written back go to each parameter's own device.
 */
final class Flat {
  private Flat() {}

  static int size(List<Tensor> params) {
    long n = 0;
    for (Tensor p : params) {
      n += p.numel();
    }
    return Math.toIntExact(n);
  }

  static float[] values(List<Tensor> params) {
    float[] out = new float[size(params)];
    int at = 0;
    for (Tensor p : params) {
      float[] v = p.toFloatArray();
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return out;
  }

  /** The gradients, zeros where a parameter got none this step. */
  static float[] grads(List<Tensor> params) {
    float[] out = new float[size(params)];
    int at = 0;
    for (Tensor p : params) {
      int n = Math.toIntExact(p.numel());
      if (p.grad() != null) {
        System.arraycopy(p.grad().toFloatArray(), 0, out, at, n);
      }
      at += n;
    }
    return out;
  }

  static void setValues(List<Tensor> params, float[] flat) {
    int at = 0;
    try (var ignored = Autograd.noGrad()) {
      for (Tensor p : params) {
        int n = Math.toIntExact(p.numel());
        float[] slice = new float[n];
        System.arraycopy(flat, at, slice, 0, n);
        try (Tensor src = Tensor.of(p.device(), slice, p.shape())) {
          p.assign(src);
        }
        at += n;
      }
    }
  }

  static void setGrads(List<Tensor> params, float[] flat) {
    int at = 0;
    for (Tensor p : params) {
      int n = Math.toIntExact(p.numel());
      float[] slice = new float[n];
      System.arraycopy(flat, at, slice, 0, n);
      p.setGrad(Tensor.of(p.device(), slice, p.shape()));
      at += n;
    }
  }
}
