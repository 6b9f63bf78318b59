package io.myelin;

/** Renders a tensor as text: a header line, then nested brackets (elided when large). */
final class TensorFormat {
  private static final int FULL_LIMIT = 1000;
  private static final int EDGE = 3;

  private TensorFormat() {}

  static String format(Tensor t) {
    StringBuilder sb = new StringBuilder();
    sb.append("Tensor")
        .append(Shapes.str(t.layout().shape()))
        .append(' ')
        .append(t.dtype().shortName())
        .append(' ')
        .append(t.device());
    if (t.gradFn() != null) {
      sb.append(" grad_fn=").append(t.gradFn().op());
    } else if (t.requiresGrad()) {
      sb.append(" requires_grad");
    }
    if (t.isClosed()) {
      return sb.append(" (closed)").toString();
    }
    sb.append('\n');
    double[] v = t.toDoubleArray();
    int[] shape = t.layout().shape();
    boolean ints = t.dtype() == DType.INT32;
    if (shape.length == 0) {
      return sb.append(num(v[0], ints)).toString();
    }
    boolean elide = v.length > FULL_LIMIT;
    render(sb, v, shape, 0, 0, elide, ints);
    return sb.toString();
  }

  private static void render(
      StringBuilder sb, double[] v, int[] shape, int dim, int base, boolean elide, boolean ints) {
    int n = shape[dim];
    int stride = 1;
    for (int i = dim + 1; i < shape.length; i++) {
      stride *= shape[i];
    }
    sb.append('[');
    for (int i = 0; i < n; i++) {
      if (elide && n > 2 * EDGE && i == EDGE) {
        sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(dim + 1));
        i = n - EDGE - 1;
        continue;
      }
      if (dim == shape.length - 1) {
        sb.append(num(v[base + i], ints));
      } else {
        render(sb, v, shape, dim + 1, base + i * stride, elide, ints);
      }
      if (i < n - 1) {
        sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(dim + 1));
      }
    }
    sb.append(']');
  }

  private static String num(double d, boolean ints) {
    if (ints) {
      return Long.toString((long) d);
    }
    return String.format(java.util.Locale.ROOT, "%.4f", d);
  }
}
