package io.myelin.backend;

import static io.myelin.backend.ArgumentChecks.count;
import static io.myelin.backend.ArgumentChecks.disjoint;
import static io.myelin.backend.ArgumentChecks.dtype;
import static io.myelin.backend.ArgumentChecks.floating;
import static io.myelin.backend.ArgumentChecks.present;
import static io.myelin.backend.ArgumentChecks.run;
import static io.myelin.backend.ArgumentChecks.size;
import static io.myelin.backend.ArgumentChecks.storage;

import io.myelin.DType;

/**
 * {@link BackendArguments} for the convolution and pooling primitives ({@link Backend#im2col},
 * {@link Backend#col2im}, {@link Backend#maxPool2d}, {@link Backend#maxPool2dBackward}, {@link
 * Backend#avgPool2d}, {@link Backend#avgPool2dBackward}): one static method per primitive, same
 * contract, called by {@link CheckedBackend} before it delegates.
 */
final class ConvArguments {
  private ConvArguments() {}

  static void im2col(
      Backend b, ConvGeometry g, int images, Storage x, int xOffset, Storage cols, int colsOffset) {
    columns(b, "im2col", g, images, x, xOffset, cols, colsOffset, "cols");
  }

  static void col2im(
      Backend b, ConvGeometry g, int images, Storage cols, int colsOffset, Storage x, int xOffset) {
    columns(b, "col2im", g, images, x, xOffset, cols, colsOffset, "x");
  }

  /** x: images of the input's size; cols: their column matrices; {@code out} names the output. */
  private static void columns(
      Backend b,
      String op,
      ConvGeometry g,
      int images,
      Storage x,
      int xOffset,
      Storage cols,
      int colsOffset,
      String out) {
    present(op, "geometry", g);
    size(op, "images", images);
    DType dt = floating(op, "x", storage(b, op, "x", x));
    dtype(op, "cols", storage(b, op, "cols", cols), dt);
    long xn = count(images, g.imageSize());
    long cn = count(count(images, g.colRows()), g.outPlane());
    run(op, "x", x, xOffset, xn);
    run(op, "cols", cols, colsOffset, cn);
    if (out.equals("cols")) {
      disjoint(op, "cols", cols, colsOffset, cn, "x", x, xOffset, xn, false);
    } else {
      disjoint(op, "x", x, xOffset, xn, "cols", cols, colsOffset, cn, false);
    }
  }

  static void maxPool2d(
      Backend b,
      PoolGeometry g,
      int planes,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      Storage indices,
      int indicesOffset) {
    String op = "maxPool2d";
    planes(b, op, g, planes, x, xOffset, "x", y, yOffset, "y", true);
    indices(b, op, g, planes, indices, indicesOffset);
  }

  static void maxPool2dBackward(
      Backend b,
      PoolGeometry g,
      int planes,
      Storage gy,
      int gyOffset,
      Storage indices,
      int indicesOffset,
      Storage gx,
      int gxOffset) {
    String op = "maxPool2dBackward";
    planes(b, op, g, planes, gx, gxOffset, "gx", gy, gyOffset, "gy", false);
    indices(b, op, g, planes, indices, indicesOffset);
  }

  static void avgPool2d(
      Backend b, PoolGeometry g, int planes, Storage x, int xOffset, Storage y, int yOffset) {
    planes(b, "avgPool2d", g, planes, x, xOffset, "x", y, yOffset, "y", true);
  }

  static void avgPool2dBackward(
      Backend b, PoolGeometry g, int planes, Storage gy, int gyOffset, Storage gx, int gxOffset) {
    planes(b, "avgPool2dBackward", g, planes, gx, gxOffset, "gx", gy, gyOffset, "gy", false);
  }

  /**
   * {@code in}: planes of the input's size, {@code out}: planes of the output's size; the one
   * written ({@code out} forward, {@code in} backward) overlaps neither operand.
   */
  private static void planes(
      Backend b,
      String op,
      PoolGeometry g,
      int planes,
      Storage in,
      int inOffset,
      String inWhat,
      Storage out,
      int outOffset,
      String outWhat,
      boolean forward) {
    present(op, "geometry", g);
    size(op, "planes", planes);
    DType dt = floating(op, inWhat, storage(b, op, inWhat, in));
    dtype(op, outWhat, storage(b, op, outWhat, out), dt);
    long inN = count(planes, g.inPlane());
    long outN = count(planes, g.outPlane());
    run(op, inWhat, in, inOffset, inN);
    run(op, outWhat, out, outOffset, outN);
    if (forward) {
      disjoint(op, outWhat, out, outOffset, outN, inWhat, in, inOffset, inN, false);
    } else {
      disjoint(op, inWhat, in, inOffset, inN, outWhat, out, outOffset, outN, false);
    }
  }

  private static void indices(
      Backend b, String op, PoolGeometry g, int planes, Storage indices, int indicesOffset) {
    dtype(op, "indices", storage(b, op, "indices", indices), DType.INT32);
    run(op, "indices", indices, indicesOffset, count(planes, g.outPlane()));
  }
}
