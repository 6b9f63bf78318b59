package io.myelin;

import java.util.Arrays;

/** Ops that return views sharing the input's storage, with their gradients. */
final class Views {
  private Views() {}

  static Tensor reshape(Tensor t, int[] shape, boolean strict) {
    t.checkOpen();
    int[] target = inferShape(t.numel(), shape, t.layout().shape());
    int[] strides = viewStrides(t.layout(), target);
    if (strides == null) {
      if (strict) {
        throw new IllegalArgumentException(
            "view: a tensor of shape "
                + Shapes.str(t.layout().shape())
                + " and strides "
                + Shapes.str(t.layout().strides())
                + " cannot be viewed as "
                + Shapes.str(target)
                + " without a copy (use reshape or contiguous first)");
      }
      return reshape(t.copy(), target, true);
    }
    int[] original = t.shape();
    Tensor out = t.viewOf(new Layout(target, strides, t.layout().offset()));
    // Tangent: the same reshape of the input's tangent.
    return Tensor.record(
        "reshape", out, g -> new Tensor[] {g.reshape(original)}, tg -> tg[0].reshape(target), t);
  }

  static int[] inferShape(int numel, int[] shape, int[] from) {
    int infer = -1;
    long known = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException(
              "reshape: only one dim may be -1, got " + Shapes.str(shape));
        }
        infer = i;
      } else if (shape[i] < 0) {
        throw new IllegalArgumentException("reshape: negative dim in " + Shapes.str(shape));
      } else {
        known *= shape[i];
      }
    }
    int[] out = shape.clone();
    if (infer >= 0) {
      if (known == 0 || numel % known != 0) {
        throw new ShapeMismatchException(
            "reshape: cannot infer -1 in "
                + Shapes.str(shape)
                + " for "
                + numel
                + " elements (shape "
                + Shapes.str(from)
                + ")");
      }
      out[infer] = (int) (numel / known);
    } else if (known != numel) {
      throw new ShapeMismatchException(
          "reshape: shape "
              + Shapes.str(from)
              + " ("
              + numel
              + " elements) cannot become "
              + Shapes.str(shape)
              + " ("
              + known
              + " elements)");
    }
    return out;
  }

  /** Strides that view {@code l} as {@code target} without a copy, or null (PyTorch's rule). */
  static int[] viewStrides(Layout l, int[] target) {
    int[] oldShape = l.shape();
    int[] oldStrides = l.strides();
    if (l.isContiguous() || Layout.numel(target) == 0 || oldShape.length == 0) {
      return Layout.contiguousStrides(target);
    }
    int[] strides = new int[target.length];
    int viewD = target.length - 1;
    long chunkBase = oldStrides[oldStrides.length - 1];
    long tensorNumel = 1;
    long viewNumel = 1;
    for (int d = oldShape.length - 1; d >= 0; d--) {
      tensorNumel *= oldShape[d];
      if (d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBase)) {
        while (viewD >= 0 && (viewNumel < tensorNumel || target[viewD] == 1)) {
          strides[viewD] = (int) (viewNumel * chunkBase);
          viewNumel *= target[viewD];
          viewD--;
        }
        if (viewNumel != tensorNumel) {
          return null;
        }
        if (d > 0) {
          chunkBase = oldStrides[d - 1];
          tensorNumel = 1;
          viewNumel = 1;
        }
      }
    }
    return viewD == -1 ? strides : null;
  }

  static Tensor transpose(Tensor t, int dim0, int dim1) {
    int r = t.rank();
    int a = Shapes.dim("transpose", dim0, r);
    int b = Shapes.dim("transpose", dim1, r);
    int[] order = new int[r];
    for (int i = 0; i < r; i++) {
      order[i] = i;
    }
    // a == b (or a scalar) is the identity permutation: still a recorded view, so gradients and
    // tangents flow through it.
    if (r > 0) {
      order[a] = b;
      order[b] = a;
    }
    return permute(t, order);
  }

  static Tensor permute(Tensor t, int[] order) {
    int r = t.rank();
    if (order.length != r) {
      throw new IllegalArgumentException(
          "permute: got "
              + order.length
              + " dims "
              + Shapes.str(order)
              + " for a tensor of rank "
              + r);
    }
    int[] norm = new int[r];
    boolean[] seen = new boolean[r];
    for (int i = 0; i < r; i++) {
      norm[i] = Shapes.dim("permute", order[i], r);
      if (seen[norm[i]]) {
        throw new IllegalArgumentException(
            "permute: dim " + norm[i] + " repeated in " + Shapes.str(order));
      }
      seen[norm[i]] = true;
    }
    Layout l = t.layout();
    int[] shape = new int[r];
    int[] strides = new int[r];
    int[] inverse = new int[r];
    for (int i = 0; i < r; i++) {
      shape[i] = l.shape()[norm[i]];
      strides[i] = l.strides()[norm[i]];
      inverse[norm[i]] = i;
    }
    Tensor out = t.viewOf(new Layout(shape, strides, l.offset()));
    return Tensor.record(
        "permute", out, g -> new Tensor[] {g.permute(inverse)}, tg -> tg[0].permute(norm), t);
  }

  static Tensor squeeze(Tensor t, int dim) {
    int d = Shapes.dim("squeeze", dim, t.rank());
    if (t.rank() == 0 || t.layout().shape()[d] != 1) {
      return reshape(t, t.shape(), true); // PyTorch: squeezing a dim that is not 1 is a no-op
    }
    return dropDims(t, new boolean[t.rank()], d);
  }

  static Tensor squeezeAll(Tensor t) {
    boolean[] drop = new boolean[t.rank()];
    for (int i = 0; i < drop.length; i++) {
      drop[i] = t.layout().shape()[i] == 1;
    }
    return dropDims(t, drop, -1);
  }

  private static Tensor dropDims(Tensor t, boolean[] drop, int also) {
    if (also >= 0) {
      drop[also] = true;
    }
    Layout l = t.layout();
    int n = 0;
    for (boolean b : drop) {
      n += b ? 0 : 1;
    }
    int[] shape = new int[n];
    int[] strides = new int[n];
    for (int i = 0, j = 0; i < drop.length; i++) {
      if (!drop[i]) {
        shape[j] = l.shape()[i];
        strides[j++] = l.strides()[i];
      }
    }
    int[] original = t.shape();
    Tensor out = t.viewOf(new Layout(shape, strides, l.offset()));
    return Tensor.record(
        "squeeze", out, g -> new Tensor[] {g.reshape(original)}, tg -> tg[0].reshape(shape), t);
  }

  static Tensor unsqueeze(Tensor t, int dim) {
    int r = t.rank();
    if (dim < -(r + 1) || dim > r) {
      throw new IllegalArgumentException(
          "unsqueeze: dim "
              + dim
              + " out of range for rank "
              + r
              + " (valid: "
              + (-(r + 1))
              + " to "
              + r
              + ")");
    }
    int d = dim < 0 ? dim + r + 1 : dim;
    Layout l = t.layout();
    int[] shape = new int[r + 1];
    int[] strides = new int[r + 1];
    for (int i = 0, j = 0; i <= r; i++) {
      if (i == d) {
        shape[i] = 1;
        strides[i] = d < r ? l.strides()[d] * l.shape()[d] : 1;
      } else {
        shape[i] = l.shape()[j];
        strides[i] = l.strides()[j++];
      }
    }
    int[] original = t.shape();
    Tensor out = t.viewOf(new Layout(shape, strides, l.offset()));
    return Tensor.record(
        "unsqueeze", out, g -> new Tensor[] {g.reshape(original)}, tg -> tg[0].reshape(shape), t);
  }

  static Tensor narrow(Tensor t, int dim, int start, int length) {
    int d = Shapes.dim("narrow", dim, t.rank());
    if (t.rank() == 0) {
      throw new IllegalArgumentException("narrow: cannot narrow a scalar (shape [])");
    }
    Layout l = t.layout();
    int size = l.shape()[d];
    if (start < 0 || length < 0 || start + length > size) {
      throw new IndexOutOfBoundsException(
          "narrow: range ["
              + start
              + ", "
              + (start + length)
              + ") outside dim "
              + d
              + " of size "
              + size
              + " (shape "
              + Shapes.str(l.shape())
              + ")");
    }
    int[] shape = l.shape().clone();
    shape[d] = length;
    int offset = length == 0 ? l.offset() : l.offset() + start * l.strides()[d];
    Tensor out = t.viewOf(new Layout(shape, l.strides(), offset));
    int[] original = t.shape();
    return Tensor.record(
        "narrow",
        out,
        g -> new Tensor[] {Copies.padNarrow(g, original, d, start)},
        tg -> tg[0].narrow(d, start, length),
        t);
  }

  static Tensor select(Tensor t, int dim, int index) {
    int d = Shapes.dim("select", dim, t.rank());
    int size = t.layout().shape()[d];
    int i = index < 0 ? index + size : index;
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException(
          "select: index " + index + " outside dim " + d + " of size " + size);
    }
    return narrow(t, d, i, 1).squeeze(d);
  }

  static Tensor expand(Tensor t, int[] shape) {
    int[] target = shape.clone();
    int lead = target.length - t.rank();
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        if (i < lead) {
          throw new IllegalArgumentException(
              "expand: -1 not allowed for new leading dim " + i + " in " + Shapes.str(shape));
        }
        target[i] = t.layout().shape()[i - lead];
      }
    }
    Layout l = Shapes.expand("expand", t.layout(), target);
    int[] original = t.shape();
    Tensor out = t.viewOf(l);
    return Tensor.record(
        "expand",
        out,
        g -> new Tensor[] {Elementwise.sumToShape(g, original)},
        tg -> tg[0].expand(target),
        t);
  }

  static Tensor flatten(Tensor t, int startDim, int endDim) {
    int r = t.rank();
    if (r == 0) {
      return t.reshape(1);
    }
    int s = Shapes.dim("flatten", startDim, r);
    int e = Shapes.dim("flatten", endDim, r);
    if (s > e) {
      throw new IllegalArgumentException(
          "flatten: startDim " + startDim + " after endDim " + endDim);
    }
    int[] sh = t.layout().shape();
    int[] out = new int[r - (e - s)];
    int j = 0;
    for (int i = 0; i < s; i++) {
      out[j++] = sh[i];
    }
    out[j++] = Shapes.product(sh, s, e + 1);
    for (int i = e + 1; i < r; i++) {
      out[j++] = sh[i];
    }
    return t.reshape(Arrays.copyOf(out, j));
  }
}
