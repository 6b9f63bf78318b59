package io.myelin;

import java.util.Arrays;

/** Shape arithmetic shared by the tensor ops: broadcasting, dim normalisation, formatting. */
final class Shapes {
  private Shapes() {}

  static String str(int[] shape) {
    return Arrays.toString(shape);
  }

  /** Normalises a possibly negative dim for a tensor of {@code rank}; names the op on error. */
  static int dim(String op, int dim, int rank) {
    int r = Math.max(rank, 1);
    if (dim < -r || dim >= r) {
      throw new IllegalArgumentException(
          op
              + ": dim "
              + dim
              + " out of range for a tensor of rank "
              + rank
              + " (valid: "
              + (-r)
              + " to "
              + (r - 1)
              + ")");
    }
    return dim < 0 ? dim + r : dim;
  }

  /** NumPy broadcast of two shapes; throws a {@link ShapeMismatchException} naming the op. */
  static int[] broadcast(String op, int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) {
        throw new ShapeMismatchException(
            op
                + ": shapes "
                + str(a)
                + " and "
                + str(b)
                + " cannot be broadcast (dim "
                + i
                + ": "
                + da
                + " vs "
                + db
                + ")");
      }
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /** The layout of {@code l} viewed with shape {@code target} (0 strides on broadcast dims). */
  static Layout expand(String op, Layout l, int[] target) {
    int[] shape = l.shape();
    int[] strides = l.strides();
    if (target.length < shape.length) {
      throw new ShapeMismatchException(
          op + ": cannot expand shape " + str(shape) + " to fewer dims " + str(target));
    }
    int[] st = new int[target.length];
    int lead = target.length - shape.length;
    for (int i = 0; i < target.length; i++) {
      if (i < lead) {
        st[i] = 0;
        continue;
      }
      int d = shape[i - lead];
      if (d == target[i]) {
        st[i] = strides[i - lead];
      } else if (d == 1) {
        st[i] = 0;
      } else {
        throw new ShapeMismatchException(
            op + ": cannot expand shape " + str(shape) + " to " + str(target));
      }
    }
    return new Layout(target, st, l.offset());
  }

  static void checkShape(String op, int[] shape) {
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
      }
    }
    if (Layout.numel(shape) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          op + ": shape " + str(shape) + " has more than 2^31-1 elements");
    }
  }

  static int product(int[] shape, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) {
      p *= shape[i];
    }
    return p;
  }
}
