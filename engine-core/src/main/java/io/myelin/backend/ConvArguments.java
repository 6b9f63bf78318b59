package io.myelin.backend;

import io.myelin.DType;

/**
 * Argument checks of the convolution and pooling primitives ({@link Backend#im2col}, {@link
 * Backend#col2im}, {@link Backend#maxPool2d}, {@link Backend#maxPool2dBackward}, {@link
 * Backend#avgPool2d}, {@link Backend#avgPool2dBackward}), shared by every backend so each rejects
 * the same calls with the same messages before touching memory. The one place these checks live
 * (to be folded into the common argument-validation layer). Stateless.
 */
public final class ConvArguments {
  private ConvArguments() {}

  /** Checks {@link Backend#im2col}; returns the dtype. */
  public static DType im2col(ConvGeometry g, int images, Storage x, int xOffset, Storage cols,
      int colsOffset) {
    return columns("im2col", g, images, x, xOffset, cols, colsOffset);
  }

  /** Checks {@link Backend#col2im}; returns the dtype. */
  public static DType col2im(ConvGeometry g, int images, Storage cols, int colsOffset, Storage x,
      int xOffset) {
    return columns("col2im", g, images, x, xOffset, cols, colsOffset);
  }

  private static DType columns(String op, ConvGeometry g, int images, Storage x, int xOffset,
      Storage cols, int colsOffset) {
    geometry(op, g);
    FusedArguments.required(op, "x", x);
    FusedArguments.required(op, "cols", cols);
    count(op, "images", images);
    DType dt = FusedArguments.floating(op, x);
    FusedArguments.run(op, "x", x, dt, xOffset, (long) images * g.imageSize());
    FusedArguments.run(op, "cols", cols, dt, colsOffset, (long) images * g.colRows() * g.outPlane());
    return dt;
  }

  /** Checks {@link Backend#maxPool2d}; returns the dtype. */
  public static DType maxPool2d(PoolGeometry g, int planes, Storage x, int xOffset, Storage y,
      int yOffset, Storage indices, int indicesOffset) {
    String op = "maxPool2d";
    DType dt = planes(op, g, planes, x, xOffset, y, yOffset);
    FusedArguments.run(op, "indices", FusedArguments.required(op, "indices", indices),
        DType.INT32, indicesOffset, (long) planes * g.outPlane());
    return dt;
  }

  /** Checks {@link Backend#maxPool2dBackward}; returns the dtype. */
  public static DType maxPool2dBackward(PoolGeometry g, int planes, Storage gy, int gyOffset,
      Storage indices, int indicesOffset, Storage gx, int gxOffset) {
    String op = "maxPool2dBackward";
    DType dt = planes(op, g, planes, gx, gxOffset, gy, gyOffset);
    FusedArguments.run(op, "indices", FusedArguments.required(op, "indices", indices),
        DType.INT32, indicesOffset, (long) planes * g.outPlane());
    return dt;
  }

  /** Checks {@link Backend#avgPool2d}; returns the dtype. */
  public static DType avgPool2d(PoolGeometry g, int planes, Storage x, int xOffset, Storage y,
      int yOffset) {
    return planes("avgPool2d", g, planes, x, xOffset, y, yOffset);
  }

  /** Checks {@link Backend#avgPool2dBackward}; returns the dtype. */
  public static DType avgPool2dBackward(PoolGeometry g, int planes, Storage gy, int gyOffset,
      Storage gx, int gxOffset) {
    return planes("avgPool2dBackward", g, planes, gx, gxOffset, gy, gyOffset);
  }

  /** {@code in}: planes of the input's size; {@code out}: planes of the output's size. */
  private static DType planes(String op, PoolGeometry g, int planes, Storage in, int inOffset,
      Storage out, int outOffset) {
    geometry(op, g);
    FusedArguments.required(op, "input-sized operand", in);
    FusedArguments.required(op, "output-sized operand", out);
    count(op, "planes", planes);
    DType dt = FusedArguments.floating(op, in);
    FusedArguments.run(op, "input-sized operand", in, dt, inOffset, (long) planes * g.inPlane());
    FusedArguments.run(op, "output-sized operand", out, dt, outOffset, (long) planes * g.outPlane());
    return dt;
  }

  private static void geometry(String op, Object g) {
    if (g == null) {
      throw new IllegalArgumentException(op + ": the geometry is required");
    }
  }

  private static void count(String op, String what, int n) {
    if (n < 0) {
      throw new IllegalArgumentException(op + ": " + what + " must be >= 0, got " + n);
    }
  }
}
