package io.myelin.backend;

import static io.myelin.backend.ArgumentChecks.bad;
import static io.myelin.backend.ArgumentChecks.count;
import static io.myelin.backend.ArgumentChecks.disjoint;
import static io.myelin.backend.ArgumentChecks.dtype;
import static io.myelin.backend.ArgumentChecks.floating;
import static io.myelin.backend.ArgumentChecks.hostArray;
import static io.myelin.backend.ArgumentChecks.notBroadcast;
import static io.myelin.backend.ArgumentChecks.present;
import static io.myelin.backend.ArgumentChecks.run;
import static io.myelin.backend.ArgumentChecks.sameShape;
import static io.myelin.backend.ArgumentChecks.size;
import static io.myelin.backend.ArgumentChecks.storage;
import static io.myelin.backend.ArgumentChecks.view;

import io.myelin.DType;
import io.myelin.Layout;

/**
 * The argument checks of every {@link Backend} primitive: one static method per primitive, with the
 * primitive's name and its parameters after the backend that will run it. {@link CheckedBackend}
 * calls it before it delegates, so a backend receives only calls that satisfy the interface's
 * javadoc: storages present, live and its own; sizes non-negative; every run and view inside its
 * storage (in {@code long}); the dtypes the primitive supports; the aliasing rules it states.
 * Backends assume all of that.
 *
 * <p>Contract: a bad argument is an {@link IllegalArgumentException} whose message starts with the
 * primitive's name and the argument ({@code "gemm: c batchStride 0 ..."}); a freed storage is an
 * {@link IllegalStateException}. Never a NullPointerException or an index exception.
 *
 * <p>Adding a primitive: a method here named after it (checks built from {@link ArgumentChecks}),
 * and in {@link CheckedBackend} the two-line override that calls it and delegates; {@code
 * BackendArgumentConformanceTest} gets its bad calls. Data-dependent errors (an index value read on
 * the device) stay with the backend.
 */
final class BackendArguments {
  private BackendArguments() {}

  // Names built once: a check runs before every call and must not allocate on success.
  private static final String[] UNARY = names("unary ", UnaryOp.values());
  private static final String[] UNARY_BACKWARD = names("unaryBackward ", UnaryOp.values());
  private static final String[] BINARY = names("binary ", BinaryOp.values());
  private static final String[] REDUCE = names("reduce ", ReduceOp.values());
  private static final String[][] STATES = stateNames();

  private static String[] names(String prefix, Enum<?>[] ops) {
    String[] n = new String[ops.length];
    for (Enum<?> op : ops) {
      n[op.ordinal()] = prefix + op.name();
    }
    return n;
  }

  private static String[][] stateNames() {
    OptimizerKind[] kinds = OptimizerKind.values();
    String[][] n = new String[kinds.length][];
    for (OptimizerKind k : kinds) {
      n[k.ordinal()] = new String[k.stateCount()];
      for (int i = 0; i < k.stateCount(); i++) {
        n[k.ordinal()][i] = "state '" + k.stateName(i) + "'";
      }
    }
    return n;
  }

  // ---- memory -------------------------------------------------------------------------------

  static void allocate(Backend b, DType dtype, int length) {
    present("allocate", "dtype", dtype);
    size("allocate", "length", length);
  }

  static void copyFromHost(
      Backend b, String op, Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    storage(b, op, "dst", dst);
    size(op, "length", length);
    hostArray(op, "src", src, dst.dtype(), srcOffset, length);
    run(op, "dst", dst, dstOffset, length);
  }

  static void copyToHost(
      Backend b, Storage src, int srcOffset, Object dst, int dstOffset, int length) {
    String op = "copyToHost";
    storage(b, op, "src", src);
    size(op, "length", length);
    run(op, "src", src, srcOffset, length);
    hostArray(op, "dst", dst, src.dtype(), dstOffset, length);
  }

  static void copy(Backend b, Storage src, Layout srcLayout, Storage dst, Layout dstLayout) {
    String op = "copy";
    view(op, "src", storage(b, op, "src", src), srcLayout);
    view(op, "dst", storage(b, op, "dst", dst), dstLayout);
    sameShape(op, "src", srcLayout, "dst", dstLayout);
    disjoint(op, "dst", dst, dstLayout, "src", src, srcLayout, true);
  }

  static void fill(Backend b, Storage dst, Layout layout) {
    view("fill", "dst", storage(b, "fill", "dst", dst), layout);
  }

  static void random(
      Backend b, String op, Storage dst, int offset, int length, double p, double q) {
    floating(op, "dst", storage(b, op, "dst", dst));
    size(op, "length", length);
    run(op, "dst", dst, offset, length);
    boolean normal = op.equals("randomNormal");
    if (normal ? !(q >= 0) : !(p <= q)) {
      throw bad(
          op,
          normal ? "std must be >= 0, got " + q : "needs low <= high, got [" + p + ", " + q + ")");
    }
  }

  // ---- linear algebra -----------------------------------------------------------------------

  static void gemm(
      Backend b, int batch, int m, int n, int k, GemmOperand a, GemmOperand bo, GemmOperand c) {
    String op = "gemm";
    size(op, "batch", batch);
    size(op, "m", m);
    size(op, "n", n);
    size(op, "k", k);
    present(op, "a", a);
    present(op, "b", bo);
    present(op, "c", c);
    DType dt = floating(op, "a", storage(b, op, "a", a.storage()));
    dtype(op, "b", storage(b, op, "b", bo.storage()), dt);
    dtype(op, "c", storage(b, op, "c", c.storage()), dt);
    if (c.transposed()) {
      throw bad(op, "c must not be transposed");
    }
    long aEnd = operand(op, "a", a, batch, a.transposed() ? k : m, a.transposed() ? m : k);
    long bEnd = operand(op, "b", bo, batch, bo.transposed() ? n : k, bo.transposed() ? k : n);
    long cEnd = operand(op, "c", c, batch, m, n);
    if (batch > 1 && m > 0 && n > 0 && c.batchStride() < (long) (m - 1) * c.ld() + n) {
      // Two entries of the batch would write the same elements of C: a race on a GPU.
      throw bad(
          op,
          "c batchStride "
              + c.batchStride()
              + " with batch "
              + batch
              + " makes the matrices of C overlap; needs >= (m - 1) * ld + n = "
              + ((long) (m - 1) * c.ld() + n));
    }
    disjoint(
        op,
        "c",
        c.storage(),
        c.offset(),
        cEnd - c.offset(),
        "a",
        a.storage(),
        a.offset(),
        aEnd - a.offset(),
        false);
    disjoint(
        op,
        "c",
        c.storage(),
        c.offset(),
        cEnd - c.offset(),
        "b",
        bo.storage(),
        bo.offset(),
        bEnd - bo.offset(),
        false);
  }

  /**
   * Checks one operand stored as {@code batch} matrices of {@code rows x cols}; returns one past
   * the last element it reaches (its offset when it reaches none).
   */
  private static long operand(
      String op, String what, GemmOperand o, int batch, int rows, int cols) {
    if (batch == 0 || rows == 0 || cols == 0) {
      return o.offset();
    }
    if (o.ld() < cols) {
      throw bad(
          op,
          what
              + " ld "
              + o.ld()
              + " is below its row length "
              + cols
              + (o.transposed() ? " (stored transposed: " + rows + " x " + cols + ")" : ""));
    }
    long end =
        o.offset() + (long) (batch - 1) * o.batchStride() + (long) (rows - 1) * o.ld() + cols;
    if (end > o.storage().length()) {
      throw bad(
          op,
          what
              + " reaches element "
              + (end - 1)
              + " of a storage of "
              + o.storage().length()
              + " (offset "
              + o.offset()
              + ", "
              + batch
              + " x "
              + rows
              + " x "
              + cols
              + ", ld "
              + o.ld()
              + ", batchStride "
              + o.batchStride()
              + ")");
    }
    return end;
  }

  // ---- element-wise -------------------------------------------------------------------------

  static void unary(Backend b, UnaryOp op, Storage x, Layout xLayout, Storage y, Layout yLayout) {
    String name = UNARY[present("unary", "op", op).ordinal()];
    DType dt = floating(name, "x", storage(b, name, "x", x));
    dtype(name, "y", storage(b, name, "y", y), dt);
    view(name, "x", x, xLayout);
    view(name, "y", y, yLayout);
    sameShape(name, "x", xLayout, "y", yLayout);
    notBroadcast(name, "y", yLayout);
    disjoint(name, "y", y, yLayout, "x", x, xLayout, true);
  }

  static void unaryBackward(
      Backend b,
      UnaryOp op,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int n) {
    String name = UNARY_BACKWARD[present("unaryBackward", "op", op).ordinal()];
    size(name, "n", n);
    DType dt = floating(name, "x", storage(b, name, "x", x));
    dtype(name, "y", storage(b, name, "y", y), dt);
    dtype(name, "gy", storage(b, name, "gy", gy), dt);
    dtype(name, "gx", storage(b, name, "gx", gx), dt);
    run(name, "x", x, xOffset, n);
    run(name, "y", y, yOffset, n);
    run(name, "gy", gy, gyOffset, n);
    run(name, "gx", gx, gxOffset, n);
    disjoint(name, "gx", gx, gxOffset, n, "x", x, xOffset, n, true);
    disjoint(name, "gx", gx, gxOffset, n, "y", y, yOffset, n, true);
    disjoint(name, "gx", gx, gxOffset, n, "gy", gy, gyOffset, n, true);
  }

  static void binary(
      Backend b,
      BinaryOp op,
      Storage x,
      Layout xLayout,
      Storage y,
      Layout yLayout,
      Storage out,
      Layout outLayout) {
    String name = BINARY[present("binary", "op", op).ordinal()];
    DType dt = floating(name, "x", storage(b, name, "x", x));
    dtype(name, "y", storage(b, name, "y", y), dt);
    dtype(name, "out", storage(b, name, "out", out), dt);
    view(name, "x", x, xLayout);
    view(name, "y", y, yLayout);
    view(name, "out", out, outLayout);
    sameShape(name, "x", xLayout, "out", outLayout);
    sameShape(name, "y", yLayout, "out", outLayout);
    notBroadcast(name, "out", outLayout);
    disjoint(name, "out", out, outLayout, "x", x, xLayout, true);
    disjoint(name, "out", out, outLayout, "y", y, yLayout, true);
  }

  static void where(
      Backend b,
      Storage cond,
      Layout condLayout,
      Storage x,
      Layout xLayout,
      Storage y,
      Layout yLayout,
      Storage out,
      Layout outLayout) {
    String op = "where";
    DType dt = floating(op, "x", storage(b, op, "x", x));
    dtype(op, "cond", storage(b, op, "cond", cond), dt);
    dtype(op, "y", storage(b, op, "y", y), dt);
    dtype(op, "out", storage(b, op, "out", out), dt);
    view(op, "cond", cond, condLayout);
    view(op, "x", x, xLayout);
    view(op, "y", y, yLayout);
    view(op, "out", out, outLayout);
    sameShape(op, "cond", condLayout, "out", outLayout);
    sameShape(op, "x", xLayout, "out", outLayout);
    sameShape(op, "y", yLayout, "out", outLayout);
    notBroadcast(op, "out", outLayout);
    disjoint(op, "out", out, outLayout, "cond", cond, condLayout, true);
    disjoint(op, "out", out, outLayout, "x", x, xLayout, true);
    disjoint(op, "out", out, outLayout, "y", y, yLayout, true);
  }

  // ---- reductions and softmax ---------------------------------------------------------------

  static void reduce(
      Backend b,
      ReduceOp op,
      Storage x,
      int xOffset,
      int outer,
      int reduced,
      int inner,
      Storage out,
      int outOffset) {
    String name = REDUCE[present("reduce", "op", op).ordinal()];
    size(name, "outer", outer);
    size(name, "reduced", reduced);
    size(name, "inner", inner);
    DType dt = floating(name, "x", storage(b, name, "x", x));
    dtype(name, "out", storage(b, name, "out", out), op.producesIndices() ? DType.INT32 : dt);
    long n = count(count(outer, reduced), inner);
    long m = count(outer, inner);
    run(name, "x", x, xOffset, n);
    run(name, "out", out, outOffset, m);
    disjoint(name, "out", out, outOffset, m, "x", x, xOffset, n, false);
  }

  static void softmax(
      Backend b, Storage x, int xOffset, int rows, int cols, Storage y, int yOffset) {
    String op = "softmax";
    size(op, "rows", rows);
    size(op, "cols", cols);
    DType dt = floating(op, "x", storage(b, op, "x", x));
    dtype(op, "y", storage(b, op, "y", y), dt);
    long n = count(rows, cols);
    run(op, "x", x, xOffset, n);
    run(op, "y", y, yOffset, n);
    disjoint(op, "y", y, yOffset, n, "x", x, xOffset, n, false);
  }

  static void softmaxBackward(
      Backend b,
      Storage y,
      int yOffset,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int rows,
      int cols) {
    String op = "softmaxBackward";
    size(op, "rows", rows);
    size(op, "cols", cols);
    DType dt = floating(op, "y", storage(b, op, "y", y));
    dtype(op, "gy", storage(b, op, "gy", gy), dt);
    dtype(op, "gx", storage(b, op, "gx", gx), dt);
    long n = count(rows, cols);
    run(op, "y", y, yOffset, n);
    run(op, "gy", gy, gyOffset, n);
    run(op, "gx", gx, gxOffset, n);
    disjoint(op, "gx", gx, gxOffset, n, "y", y, yOffset, n, false);
    disjoint(op, "gx", gx, gxOffset, n, "gy", gy, gyOffset, n, false);
  }

  // ---- optimizers ---------------------------------------------------------------------------

  static void optimizerUpdate(
      Backend b,
      OptimizerKind kind,
      OptimizerHyperparameters h,
      Storage scalars,
      int scalarsOffset,
      Storage param,
      int paramOffset,
      Storage grad,
      int gradOffset,
      Storage[] state,
      int n) {
    String op = "optimizerUpdate";
    optimizerOperands(b, op, kind, h, param, paramOffset, grad, gradOffset, state, n);
    dtype(op, "scalars", storage(b, op, "scalars", scalars), DType.FLOAT64);
    run(op, "scalars", scalars, scalarsOffset, OptimizerKind.SCALARS);
  }

  /** The {@code long step} form: the step instead of the scalars' storage. */
  static void optimizerStep(
      Backend b,
      OptimizerKind kind,
      OptimizerHyperparameters h,
      long step,
      Storage param,
      int paramOffset,
      Storage grad,
      int gradOffset,
      Storage[] state,
      int n) {
    String op = "optimizerUpdate";
    if (step < 1) {
      throw bad(op, "step must be >= 1, got " + step);
    }
    optimizerOperands(b, op, kind, h, param, paramOffset, grad, gradOffset, state, n);
  }

  private static void optimizerOperands(
      Backend b,
      String op,
      OptimizerKind kind,
      OptimizerHyperparameters h,
      Storage param,
      int paramOffset,
      Storage grad,
      int gradOffset,
      Storage[] state,
      int n) {
    present(op, "kind", kind);
    present(op, "hyperparameters", h);
    size(op, "n", n);
    DType dt = floating(op, "param", storage(b, op, "param", param));
    dtype(op, "grad", storage(b, op, "grad", grad), dt);
    run(op, "param", param, paramOffset, n);
    run(op, "grad", grad, gradOffset, n);
    disjoint(op, "grad", grad, gradOffset, n, "param", param, paramOffset, n, false);
    present(op, "state", state);
    if (state.length != kind.stateCount()) {
      throw bad(op, kind + " takes " + kind.stateCount() + " state buffers, got " + state.length);
    }
    String[] names = STATES[kind.ordinal()];
    for (int i = 0; i < state.length; i++) {
      String what = names[i];
      if (state[i] == null) {
        if (kind.usesState(i, h)) {
          throw bad(op, kind + " needs " + what);
        }
        continue;
      }
      dtype(op, what, storage(b, op, what, state[i]), dt);
      run(op, what, state[i], 0, n);
      disjoint(op, what, state[i], 0, n, "param", param, paramOffset, n, false);
      disjoint(op, what, state[i], 0, n, "grad", grad, gradOffset, n, false);
      for (int j = 0; j < i; j++) {
        disjoint(op, what, state[i], 0, n, names[j], state[j], 0, n, false);
      }
    }
  }

  // ---- data ---------------------------------------------------------------------------------

  static void gatherRows(
      Backend b,
      Storage src,
      int srcOffset,
      int srcRows,
      int rowLength,
      Storage indices,
      int indicesOffset,
      int rows,
      Storage dst,
      int dstOffset) {
    String op = "gatherRows";
    size(op, "srcRows", srcRows);
    size(op, "rowLength", rowLength);
    size(op, "rows", rows);
    storage(b, op, "src", src);
    dtype(op, "indices", storage(b, op, "indices", indices), DType.INT32);
    dtype(op, "dst", storage(b, op, "dst", dst), src.dtype());
    long srcN = count(srcRows, rowLength);
    long dstN = count(rows, rowLength);
    run(op, "src", src, srcOffset, srcN);
    run(op, "indices", indices, indicesOffset, rows);
    run(op, "dst", dst, dstOffset, dstN);
    disjoint(op, "dst", dst, dstOffset, dstN, "src", src, srcOffset, srcN, false);
    disjoint(op, "dst", dst, dstOffset, dstN, "indices", indices, indicesOffset, rows, false);
  }
}
