package io.myelin;

import io.myelin.backend.Backend;
import io.myelin.backend.DeviceManager;
import java.util.Arrays;

/** Ops that copy data: contiguous copies, concat/stack, device moves and casts. */
final class Copies {
  private Copies() {}

  static Tensor copy(Tensor t) {
    Tensor out = Tensor.empty(t.device(), t.dtype(), t.layout().shape());
    if (t.numel() > 0) {
      t.backend().copy(t.storage(), t.layout(), out.storage(), out.layout());
    }
    return Tensor.record("copy", out, g -> new Tensor[] {g}, tg -> tg[0].copy(), t);
  }

  /** Zeros of {@code shape} with {@code g} written at {@code start} along {@code dim}. */
  static Tensor padNarrow(Tensor g, int[] shape, int dim, int start) {
    Tensor out = Tensor.zeros(g.device(), g.dtype(), shape);
    if (g.numel() > 0) {
      Layout l = out.layout();
      int[] sub = shape.clone();
      sub[dim] = g.layout().shape()[dim];
      Layout region = new Layout(sub, l.strides(), l.offset() + start * l.strides()[dim]);
      g.backend().copy(g.storage(), g.layout(), out.storage(), region);
    }
    return Tensor.record(
        "pad",
        out,
        gg -> new Tensor[] {gg.narrow(dim, start, g.layout().shape()[dim])},
        tg -> padNarrow(tg[0], shape, dim, start),
        g);
  }

  static Tensor concat(int dim, Tensor... ts) {
    if (ts.length == 0) {
      throw new IllegalArgumentException("concat: no tensors given");
    }
    Tensor first = ts[0];
    int r = first.rank();
    if (r == 0) {
      throw new IllegalArgumentException(
          "concat: cannot concatenate scalars (shape []); use stack");
    }
    int d = Shapes.dim("concat", dim, r);
    int[] shape = first.shape();
    int total = 0;
    for (Tensor t : ts) {
      first.checkCompatible("concat", t);
      int[] s = t.layout().shape();
      boolean ok = s.length == r;
      for (int i = 0; ok && i < r; i++) {
        ok = i == d || s[i] == shape[i];
      }
      if (!ok) {
        throw new ShapeMismatchException(
            "concat along dim "
                + d
                + ": shapes "
                + Shapes.str(shape)
                + " and "
                + Shapes.str(s)
                + " differ outside that dim");
      }
      total += s[d];
    }
    shape[d] = total;
    Tensor out = Tensor.empty(first.device(), first.dtype(), shape);
    Layout l = out.layout();
    int[] starts = new int[ts.length];
    int at = 0;
    for (int k = 0; k < ts.length; k++) {
      Tensor t = ts[k];
      starts[k] = at;
      int len = t.layout().shape()[d];
      if (t.numel() > 0) {
        int[] sub = shape.clone();
        sub[d] = len;
        Layout region = new Layout(sub, l.strides(), l.offset() + at * l.strides()[d]);
        t.backend().copy(t.storage(), t.layout(), out.storage(), region);
      }
      at += len;
    }
    return Tensor.record(
        "concat",
        out,
        g -> {
          Tensor[] gs = new Tensor[ts.length];
          for (int k = 0; k < ts.length; k++) {
            gs[k] = g.narrow(d, starts[k], ts[k].layout().shape()[d]);
          }
          return gs;
        },
        tg -> {
          // The concatenation of the tangents, zeros standing in for inputs without one.
          Tensor[] parts = new Tensor[ts.length];
          for (int k = 0; k < ts.length; k++) {
            parts[k] = tg[k] != null ? tg[k] : Tensor.zerosLike(ts[k]);
          }
          return concat(d, parts);
        },
        ts);
  }

  static Tensor stack(int dim, Tensor... ts) {
    if (ts.length == 0) {
      throw new IllegalArgumentException("stack: no tensors given");
    }
    int r = ts[0].rank();
    int d = dim < 0 ? dim + r + 1 : dim;
    if (d < 0 || d > r) {
      throw new IllegalArgumentException("stack: dim " + dim + " out of range for rank " + r);
    }
    Tensor[] us = new Tensor[ts.length];
    for (int i = 0; i < ts.length; i++) {
      if (!Arrays.equals(ts[i].layout().shape(), ts[0].layout().shape())) {
        throw new ShapeMismatchException(
            "stack: shapes "
                + Shapes.str(ts[0].layout().shape())
                + " and "
                + Shapes.str(ts[i].layout().shape())
                + " differ");
      }
      us[i] = ts[i].unsqueeze(d);
    }
    return concat(d, us);
  }

  static Tensor toDevice(Tensor t, Device target) {
    t.checkOpen();
    Device source = t.device();
    if (source.equals(target)) {
      return t;
    }
    Backend dst = DeviceManager.global().backend(target);
    Tensor src = t.contiguous();
    Object host =
        switch (t.dtype()) {
          case FLOAT32 -> new float[t.numel()];
          case FLOAT64 -> new double[t.numel()];
          case INT32 -> new int[t.numel()];
        };
    Layout l = Layout.contiguous(t.layout().shape());
    Tensor out = new Tensor(dst.allocate(t.dtype(), l.size()), l);
    if (t.numel() > 0) {
      src.backend().copyToHost(src.storage(), src.layout().offset(), host, 0, t.numel());
      dst.copyFromHost(host, 0, out.storage(), 0, t.numel());
    }
    if (src != t) {
      src.close();
    }
    return Tensor.record("to", out, g -> new Tensor[] {g.to(source)}, tg -> tg[0].to(target), t);
  }

  static Tensor cast(Tensor t, DType target) {
    t.checkOpen();
    DType source = t.dtype();
    if (source == target) {
      return t;
    }
    Tensor out = Tensor.empty(t.device(), target, t.layout().shape());
    if (t.numel() > 0) {
      t.backend().copy(t.storage(), t.layout(), out.storage(), out.layout());
    }
    if (!source.isFloating() || !target.isFloating()) {
      return out;
    }
    return Tensor.record("cast", out, g -> new Tensor[] {g.to(source)}, tg -> tg[0].to(target), t);
  }
}
