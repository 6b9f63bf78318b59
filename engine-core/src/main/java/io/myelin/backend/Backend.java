package io.myelin.backend;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Layout;

/**
 * The primitives one device implements. Everything else in Myelin is composed from these in
 * engine-core, above this interface; nothing above it knows which device runs.
 *
 * <h2>Conventions</h2>
 *
 * <ul>
 *   <li>Every {@link Storage} argument was allocated by this backend. Sizes, strides and offsets
 *       are in elements. Output regions never overlap input regions unless a method says so
 *       (element-wise maps may write in place: the output may be exactly an input).
 *   <li>A {@link Layout} argument describes a strided view: element-wise primitives honour any
 *       strides, including 0 (broadcast); the output layout of a map has no 0 strides.
 *   <li>"Contiguous" arguments are dense row-major runs starting at the given offset.
 *   <li>dtypes: every math primitive supports FLOAT32 and FLOAT64 (all operands of one call share
 *       the dtype unless stated); INT32 is supported by allocate, copies/casts, fill and as the
 *       index output of ARGMAX/ARGMIN.
 *   <li>Calls are ordered: a backend may run them asynchronously (a GPU stream), but each call sees
 *       the results of the ones before it. Reads to the host synchronise.
 *   <li>Thread-safety: a backend may be called from several threads; each call is independent.
 *   <li>Arguments are checked once, before a backend runs, by {@link CheckedBackend} (the only view
 *       {@link DeviceManager#backend} and {@link Storage#backend()} hand out): every storage
 *       present, live and this backend's, sizes non-negative, strides non-negative, every run and
 *       view inside its storage, the dtypes and the aliasing rules stated here. Implementations
 *       assume all of that. A bad call is an {@link IllegalArgumentException} whose message starts
 *       with the primitive and the argument; a new primitive gets its check in {@code
 *       BackendArguments} and its override in {@link CheckedBackend}.
 * </ul>
 */
public interface Backend extends AutoCloseable {

  /** The device this backend runs on. */
  Device device();

  /** One line for {@code myelin devices}: model, memory, threads, SIMD or GEMM path. */
  String description();

  // ---- memory -------------------------------------------------------------------------------

  /** Allocates {@code length} elements of {@code dtype}; contents are unspecified. */
  Storage allocate(DType dtype, int length);

  /**
   * Copies {@code length} elements from a host array ({@code float[]}, {@code double[]} or {@code
   * int[]}, matching the storage dtype) into {@code dst} at {@code dstOffset}.
   */
  void copyFromHost(Object src, int srcOffset, Storage dst, int dstOffset, int length);

  /**
   * {@link #copyFromHost} for data needed a little later (a data loader's next batch): ordered
   * after every call issued before it, like copyFromHost, but later calls that do not name {@code
   * dst} need not wait for it, so a GPU moves it on a copy stream while the work issued next runs;
   * the first later call that names {@code dst} waits for it. The default is {@link #copyFromHost}.
   */
  default void copyFromHostAhead(
      Object src, int srcOffset, Storage dst, int dstOffset, int length) {
    copyFromHost(src, srcOffset, dst, dstOffset, length);
  }

  /** Copies {@code length} elements of {@code src} into a host array of its dtype. Synchronises. */
  void copyToHost(Storage src, int srcOffset, Object dst, int dstOffset, int length);

  /**
   * Copies the view {@code srcLayout} of {@code src} into the view {@code dstLayout} of {@code dst}
   * (same shape), converting the dtype when the two storages differ (a cast: float to int truncates
   * toward zero as Java and C do). Used for contiguous(), concat, slicing and casts. {@code dst}
   * may be exactly {@code src} (nothing changes); it must not partly overlap it.
   */
  void copy(Storage src, Layout srcLayout, Storage dst, Layout dstLayout);

  /** Sets every element of the view to {@code value} (rounded to the dtype). */
  void fill(Storage dst, Layout layout, double value);

  // ---- random numbers (Philox4x32-10, stream layout in {@link Philox}) ----------------------

  /**
   * Fills {@code length} contiguous elements at {@code offset} with uniforms in [low, high) from
   * {@code seed}, starting at Philox block {@code blockCounter}.
   */
  void randomUniform(
      Storage dst, int offset, int length, long seed, long blockCounter, double low, double high);

  /** Like {@link #randomUniform} for normals with the given mean and standard deviation. */
  void randomNormal(
      Storage dst, int offset, int length, long seed, long blockCounter, double mean, double std);

  // ---- linear algebra ----------------------------------------------------------------------

  /**
   * Batched row-major GEMM: for each {@code i < batch}, {@code C_i = alpha * op(A_i) op(B_i) + beta
   * * C_i} with op(A_i) of shape m x k and op(B_i) of shape k x n. When {@code beta == 0}, C is not
   * read (NaN in C does not propagate). {@code c} must not be transposed and must not overlap A or
   * B. Accumulation is in at least the operand precision.
   */
  void gemm(
      int batch,
      int m,
      int n,
      int k,
      double alpha,
      GemmOperand a,
      GemmOperand b,
      double beta,
      GemmOperand c);

  // ---- element-wise ------------------------------------------------------------------------

  /** {@code y = op(x; a, b)} element-wise over views of the same shape. */
  void unary(UnaryOp op, double a, double b, Storage x, Layout xLayout, Storage y, Layout yLayout);

  /**
   * {@code gx = gy * op'(x, y)} over {@code n} contiguous elements; {@code x} is the forward input
   * and {@code y} the forward output (both are provided; kernels use whichever is cheaper).
   */
  void unaryBackward(
      UnaryOp op,
      double a,
      double b,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int n);

  /**
   * {@code out = op(x, y)} element-wise. All three layouts have the output's shape; broadcasting is
   * expressed by 0 strides in the input layouts.
   */
  void binary(
      BinaryOp op,
      Storage x,
      Layout xLayout,
      Storage y,
      Layout yLayout,
      Storage out,
      Layout outLayout);

  /**
   * {@code out = cond != 0 ? x : y} element-wise (cond has the same floating dtype as x and y),
   * with broadcasting by 0 strides as {@link #binary}.
   */
  void where(
      Storage cond,
      Layout condLayout,
      Storage x,
      Layout xLayout,
      Storage y,
      Layout yLayout,
      Storage out,
      Layout outLayout);

  // ---- reductions --------------------------------------------------------------------------

  /**
   * Reduces the middle axis of a contiguous {@code [outer, reduced, inner]} block at {@code
   * xOffset} into a contiguous {@code [outer, inner]} block at {@code outOffset}. Any run of
   * adjacent axes maps onto this form without a copy. ARGMAX/ARGMIN write INT32 into {@code out};
   * the others write the input dtype. Deterministic: the same inputs give the same bits.
   */
  void reduce(
      ReduceOp op,
      Storage x,
      int xOffset,
      int outer,
      int reduced,
      int inner,
      Storage out,
      int outOffset);

  // ---- softmax -----------------------------------------------------------------------------

  /**
   * Softmax (or log-softmax when {@code log}) of each row of a contiguous {@code [rows, cols]}
   * block, max-subtracted for stability.
   */
  void softmax(boolean log, Storage x, int xOffset, int rows, int cols, Storage y, int yOffset);

  /**
   * Backward of {@link #softmax} from its output {@code y} and the upstream gradient {@code gy}:
   * softmax {@code gx = y * (gy - sum(gy * y))}, log-softmax {@code gx = gy - exp(y) * sum(gy)},
   * per row. All contiguous {@code [rows, cols]}.
   */
  void softmaxBackward(
      boolean log,
      Storage y,
      int yOffset,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int rows,
      int cols);

  // ---- fused loss, normalisation and dropout ------------------------------------------------

  /**
   * Fused softmax + cross-entropy forward over the rows of contiguous logits {@code x = [rows,
   * classes]} at {@code logitsOffset}, as PyTorch's {@code cross_entropy}. With {@code logp =
   * log_softmax(x_r)} (max-subtracted), class weights {@code w} (ones when {@code weight} is null),
   * {@code C = classes}, {@code e = labelSmoothing}, per row r:
   *
   * <pre>
   *   class indices y_r (INT32, [rows] at targetOffset):
   *     y_r == ignoreIndex:      loss_r = 0                                   d_r = 0
   *     y_r outside [0, C):      loss_r = NaN                                 d_r = 0
   *     else:  loss_r = (1 - e) * (-w[y_r] logp[y_r]) + (e / C) * (-sum_c w[c] logp[c]),  d_r = w[y_r]
   *   probabilities t_r ([rows, classes] of the logits' dtype at targetOffset):
   *     loss_r = -sum_c w[c] t'[c] logp[c] with t' = (1 - e) t_r + e / C,      d_r = 1
   * </pre>
   *
   * Writes {@code loss[lossOffset + r] = loss_r} and, when {@code total} is not null, {@code
   * total[totalOffset] = mean ? sum_r loss_r / sum_r d_r : sum_r loss_r} and {@code
   * total[totalOffset + 1] = sum_r d_r} (the mean's denominator, read again by the backward; 0/0
   * gives NaN when every row is ignored). Sums run in a fixed order: the same inputs give the same
   * bits. {@code weight}: null or {@code classes} elements from offset 0. All floating operands
   * share the logits' dtype.
   *
   * <pre>{@code
   * backend.crossEntropy(new CrossEntropyOptions(n, 10, false, -100, 0.1, true),
   *     logits, 0, labels, 0, null, rowLoss, 0, total, 0);   // total[0]: the mean loss
   * }</pre>
   */
  void crossEntropy(
      CrossEntropyOptions o,
      Storage logits,
      int logitsOffset,
      Storage target,
      int targetOffset,
      Storage weight,
      Storage loss,
      int lossOffset,
      Storage total,
      int totalOffset);

  /**
   * Gradient of {@link #crossEntropy} with respect to the logits, from the same logits, targets and
   * weights. With {@code p = softmax(x_r)} and the row's upstream gradient {@code g_r =
   * gradOut[gradOutOffset + (perRow ? r : 0)] / (o.mean() ? total[totalOffset + 1] : 1)} ({@code
   * total} as the forward wrote it; read only when {@code o.mean()}):
   *
   * <pre>
   *   class indices, y_r valid:  gx[j] = g_r * (p[j] * ((1 - e) w[y_r] + (e / C) sum_c w[c])
   *                                             - (1 - e) w[y_r] [j == y_r] - (e / C) w[j])
   *   y_r == ignoreIndex: 0;  y_r outside [0, C): NaN
   *   probabilities:             gx[j] = g_r * (p[j] * sum_c w[c] t'[c] - w[j] t'[j])
   * </pre>
   *
   * written to the contiguous {@code [rows, classes]} block at {@code gradLogitsOffset}, which must
   * not overlap an input.
   */
  void crossEntropyBackward(
      CrossEntropyOptions o,
      Storage logits,
      int logitsOffset,
      Storage target,
      int targetOffset,
      Storage weight,
      Storage gradOut,
      int gradOutOffset,
      boolean perRow,
      Storage total,
      int totalOffset,
      Storage gradLogits,
      int gradLogitsOffset);

  /**
   * Batch normalisation forward of a contiguous {@code [batch, channels, spatial]} block (see
   * {@link BatchNormOptions}), per channel c over its {@code m = batch * spatial} elements:
   *
   * <pre>
   *   training:   mu = mean(x_c), var = mean((x_c - mu)^2) (biased), istd = 1 / sqrt(var + eps)
   *               running_mean = (1 - momentum) running_mean + momentum mu
   *               running_var  = (1 - momentum) running_var + momentum var * m / (m - 1)  (m > 1;
   *                              var itself when m == 1)
   *   inference:  mu = running_mean, istd = 1 / sqrt(running_var + eps)
   *   y = (x - mu) * istd * gamma + beta
   * </pre>
   *
   * {@code gamma}, {@code beta}: both null (no affine: gamma 1, beta 0) or both {@code channels}
   * elements from offset 0. {@code runningMean}, {@code runningVar}: both null (training only: no
   * running statistics) or both {@code channels} elements, updated in place in training. {@code
   * saveMean}, {@code saveInvStd}: null or {@code channels} elements; when given they receive the
   * {@code mu} and {@code istd} used, which {@link #batchNormBackward} takes. The statistics are
   * reduced in a fixed order (deterministic) and in one launch on a GPU. {@code y} may be exactly
   * {@code x}.
   */
  void batchNorm(
      BatchNormOptions o,
      Storage x,
      int xOffset,
      Storage gamma,
      Storage beta,
      Storage runningMean,
      Storage runningVar,
      Storage saveMean,
      Storage saveInvStd,
      Storage y,
      int yOffset);

  /**
   * Batch normalisation backward from the input, the upstream gradient and the statistics the
   * forward saved. With {@code xhat = (x - mu) * istd} and the sums over the m elements of a
   * channel:
   *
   * <pre>
   *   training:   gx = gamma * istd / m * (m * gy - sum(gy) - xhat * sum(gy * xhat))
   *   inference:  gx = gamma * istd * gy                 (the statistics are constants)
   *   ggamma = sum(gy * xhat),  gbeta = sum(gy)
   * </pre>
   *
   * {@code gamma}: null (1) or {@code channels} elements. {@code gx}, {@code gGamma}, {@code
   * gBeta}: each may be null (not computed); {@code gx} is a contiguous block at {@code gxOffset}
   * that overlaps no input, the others {@code channels} elements from offset 0. Sums run in a fixed
   * order (no atomics): the same inputs give the same bits.
   */
  void batchNormBackward(
      BatchNormOptions o,
      Storage x,
      int xOffset,
      Storage gy,
      int gyOffset,
      Storage gamma,
      Storage saveMean,
      Storage saveInvStd,
      Storage gx,
      int gxOffset,
      Storage gGamma,
      Storage gBeta);

  /**
   * Layer normalisation forward over the rows of a contiguous {@code [rows, cols]} block: per row
   * {@code mu = mean(x_r)}, {@code var = mean((x_r - mu)^2)} (biased), {@code istd = 1 / sqrt(var +
   * eps)}, {@code y = (x - mu) * istd * gamma + beta} with {@code gamma}, {@code beta} both null
   * (1, 0) or both {@code cols} elements from offset 0. {@code saveMean}, {@code saveInvStd}: null
   * or {@code rows} elements from offset 0 receiving {@code mu}, {@code istd}. {@code y} may be
   * exactly {@code x}. {@code eps} is positive.
   */
  void layerNorm(
      int rows,
      int cols,
      double eps,
      Storage x,
      int xOffset,
      Storage gamma,
      Storage beta,
      Storage saveMean,
      Storage saveInvStd,
      Storage y,
      int yOffset);

  /**
   * Layer normalisation backward: with {@code xhat = (x - mu) * istd}, {@code h = gy * gamma} and
   * the sums over the row's {@code cols} elements, {@code gx = istd / cols * (cols * h - sum(h) -
   * xhat * sum(h * xhat))}; {@code ggamma[j] = sum_r gy[r, j] xhat[r, j]}, {@code gbeta[j] = sum_r
   * gy[r, j]}. {@code gamma} null means 1. {@code gx} (contiguous at {@code gxOffset}, overlapping
   * no input), {@code gGamma}, {@code gBeta} ({@code cols} elements from 0) may each be null.
   * Deterministic (no atomics).
   */
  void layerNormBackward(
      int rows,
      int cols,
      Storage x,
      int xOffset,
      Storage gy,
      int gyOffset,
      Storage gamma,
      Storage saveMean,
      Storage saveInvStd,
      Storage gx,
      int gxOffset,
      Storage gGamma,
      Storage gBeta);

  /**
   * Inverted dropout of {@code n} contiguous elements: {@code y_i = x_i * m_i} with {@code m_i =
   * keep_i ? s : 0}, {@code s = 1 / (1 - p)} rounded to the dtype, and {@code keep_i = u_i >= p}
   * where {@code u_i} is exactly the value {@link #randomUniform randomUniform(.., n, seed,
   * blockCounter, 0, 1)} would write at element i (Philox lane {@code i % 4} of block {@code
   * blockCounter + i / 4}: {@code (word >>> 8) * 2^-24}) and {@code p} is rounded to the dtype. So
   * the same seed and counter drop the same units on every backend, and as {@code
   * x.mul(uniform(...).ge(p).mul(s))} would. {@code p} in [0, 1); {@code y} may be exactly {@code
   * x}.
   */
  void dropout(
      double p,
      long seed,
      long blockCounter,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      int n);

  /**
   * Backward of {@link #dropout} with the same {@code p}, seed and counter: {@code gx_i = gy_i *
   * m_i}, the mask regenerated from the Philox stream (nothing is stored between the passes).
   * {@code gx} may be exactly {@code gy}.
   */
  void dropoutBackward(
      double p,
      long seed,
      long blockCounter,
      Storage gy,
      int gyOffset,
      Storage gx,
      int gxOffset,
      int n);

  /**
   * {@link #dropout} with the Philox block counter read from device memory when the call runs:
   * {@code blockCounter = (long) counter[counterOffset] + counterAdd}, {@code counter} FLOAT64
   * (exact for counters below 2^53). Used in both directions (the backward is the same mask on the
   * upstream gradient). A {@link CapturedGraph captured} training step writes its generators'
   * positions into {@code counter} before each replay, so each replay draws a fresh mask, the one
   * {@link #dropout} would draw with that counter.
   */
  void dropoutCounted(
      double p,
      long seed,
      Storage counter,
      int counterOffset,
      long counterAdd,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      int n);

  // ---- optimizers --------------------------------------------------------------------------

  /**
   * One fused optimizer step for one parameter: reads the gradient, updates the state buffers and
   * the parameter in place, element by element, by the formula of {@code kind} (see {@link
   * OptimizerKind}; each element is independent, so a backend may split the range freely). One call
   * per parameter per step; a GPU runs it as one kernel.
   *
   * <p>All storages share one dtype, FLOAT32 or FLOAT64. Scalar coefficients ({@code lr / (1 -
   * beta1^t)} and the like) are computed in double; float32 element arithmetic may run in float32,
   * so one step agrees with a float64 evaluation of the formula to about 1e-6 relative.
   *
   * @param kind the algorithm
   * @param h its scalars; fields the kind does not read are ignored
   * @param step this parameter's 1-based update count {@code t} (bias corrections, SGD's first
   *     momentum step, AdaGrad's decay, NAdam's schedule); at least 1
   * @param param the parameter, {@code n} contiguous elements at {@code paramOffset}, updated in
   *     place
   * @param grad the gradient, {@code n} contiguous elements at {@code gradOffset}; read only; must
   *     not overlap {@code param} or a state buffer
   * @param state {@link OptimizerKind#stateCount()} entries: contiguous buffers of at least {@code
   *     n} elements used from offset 0, or null for the slots {@link OptimizerKind#usesState}
   *     rejects under {@code h}; updated in place; they overlap nothing else
   * @param n number of elements (0 is a no-op)
   */
  default void optimizerUpdate(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      long step,
      Storage param,
      int paramOffset,
      Storage grad,
      int gradOffset,
      Storage[] state,
      int n) {
    double[] scalars = new double[OptimizerKind.SCALARS];
    kind.writeScalars(h, step, scalars, 0);
    Storage s = allocate(DType.FLOAT64, scalars.length);
    try {
      copyFromHost(scalars, 0, s, 0, scalars.length);
      optimizerUpdate(kind, h, s, 0, param, paramOffset, grad, gradOffset, state, n);
    } finally {
      s.release(); // calls are ordered: a later reuse of this memory waits for the update
    }
  }

  /**
   * {@link #optimizerUpdate(OptimizerKind, OptimizerHyperparameters, long, Storage, int, Storage,
   * int, Storage[], int)} with the step-dependent scalars read from device memory when the update
   * runs, not taken as arguments: {@code scalars} (FLOAT64) holds, at {@code scalarsOffset}, the
   * {@link OptimizerKind#SCALARS} values {@link OptimizerKind#writeScalars} writes for this step
   * (learning rate, step count, NAdam's product and the coefficients derived from them). The fields
   * of {@code h} other than {@code lr} and {@code muProduct} are read from {@code h}. So a {@link
   * CapturedGraph captured} update applies, at every replay, the step whose scalars the caller
   * wrote into {@code scalars} before it. When entry {@link OptimizerKind#APPLY} is 0 (written
   * there on the device: a non-finite batch under a skip policy) the call leaves the parameter and
   * the state buffers untouched.
   */
  void optimizerUpdate(
      OptimizerKind kind,
      OptimizerHyperparameters h,
      Storage scalars,
      int scalarsOffset,
      Storage param,
      int paramOffset,
      Storage grad,
      int gradOffset,
      Storage[] state,
      int n);

  // ---- convolution and pooling (argument checks: ConvArguments) ----------------------------

  /**
   * Unfolds images into the column matrix a convolution multiplies by its weights. For {@code
   * images} images of {@code g.imageSize()} contiguous elements from {@code xOffset} ({@code [n, c,
   * h, w]}, row-major), writes the contiguous {@code [g.colRows(), images * g.outPlane()]} matrix
   * at {@code colsOffset}:
   *
   * <pre>
   *   cols[(c * kH + i) * kW + j][n * outH * outW + oh * outW + ow]
   *       = x[n][c][oh * strideH - padH + i * dilationH][ow * strideW - padW + j * dilationW]
   *         (0 where the row or column lies outside the image)
   * </pre>
   *
   * so {@code W[O, C kH kW] x cols} is the convolution of every image at once (one GEMM; per group
   * a block of rows). FLOAT32 or FLOAT64; {@code cols} overlaps nothing.
   */
  void im2col(ConvGeometry g, int images, Storage x, int xOffset, Storage cols, int colsOffset);

  /**
   * The adjoint of {@link #im2col}: writes (overwrites, no accumulation into old contents) every
   * element of the {@code images} images at {@code xOffset} with the sum of the column entries that
   * {@code im2col} would have copied from it, summed over the taps in (i, j) order. Deterministic;
   * a GPU gathers per input element (no atomics). {@code x} overlaps nothing.
   */
  void col2im(ConvGeometry g, int images, Storage cols, int colsOffset, Storage x, int xOffset);

  /**
   * Max pooling of {@code planes} contiguous {@code height x width} planes ({@code [N * C, H, W]}):
   * {@code y} ({@code [planes, outH, outW]}) receives each window's maximum and {@code indices}
   * (INT32, same shape) its flat position {@code h * width + w} in the plane, as PyTorch's {@code
   * max_pool2d(return_indices=True)}: the first maximum in row-major order wins ties, a NaN wins
   * over numbers (the last NaN), and a window of only -inf reports its first position. Padded
   * positions are never chosen.
   */
  void maxPool2d(
      PoolGeometry g,
      int planes,
      Storage x,
      int xOffset,
      Storage y,
      int yOffset,
      Storage indices,
      int indicesOffset);

  /**
   * Backward of {@link #maxPool2d}: writes (overwrites) {@code gx} ({@code [planes, H, W]}) with
   * the sum of {@code gy} over the outputs whose index names that element (0 for the others).
   */
  void maxPool2dBackward(
      PoolGeometry g,
      int planes,
      Storage gy,
      int gyOffset,
      Storage indices,
      int indicesOffset,
      Storage gx,
      int gxOffset);

  /**
   * Average pooling of {@code planes} contiguous planes: {@code y[p][oh][ow]} = the sum of the
   * window's input elements (padding counts as 0) over the divisor of {@link PoolGeometry}, as
   * PyTorch's {@code avg_pool2d}.
   */
  void avgPool2d(PoolGeometry g, int planes, Storage x, int xOffset, Storage y, int yOffset);

  /**
   * Backward of {@link #avgPool2d}: writes (overwrites) {@code gx[p][h][w]} = the sum, over the
   * windows containing (h, w) in (oh, ow) row-major order, of {@code gy / divisor}.
   */
  void avgPool2dBackward(
      PoolGeometry g, int planes, Storage gy, int gyOffset, Storage gx, int gxOffset);

  // ---- data ----------------------------------------------------------------------------------

  /**
   * Gathers rows: row {@code r} of {@code dst} (at {@code dstOffset + r * rowLength}) becomes row
   * {@code indices[indicesOffset + r]} of {@code src} (at {@code srcOffset + index * rowLength}),
   * for {@code r} in [0, rows). Rows are {@code rowLength} contiguous elements; {@code src} and
   * {@code dst} share a dtype (any); {@code indices} is INT32. An index outside [0, srcRows) is an
   * error the backend reports when it can (the CPU throws; a GPU clamps nothing and writes nothing
   * for that row, so callers validate indices on the host). What a data loader uses to batch a
   * dataset kept resident on the device.
   */
  void gatherRows(
      Storage src,
      int srcOffset,
      int srcRows,
      int rowLength,
      Storage indices,
      int indicesOffset,
      int rows,
      Storage dst,
      int dstOffset);

  // ---- graphs --------------------------------------------------------------------------------

  /** True when {@link #beginCapture} works on this backend. */
  default boolean supportsCapture() {
    return false;
  }

  /**
   * True when training steps should be captured and replayed on this backend unless the user says
   * otherwise: a GPU, where a step of small kernels costs more in launches than in work, and the
   * CPU, where a replay skips the tensor layer's host work; false where capture is possible but
   * opt-in.
   */
  default boolean capturesByDefault() {
    return false;
  }

  /**
   * Starts recording: until {@link #endCapture}, the calls the calling thread makes on this backend
   * are recorded into a graph and not run. While capturing:
   *
   * <ul>
   *   <li>storage allocated belongs to the graph: its memory stays reserved for the graph (when
   *       released it can be handed out again only inside the same capture) until the graph is
   *       closed, so a replay never writes memory that someone else now owns;
   *   <li>a copy from a host array is recorded with the array's values at capture time;
   *   <li>reads to the host ({@link #copyToHost}, {@link #synchronize}) by the capturing thread are
   *       refused with an {@link IllegalStateException};
   *   <li>other threads are not recorded: they run as usual (CPU: captures are per thread) or wait
   *       until the capture ends (a GPU's single stream); releasing storage from any thread (the
   *       Cleaner) stays allowed.
   * </ul>
   *
   * @throws UnsupportedOperationException when {@link #supportsCapture()} is false
   * @throws IllegalStateException when a capture is already running
   */
  default void beginCapture() {
    throw new UnsupportedOperationException(device() + " cannot capture graphs");
  }

  /**
   * Ends the capture the calling thread started and returns its graph (run nothing yet: the first
   * {@link CapturedGraph#replay()} runs the recorded calls the first time). Also call it when the
   * captured code threw, to leave capture mode; close the graph then.
   */
  default CapturedGraph endCapture() {
    throw new UnsupportedOperationException(device() + " cannot capture graphs");
  }

  // ---- warm-up -------------------------------------------------------------------------------

  /**
   * A hint that a model will be trained here whose largest matrix product multiplies {@code
   * inTimesOut} (in x out) weights per row of a batch, while the caller still has other work to do
   * first (reading its data set). A backend whose kernels warm up at run time may start that
   * warm-up now, in the background; it changes no result. The command line gives it before it reads
   * the data. Default: nothing.
   *
   * @return whether this backend compiles its kernels for such a model at run time, so that real
   *     training steps run before the data arrives would also pay ({@code StepWarmup}); default
   *     false
   */
  default boolean expectMatmul(long inTimesOut) {
    return false;
  }

  // ---- precision -----------------------------------------------------------------------------

  /** Sets how float32 GEMMs may trade precision for speed (see {@link MatmulPrecision}). */
  default void setMatmulPrecision(MatmulPrecision precision) {}

  /** The precision float32 GEMMs run at now. */
  default MatmulPrecision matmulPrecision() {
    return MatmulPrecision.HIGHEST;
  }

  // ---- control -----------------------------------------------------------------------------

  /** Waits until every call issued so far has finished. */
  void synchronize();

  /** Current memory figures of this device. */
  MemoryStats memoryStats();

  /** Releases the device's resources (pools, contexts). The backend is unusable afterwards. */
  @Override
  void close();
}
