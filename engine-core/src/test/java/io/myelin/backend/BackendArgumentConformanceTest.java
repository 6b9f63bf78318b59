package io.myelin.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.myelin.DType;
import io.myelin.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad arguments, primitive by primitive: every backend must refuse each call below with exactly
 * this exception type and message (an {@link IllegalArgumentException} starting with the primitive
 * and the argument; never a NullPointerException or an index exception), before it writes anything.
 * The calls go through {@link CheckedBackend}, the view {@link DeviceManager} and {@link
 * Storage#backend()} hand out, so the messages come from one place; the suite proves that the
 * wiring holds on each backend and pins the messages down.
 *
 * <p>A new primitive adds its bad calls here, next to its checks in {@link BackendArguments}.
 */
public abstract class BackendArgumentConformanceTest extends BackendTestSupport {
  private static final float[] F4 = new float[4];

  /** The backend under test as callers get it. */
  protected Backend checked() {
    return CheckedBackend.of(backend());
  }

  private static void refused(String message, Executable call) {
    var e = assertThrows(IllegalArgumentException.class, call);
    assertEquals(message, e.getMessage());
  }

  private Storage f32(int n) {
    return filled(DType.FLOAT32, n, 7);
  }

  private Storage i32(int n) {
    return filled(DType.INT32, n, 0);
  }

  private static Layout d(int offset, int... shape) {
    return dense(offset, shape);
  }

  @Test
  void callersOnlyEverSeeTheCheckedView() {
    Storage s = f32(1);
    assertInstanceOf(CheckedBackend.class, s.backend());
    assertEquals(checked(), s.backend());
    assertEquals(CheckedBackend.of(checked()), checked());
  }

  // ---- memory -------------------------------------------------------------------------------

  @Test
  void memory() {
    Backend b = checked();
    refused("allocate: length must be >= 0, got -1", () -> b.allocate(DType.FLOAT32, -1));
    refused("allocate: dtype is null", () -> b.allocate(null, 1));
    Storage s = f32(4);
    refused("copyFromHost: dst is null", () -> b.copyFromHost(F4, 0, null, 0, 4));
    refused("copyFromHost: src is null", () -> b.copyFromHost(null, 0, s, 0, 4));
    refused(
        "copyFromHost: src is double[], expected float[] for a f32 storage",
        () -> b.copyFromHost(new double[4], 0, s, 0, 4));
    refused(
        "copyFromHost: src elements [1, 5) outside an array of 4",
        () -> b.copyFromHost(F4, 1, s, 0, 4));
    refused(
        "copyFromHost: dst elements [1, 5) outside a storage of 4",
        () -> b.copyFromHost(F4, 0, s, 1, 4));
    refused(
        "copyFromHostAhead: dst elements [2, 6) outside a storage of 4",
        () -> b.copyFromHostAhead(F4, 0, s, 2, 4));
    refused("copyFromHost: length must be >= 0, got -1", () -> b.copyFromHost(F4, 0, s, 0, -1));
    refused("copyToHost: dst is null", () -> b.copyToHost(s, 0, null, 0, 4));
    refused(
        "copyToHost: src elements [3, 5) outside a storage of 4",
        () -> b.copyToHost(s, 3, F4, 0, 2));
    refused(
        "copyToHost: dst is int[], expected float[] for a f32 storage",
        () -> b.copyToHost(s, 0, new int[4], 0, 4));
    Storage t = f32(6);
    refused("copy: src has shape [2, 2], dst has [4]", () -> b.copy(s, d(0, 2, 2), t, d(0, 4)));
    refused(
        "copy: dst Layout[2, 3] strides=[3, 1] offset=1 reaches element 6 of a storage of 6",
        () -> b.copy(s, d(0, 2, 2), t, view(1, new int[] {2, 3}, 3, 1)));
    refused("copy: src layout is null", () -> b.copy(s, null, t, d(0, 4)));
    refused(
        "copy: dst [1, 5) overlaps src [0, 4) of the same storage (only an exact in-place "
            + "call is allowed)",
        () -> b.copy(t, d(0, 4), t, d(1, 4)));
    refused(
        "fill: dst has a negative stride: Layout[2] strides=[-1] offset=1",
        () -> b.fill(s, view(1, new int[] {2}, -1), 0));
    refused("fill: dst is null", () -> b.fill(null, d(0, 1), 0));
    assertArrayEquals(new double[] {7, 7, 7, 7}, download(s), "nothing was written");
  }

  @Test
  void freedStorageIsAStateError() {
    Storage s = backend().allocate(DType.FLOAT32, 2);
    s.release();
    Backend b = checked();
    var e = assertThrows(IllegalStateException.class, () -> b.fill(s, d(0, 2), 1));
    assertEquals("fill: dst is used after it was freed", e.getMessage());
  }

  @Test
  void random() {
    Backend b = checked();
    Storage s = f32(4);
    refused(
        "randomUniform: dst is i32, expected f32 or f64",
        () -> b.randomUniform(i32(4), 0, 4, 1, 0, 0, 1));
    refused(
        "randomUniform: dst elements [2, 6) outside a storage of 4",
        () -> b.randomUniform(s, 2, 4, 1, 0, 0, 1));
    refused(
        "randomUniform: needs low <= high, got [1.0, 0.0)",
        () -> b.randomUniform(s, 0, 4, 1, 0, 1, 0));
    refused("randomNormal: std must be >= 0, got -1.0", () -> b.randomNormal(s, 0, 4, 1, 0, 0, -1));
    refused("randomNormal: dst is null", () -> b.randomNormal(null, 0, 4, 1, 0, 0, 1));
    refused(
        "randomNormal: length must be >= 0, got -4", () -> b.randomNormal(s, 0, -4, 1, 0, 0, 1));
  }

  // ---- gemm (issue 13: the GPU checked neither bounds nor C's batch stride) -------------------

  @Test
  void gemm() {
    Backend b = checked();
    Storage a = f32(6); // 2 x 3
    Storage bm = f32(12); // 3 x 4
    Storage c = f32(8); // 2 x 4
    GemmOperand ao = GemmOperand.of(a, 0, 3);
    GemmOperand bo = GemmOperand.of(bm, 0, 4);
    GemmOperand co = GemmOperand.of(c, 0, 4);
    refused(
        "gemm: c batchStride 0 with batch 2 makes the matrices of C overlap; needs >= (m - 1)"
            + " * ld + n = 8",
        () -> b.gemm(2, 2, 4, 3, 1, ao, bo, 0, new GemmOperand(f32(16), 0, 4, 0, false)));
    refused(
        "gemm: c batchStride 4 with batch 2 makes the matrices of C overlap; needs >= (m - 1)"
            + " * ld + n = 8",
        () -> b.gemm(2, 2, 4, 3, 1, ao, bo, 0, new GemmOperand(f32(16), 0, 4, 4, false)));
    refused(
        "gemm: a reaches element 6 of a storage of 6 (offset 1, 1 x 2 x 3, ld 3, batchStride"
            + " 0)",
        () -> b.gemm(1, 2, 4, 3, 1, GemmOperand.of(a, 1, 3), bo, 0, co));
    refused(
        "gemm: b reaches element 23 of a storage of 12 (offset 0, 2 x 3 x 4, ld 4, batchStride"
            + " 12)",
        () ->
            b.gemm(
                2,
                2,
                4,
                3,
                1,
                new GemmOperand(a, 0, 3, 0, false),
                new GemmOperand(bm, 0, 4, 12, false),
                0,
                new GemmOperand(f32(16), 0, 4, 8, false)));
    refused(
        "gemm: c reaches element 8 of a storage of 8 (offset 1, 1 x 2 x 4, ld 4, batchStride"
            + " 0)",
        () -> b.gemm(1, 2, 4, 3, 1, ao, bo, 0, GemmOperand.of(c, 1, 4)));
    refused(
        "gemm: a ld 2 is below its row length 3",
        () -> b.gemm(1, 2, 4, 3, 1, GemmOperand.of(a, 0, 2), bo, 0, co));
    refused(
        "gemm: a ld 2 is below its row length 3 (stored transposed: 2 x 3)",
        () ->
            b.gemm(
                1,
                3,
                4,
                2,
                1,
                new GemmOperand(a, 0, 2, 0, true),
                GemmOperand.of(f32(8), 0, 4),
                0,
                GemmOperand.of(f32(12), 0, 4)));
    refused(
        "gemm: c must not be transposed",
        () -> b.gemm(1, 2, 4, 3, 1, ao, bo, 0, new GemmOperand(c, 0, 4, 0, true)));
    refused(
        "gemm: b is f64, expected f32",
        () -> b.gemm(1, 2, 4, 3, 1, ao, GemmOperand.of(filled(DType.FLOAT64, 12, 0), 0, 4), 0, co));
    refused(
        "gemm: a is i32, expected f32 or f64",
        () -> b.gemm(1, 2, 4, 3, 1, GemmOperand.of(i32(6), 0, 3), bo, 0, co));
    refused("gemm: k must be >= 0, got -1", () -> b.gemm(1, 2, 4, -1, 1, ao, bo, 0, co));
    refused("gemm: c is null", () -> b.gemm(1, 2, 4, 3, 1, ao, bo, 0, null));
    refused("gemm: a is null", () -> b.gemm(1, 2, 4, 3, 1, GemmOperand.of(null, 0, 3), bo, 0, co));
    Storage big = f32(32);
    refused(
        "gemm: c [8, 16) overlaps a [0, 12) of the same storage",
        () ->
            b.gemm(
                1,
                2,
                4,
                6,
                1,
                GemmOperand.of(big, 0, 6),
                GemmOperand.of(f32(24), 0, 4),
                0,
                GemmOperand.of(big, 8, 4)));
    assertArrayEquals(new double[] {7, 7, 7, 7, 7, 7, 7, 7}, download(c), "C untouched");
  }

  // ---- element-wise -------------------------------------------------------------------------

  @Test
  void unary() {
    Backend b = checked();
    Storage x = f32(6);
    Storage y = f32(6);
    refused(
        "unary RELU: x has shape [2, 3], y has [6]",
        () -> b.unary(UnaryOp.RELU, 0, 0, x, d(0, 2, 3), y, d(0, 6)));
    refused(
        "unary RELU: x Layout[7] strides=[1] offset=0 reaches element 6 of a storage of 6",
        () -> b.unary(UnaryOp.RELU, 0, 0, x, d(0, 7), y, d(0, 7)));
    refused(
        "unary RELU: y must not broadcast (0 stride over a dimension > 1): Layout[2, 3] "
            + "strides=[0, 1] offset=0",
        () -> b.unary(UnaryOp.RELU, 0, 0, x, d(0, 2, 3), y, view(0, new int[] {2, 3}, 0, 1)));
    refused(
        "unary RELU: y is f64, expected f32",
        () -> b.unary(UnaryOp.RELU, 0, 0, x, d(0, 6), filled(DType.FLOAT64, 6, 0), d(0, 6)));
    refused(
        "unary RELU: x is i32, expected f32 or f64",
        () -> b.unary(UnaryOp.RELU, 0, 0, i32(6), d(0, 6), y, d(0, 6)));
    refused("unary: op is null", () -> b.unary(null, 0, 0, x, d(0, 6), y, d(0, 6)));
    refused("unary RELU: y is null", () -> b.unary(UnaryOp.RELU, 0, 0, x, d(0, 6), null, d(0, 6)));
    refused(
        "unary RELU: y [1, 6) overlaps x [0, 5) of the same storage (only an exact in-place "
            + "call is allowed)",
        () -> b.unary(UnaryOp.RELU, 0, 0, x, d(0, 5), x, d(1, 5)));
    b.unary(UnaryOp.RELU, 0, 0, x, d(0, 6), x, d(0, 6)); // exactly in place: allowed
    refused(
        "unaryBackward RELU: gx elements [2, 8) outside a storage of 6",
        () -> b.unaryBackward(UnaryOp.RELU, 0, 0, x, 0, x, 0, y, 0, y, 2, 6));
    refused(
        "unaryBackward RELU: n must be >= 0, got -1",
        () -> b.unaryBackward(UnaryOp.RELU, 0, 0, x, 0, x, 0, y, 0, y, 0, -1));
    refused(
        "unaryBackward RELU: gy is null",
        () -> b.unaryBackward(UnaryOp.RELU, 0, 0, x, 0, x, 0, null, 0, y, 0, 6));
  }

  @Test
  void binaryAndWhere() {
    Backend b = checked();
    Storage x = f32(6);
    Storage y = f32(3);
    Storage out = f32(6);
    Layout row = view(0, new int[] {2, 3}, 0, 1); // y broadcast over the rows
    b.binary(BinaryOp.ADD, x, d(0, 2, 3), y, row, out, d(0, 2, 3)); // valid
    refused(
        "binary ADD: y has shape [3], out has [2, 3]",
        () -> b.binary(BinaryOp.ADD, x, d(0, 2, 3), y, d(0, 3), out, d(0, 2, 3)));
    refused(
        "binary ADD: out must not broadcast (0 stride over a dimension > 1): Layout[2, 3] "
            + "strides=[0, 1] offset=0",
        () -> b.binary(BinaryOp.ADD, x, d(0, 2, 3), y, row, out, row));
    refused(
        "binary ADD: y Layout[2, 3] strides=[0, 1] offset=1 reaches element 3 of a storage of 3",
        () ->
            b.binary(
                BinaryOp.ADD, x, d(0, 2, 3), y, view(1, new int[] {2, 3}, 0, 1), out, d(0, 2, 3)));
    refused(
        "binary MUL: out is null",
        () -> b.binary(BinaryOp.MUL, x, d(0, 2, 3), y, row, null, d(0, 2, 3)));
    refused(
        "where: cond is i32, expected f32",
        () -> b.where(i32(6), d(0, 6), x, d(0, 6), x, d(0, 6), out, d(0, 6)));
    refused(
        "where: cond has shape [3], out has [6]",
        () -> b.where(y, d(0, 3), x, d(0, 6), x, d(0, 6), out, d(0, 6)));
    refused(
        "where: out [0, 3) overlaps y [1, 4) of the same storage (only an exact in-place call "
            + "is allowed)",
        () -> b.where(y, d(0, 3), y, d(0, 3), out, d(1, 3), out, d(0, 3)));
  }

  // ---- reductions and softmax ---------------------------------------------------------------

  @Test
  void reductionsAndSoftmax() {
    Backend b = checked();
    Storage x = f32(12);
    Storage out = f32(4);
    refused(
        "reduce ARGMAX: out is f32, expected i32",
        () -> b.reduce(ReduceOp.ARGMAX, x, 0, 2, 3, 2, out, 0));
    refused(
        "reduce SUM: out is i32, expected f32",
        () -> b.reduce(ReduceOp.SUM, x, 0, 2, 3, 2, i32(4), 0));
    refused(
        "reduce SUM: x elements [1, 13) outside a storage of 12",
        () -> b.reduce(ReduceOp.SUM, x, 1, 2, 3, 2, out, 0));
    refused(
        "reduce SUM: inner must be >= 0, got -2",
        () -> b.reduce(ReduceOp.SUM, x, 0, 2, 3, -2, out, 0));
    refused(
        "reduce SUM: x elements [0, overflow) outside a storage of 12",
        () -> b.reduce(ReduceOp.SUM, x, 0, 1 << 30, 1 << 30, 1 << 30, out, 0));
    refused(
        "reduce SUM: out [8, 12) overlaps x [0, 12) of the same storage",
        () -> b.reduce(ReduceOp.SUM, x, 0, 2, 3, 2, x, 8));
    refused("reduce: op is null", () -> b.reduce(null, x, 0, 2, 3, 2, out, 0));
    refused(
        "softmax: y [0, 12) overlaps x [0, 12) of the same storage",
        () -> b.softmax(false, x, 0, 3, 4, x, 0));
    refused(
        "softmax: y elements [0, 12) outside a storage of 4",
        () -> b.softmax(true, x, 0, 3, 4, out, 0));
    refused("softmax: cols must be >= 0, got -4", () -> b.softmax(true, x, 0, 3, -4, out, 0));
    refused(
        "softmaxBackward: gx [0, 12) overlaps gy [0, 12) of the same storage",
        () -> b.softmaxBackward(false, f32(12), 0, x, 0, x, 0, 3, 4));
    refused(
        "softmaxBackward: y is null",
        () -> b.softmaxBackward(false, null, 0, x, 0, f32(12), 0, 3, 4));
  }

  // ---- fused loss, normalisation and dropout ------------------------------------------------

  @Test
  void crossEntropy() {
    Backend b = checked();
    var o = new CrossEntropyOptions(2, 3, false, -100, 0, true);
    Storage logits = f32(6);
    Storage labels = i32(2);
    Storage loss = f32(2);
    Storage total = f32(2);
    refused(
        "crossEntropy: target is null",
        () -> b.crossEntropy(o, logits, 0, null, 0, null, loss, 0, total, 0));
    refused(
        "crossEntropy: target is f32, expected i32",
        () -> b.crossEntropy(o, logits, 0, f32(2), 0, null, loss, 0, total, 0));
    refused(
        "crossEntropy: total elements [1, 3) outside a storage of 2",
        () -> b.crossEntropy(o, logits, 0, labels, 0, null, loss, 0, total, 1));
    refused(
        "crossEntropy: loss [4, 6) overlaps logits [0, 6) of the same storage",
        () -> b.crossEntropy(o, logits, 0, labels, 0, null, logits, 4, total, 0));
    refused(
        "crossEntropy: options is null",
        () -> b.crossEntropy(null, logits, 0, labels, 0, null, loss, 0, total, 0));
    refused(
        "crossEntropyBackward: total (the mean's denominator) is null",
        () ->
            b.crossEntropyBackward(
                o, logits, 0, labels, 0, null, f32(1), 0, false, null, 0, f32(6), 0));
    refused(
        "crossEntropyBackward: gradLogits [0, 6) overlaps logits [0, 6) of the same storage",
        () ->
            b.crossEntropyBackward(
                o, logits, 0, labels, 0, null, f32(1), 0, false, total, 0, logits, 0));
    refused(
        "crossEntropyBackward: weight elements [0, 3) outside a storage of 2",
        () ->
            b.crossEntropyBackward(
                o, logits, 0, labels, 0, f32(2), f32(1), 0, false, total, 0, f32(6), 0));
  }

  @Test
  void normalisation() {
    Backend b = checked();
    var o = new BatchNormOptions(2, 3, 2, true, 0.1, 1e-5);
    Storage x = f32(12);
    Storage y = f32(12);
    Storage c3 = f32(3);
    refused(
        "batchNorm: gamma and beta must be both given or both null",
        () -> b.batchNorm(o, x, 0, c3, null, null, null, null, null, y, 0));
    refused(
        "batchNorm: runningMean (inference) is null",
        () ->
            b.batchNorm(
                new BatchNormOptions(2, 3, 2, false, 0.1, 1e-5),
                x,
                0,
                null,
                null,
                null,
                null,
                null,
                null,
                y,
                0));
    Storage x13 = f32(13);
    refused(
        "batchNorm: y [1, 13) overlaps x [0, 12) of the same storage (only an exact in-place "
            + "call is allowed)",
        () -> b.batchNorm(o, x13, 0, null, null, null, null, null, null, x13, 1));
    refused(
        "batchNorm: saveMean elements [0, 3) outside a storage of 2",
        () -> b.batchNorm(o, x, 0, null, null, null, null, f32(2), c3, y, 0));
    refused(
        "batchNormBackward: gx [0, 12) overlaps x [0, 12) of the same storage",
        () -> b.batchNormBackward(o, x, 0, y, 0, null, c3, f32(3), x, 0, null, null));
    refused(
        "batchNormBackward: saveInvStd is null",
        () -> b.batchNormBackward(o, x, 0, y, 0, null, c3, null, f32(12), 0, null, null));
    refused(
        "layerNorm: eps must be positive and finite, got 0.0",
        () -> b.layerNorm(3, 4, 0, x, 0, null, null, null, null, y, 0));
    refused(
        "layerNorm: cols must be >= 1, got 0",
        () -> b.layerNorm(3, 0, 1e-5, x, 0, null, null, null, null, y, 0));
    refused(
        "layerNorm: y is null",
        () -> b.layerNorm(3, 4, 1e-5, x, 0, null, null, null, null, null, 0));
    refused(
        "layerNormBackward: saveMean is null",
        () -> b.layerNormBackward(3, 4, x, 0, y, 0, null, null, c3, f32(12), 0, null, null));
    refused(
        "layerNormBackward: gGamma is f64, expected f32",
        () ->
            b.layerNormBackward(
                3, 4, x, 0, y, 0, null, c3, f32(3), null, 0, filled(DType.FLOAT64, 4, 0), null));
  }

  @Test
  void dropout() {
    Backend b = checked();
    Storage x = f32(4);
    refused("dropout: p must be in [0, 1), got 1.0", () -> b.dropout(1, 1, 0, x, 0, x, 0, 4));
    refused("dropout: p must be in [0, 1), got -0.1", () -> b.dropout(-0.1, 1, 0, x, 0, x, 0, 4));
    refused(
        "dropout: x elements [1, 5) outside a storage of 4",
        () -> b.dropout(0.5, 1, 0, x, 1, f32(4), 0, 4));
    refused(
        "dropout: x is i32, expected f32 or f64", () -> b.dropout(0.5, 1, 0, i32(4), 0, x, 0, 4));
    refused(
        "dropout: y [1, 3) overlaps x [0, 2) of the same storage (only an exact in-place call "
            + "is allowed)",
        () -> b.dropout(0.5, 1, 0, x, 0, x, 1, 2));
    refused("dropoutBackward: gx is null", () -> b.dropoutBackward(0.5, 1, 0, x, 0, null, 0, 4));
    b.dropout(0.5, 1, 0, x, 0, x, 0, 4); // exactly in place: allowed
  }

  // ---- optimizers ---------------------------------------------------------------------------

  @Test
  void optimizerUpdate() {
    Backend b = checked();
    var sgd = OptimizerHyperparameters.sgd(0.1, 0.9, 0, false, false, false, 0, false);
    var adam = OptimizerHyperparameters.adam(1e-3, 0.9, 0.999, 1e-8, 0, false, false, false);
    Storage p = f32(4);
    Storage g = f32(4);
    Storage scalars = filled(DType.FLOAT64, OptimizerKind.SCALARS, 1);
    Storage[] none = new Storage[1];
    refused(
        "optimizerUpdate: SGD needs state 'momentum_buffer'",
        () -> b.optimizerUpdate(OptimizerKind.SGD, sgd, 1, p, 0, g, 0, none, 4));
    refused(
        "optimizerUpdate: ADAM takes 3 state buffers, got 1",
        () -> b.optimizerUpdate(OptimizerKind.ADAM, adam, 1, p, 0, g, 0, none, 4));
    refused(
        "optimizerUpdate: step must be >= 1, got 0",
        () -> b.optimizerUpdate(OptimizerKind.SGD, sgd, 0, p, 0, g, 0, new Storage[] {f32(4)}, 4));
    refused(
        "optimizerUpdate: scalars is f32, expected f64",
        () ->
            b.optimizerUpdate(
                OptimizerKind.SGD,
                sgd,
                f32(OptimizerKind.SCALARS),
                0,
                p,
                0,
                g,
                0,
                new Storage[] {f32(4)},
                4));
    Storage pg = f32(8);
    refused(
        "optimizerUpdate: grad [2, 6) overlaps param [0, 4) of the same storage",
        () ->
            b.optimizerUpdate(
                OptimizerKind.SGD, sgd, scalars, 0, pg, 0, pg, 2, new Storage[] {f32(4)}, 4));
    refused(
        "optimizerUpdate: state 'momentum_buffer' elements [0, 4) outside a storage of 3",
        () ->
            b.optimizerUpdate(
                OptimizerKind.SGD, sgd, scalars, 0, p, 0, g, 0, new Storage[] {f32(3)}, 4));
    refused(
        "optimizerUpdate: state 'exp_avg_sq' [0, 4) overlaps state 'exp_avg' [0, 4) of the "
            + "same storage",
        () -> {
          Storage m = f32(4);
          b.optimizerUpdate(
              OptimizerKind.ADAM, adam, scalars, 0, p, 0, g, 0, new Storage[] {m, m, null}, 4);
        });
    refused(
        "optimizerUpdate: grad is f64, expected f32",
        () ->
            b.optimizerUpdate(
                OptimizerKind.SGD,
                sgd,
                scalars,
                0,
                p,
                0,
                filled(DType.FLOAT64, 4, 0),
                0,
                new Storage[] {f32(4)},
                4));
    refused(
        "optimizerUpdate: param elements [1, 5) outside a storage of 4",
        () -> b.optimizerUpdate(OptimizerKind.SGD, sgd, 1, p, 1, g, 0, new Storage[] {f32(4)}, 4));
    refused(
        "optimizerUpdate: param is i32, expected f32 or f64",
        () ->
            b.optimizerUpdate(
                OptimizerKind.SGD, sgd, scalars, 0, i32(4), 0, g, 0, new Storage[] {f32(4)}, 4));
    assertArrayEquals(new double[] {7, 7, 7, 7}, download(p), "nothing was written");
  }

  // ---- data (issue 13: a null destination was a NullPointerException on the GPU) -------------

  @Test
  void gatherRows() {
    Backend b = checked();
    Storage src = f32(12);
    Storage idx = i32(3);
    Storage dst = f32(12);
    refused("gatherRows: dst is null", () -> b.gatherRows(src, 0, 3, 4, idx, 0, 3, null, 0));
    refused("gatherRows: src is null", () -> b.gatherRows(null, 0, 3, 4, idx, 0, 3, dst, 0));
    refused(
        "gatherRows: indices is f32, expected i32",
        () -> b.gatherRows(src, 0, 3, 4, f32(3), 0, 3, dst, 0));
    refused(
        "gatherRows: dst is f64, expected f32",
        () -> b.gatherRows(src, 0, 3, 4, idx, 0, 3, filled(DType.FLOAT64, 12, 0), 0));
    refused(
        "gatherRows: src elements [0, 16) outside a storage of 12",
        () -> b.gatherRows(src, 0, 4, 4, idx, 0, 3, dst, 0));
    refused(
        "gatherRows: indices elements [1, 4) outside a storage of 3",
        () -> b.gatherRows(src, 0, 3, 4, idx, 1, 3, dst, 0));
    refused(
        "gatherRows: dst elements [1, 13) outside a storage of 12",
        () -> b.gatherRows(src, 0, 3, 4, idx, 0, 3, dst, 1));
    refused(
        "gatherRows: srcRows must be >= 0, got -1",
        () -> b.gatherRows(src, 0, -1, 4, idx, 0, 3, dst, 0));
    refused(
        "gatherRows: dst [0, 4) overlaps src [0, 12) of the same storage",
        () -> b.gatherRows(src, 0, 3, 4, idx, 0, 1, src, 0));
    b.gatherRows(src, 0, 3, 4, idx, 0, 0, dst, 0); // no rows: nothing to do
  }

  @Test
  void precision() {
    Backend b = checked(); // outside the lambda: a backend that skips must skip, not fail
    refused("setMatmulPrecision: precision is null", () -> b.setMatmulPrecision(null));
  }
}
