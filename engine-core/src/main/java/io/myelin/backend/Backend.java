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
 *   <li>Calls are ordered: a backend may run them asynchronously (a GPU stream), but each call
 *       sees the results of the ones before it. Reads to the host synchronise.
 *   <li>Thread-safety: a backend may be called from several threads; each call is independent.
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
   * Copies {@code length} elements from a host array ({@code float[]}, {@code double[]} or
   * {@code int[]}, matching the storage dtype) into {@code dst} at {@code dstOffset}.
   */
  void copyFromHost(Object src, int srcOffset, Storage dst, int dstOffset, int length);

  /** Copies {@code length} elements of {@code src} into a host array of its dtype. Synchronises. */
  void copyToHost(Storage src, int srcOffset, Object dst, int dstOffset, int length);

  /**
   * Copies the view {@code srcLayout} of {@code src} into the view {@code dstLayout} of {@code
   * dst} (same shape), converting the dtype when the two storages differ (a cast: float to int
   * truncates toward zero as Java and C do). Used for contiguous(), concat, slicing and casts.
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
   * Batched row-major GEMM: for each {@code i < batch}, {@code C_i = alpha * op(A_i) op(B_i) +
   * beta * C_i} with op(A_i) of shape m x k and op(B_i) of shape k x n. When {@code beta == 0}, C
   * is not read (NaN in C does not propagate). {@code c} must not be transposed and must not
   * overlap A or B. Accumulation is in at least the operand precision.
   */
  void gemm(
      int batch, int m, int n, int k, double alpha, GemmOperand a, GemmOperand b, double beta,
      GemmOperand c);

  // ---- element-wise ------------------------------------------------------------------------

  /** {@code y = op(x; a, b)} element-wise over views of the same shape. */
  void unary(UnaryOp op, double a, double b, Storage x, Layout xLayout, Storage y, Layout yLayout);

  /**
   * {@code gx = gy * op'(x, y)} over {@code n} contiguous elements; {@code x} is the forward input
   * and {@code y} the forward output (both are provided; kernels use whichever is cheaper).
   */
  void unaryBackward(
      UnaryOp op, double a, double b, Storage x, int xOffset, Storage y, int yOffset, Storage gy,
      int gyOffset, Storage gx, int gxOffset, int n);

  /**
   * {@code out = op(x, y)} element-wise. All three layouts have the output's shape; broadcasting
   * is expressed by 0 strides in the input layouts.
   */
  void binary(
      BinaryOp op, Storage x, Layout xLayout, Storage y, Layout yLayout, Storage out,
      Layout outLayout);

  /**
   * {@code out = cond != 0 ? x : y} element-wise (cond has the same floating dtype as x and y),
   * with broadcasting by 0 strides as {@link #binary}.
   */
  void where(
      Storage cond, Layout condLayout, Storage x, Layout xLayout, Storage y, Layout yLayout,
      Storage out, Layout outLayout);

  // ---- reductions --------------------------------------------------------------------------

  /**
   * Reduces the middle axis of a contiguous {@code [outer, reduced, inner]} block at {@code
   * xOffset} into a contiguous {@code [outer, inner]} block at {@code outOffset}. Any run of
   * adjacent axes maps onto this form without a copy. ARGMAX/ARGMIN write INT32 into {@code out};
   * the others write the input dtype. Deterministic: the same inputs give the same bits.
   */
  void reduce(
      ReduceOp op, Storage x, int xOffset, int outer, int reduced, int inner, Storage out,
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
      boolean log, Storage y, int yOffset, Storage gy, int gyOffset, Storage gx, int gxOffset,
      int rows, int cols);

  // ---- optimizers --------------------------------------------------------------------------

  /**
   * One fused optimizer step for one parameter: reads the gradient, updates the state buffers and
   * the parameter in place, element by element, by the formula of {@code kind} (see {@link
   * OptimizerKind}; each element is independent, so a backend may split the range freely). One
   * call per parameter per step; a GPU runs it as one kernel.
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
  void optimizerUpdate(
      OptimizerKind kind, OptimizerHyperparameters h, long step, Storage param, int paramOffset,
      Storage grad, int gradOffset, Storage[] state, int n);

  // ---- control -----------------------------------------------------------------------------

  /** Waits until every call issued so far has finished. */
  void synchronize();

  /** Current memory figures of this device. */
  MemoryStats memoryStats();

  /** Releases the device's resources (pools, contexts). The backend is unusable afterwards. */
  @Override
  void close();
}
