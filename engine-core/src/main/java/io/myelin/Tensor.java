package io.myelin;

import io.myelin.autograd.Autograd;
import io.myelin.autograd.BackwardFunction;
import io.myelin.autograd.ForwardAD;
import io.myelin.autograd.Node;
import io.myelin.autograd.TangentFunction;
import io.myelin.autograd.Tape;
import io.myelin.autograd.TensorInternals;
import io.myelin.backend.Backend;
import io.myelin.backend.BinaryOp;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.ReduceOp;
import io.myelin.backend.Storage;
import io.myelin.backend.UnaryOp;
import io.myelin.memory.MemoryScope;
import io.myelin.memory.MemoryStatistics;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An n-dimensional array on one device, with reverse-mode autograd.
 *
 * <p>A tensor is an immutable view (shape, strides, offset: a {@link Layout}) over a
 * reference-counted {@link Storage}. Views such as {@link #reshape}, {@link #transpose}, {@link
 * #narrow} and {@link #expand} share the storage; other ops allocate a new output on the same
 * device. Every op validates its arguments (a {@link ShapeMismatchException} names the op and the
 * shapes, a {@link DeviceMismatchException} the devices), calls the device's backend and, when an
 * input requires grad, records a node so that {@link #backward()} can compute gradients.
 *
 * <pre>{@code
 * Tensor w = Tensor.randn(new Generator(0), 3, 2).requiresGrad(true);
 * Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * Tensor loss = x.matmul(w).relu().sum();
 * loss.backward();
 * System.out.println(w.grad());   // d loss / d w, shape [3, 2]
 * }</pre>
 *
 * <p>Memory: a tensor is {@link AutoCloseable}. Inside a {@link MemoryScope} every tensor created
 * is closed with the scope unless kept; outside scopes, a {@link Cleaner} returns the memory of
 * tensors that become unreachable. Using a closed tensor throws {@link IllegalStateException} (with
 * the creation site when {@code -Dmyelin.debug=true} or {@code MYELIN_DEBUG=1}).
 *
 * <p>Thread-safety: tensors are not synchronised; do not mutate the same tensor (its gradient,
 * in-place updates) from several threads at once. Reading shared tensors concurrently is fine.
 */
public final class Tensor implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  /** Numbers tensors in the order they are made ({@link #serial}). */
  private static final AtomicLong SERIALS = new AtomicLong();

  static final boolean DEBUG =
      Boolean.getBoolean("myelin.debug")
          || "1".equals(System.getenv("MYELIN_DEBUG"))
          || "true".equalsIgnoreCase(System.getenv("MYELIN_DEBUG"));

  private final Storage storage;
  private final Layout layout;
  private final Release release;
  private final Cleaner.Cleanable cleanable;
  private final Throwable creationSite;
  private volatile boolean closed;
  private boolean requiresGrad;
  private Tensor grad;
  private Node gradFn;
  // Forward mode: the tangents by dual level, kept and read by ForwardAD (null: none).
  private Object tangents;

  /** Gives the storage reference back exactly once, from close() or from the Cleaner. */
  private static final class Release implements Runnable {
    private final Storage storage;
    private volatile boolean explicit;

    Release(Storage storage) {
      this.storage = storage;
    }

    @Override
    public void run() {
      storage.release();
      MemoryStatistics.onRelease(!explicit);
    }
  }

  /**
   * When this tensor was made, relative to others: autograd frees only the gradients it made itself
   * during a backward pass, never an older tensor a backward function handed on.
   */
  private final long serial = SERIALS.incrementAndGet();

  /** Wraps a storage this tensor now holds one reference of (the caller's). */
  Tensor(Storage storage, Layout layout) {
    this.storage = storage;
    this.layout = layout;
    this.release = new Release(storage);
    this.cleanable = CLEANER.register(this, release);
    this.creationSite = DEBUG ? new Throwable("tensor created here") : null;
    MemoryStatistics.onCreate();
    MemoryScope.register(this);
  }

  /** A new view over this tensor's storage (takes a storage reference). */
  Tensor viewOf(Layout l) {
    checkOpen();
    storage.retain();
    return new Tensor(storage, l);
  }

  // ---- creation ---------------------------------------------------------------------------

  /** The device new tensors go to (see {@link DeviceManager#defaultDevice()}). */
  public static Device defaultDevice() {
    return DeviceManager.global().defaultDevice();
  }

  /** An uninitialised contiguous tensor. */
  public static Tensor empty(Device device, DType dtype, int... shape) {
    Shapes.checkShape("empty", shape);
    Backend b = DeviceManager.global().backend(device);
    Layout l = Layout.contiguous(shape);
    return new Tensor(b.allocate(dtype, l.size()), l);
  }

  /** Zeros of the default float32 type on the default device. */
  public static Tensor zeros(int... shape) {
    return full(defaultDevice(), DType.FLOAT32, 0, shape);
  }

  public static Tensor zeros(DType dtype, int... shape) {
    return full(defaultDevice(), dtype, 0, shape);
  }

  public static Tensor zeros(Device device, DType dtype, int... shape) {
    return full(device, dtype, 0, shape);
  }

  public static Tensor ones(int... shape) {
    return full(defaultDevice(), DType.FLOAT32, 1, shape);
  }

  public static Tensor ones(DType dtype, int... shape) {
    return full(defaultDevice(), dtype, 1, shape);
  }

  /** A float32 tensor with every element {@code value}. */
  public static Tensor full(double value, int... shape) {
    return full(defaultDevice(), DType.FLOAT32, value, shape);
  }

  public static Tensor full(Device device, DType dtype, double value, int... shape) {
    Tensor t = empty(device, dtype, shape);
    if (t.numel() > 0) {
      t.backend().fill(t.storage, t.layout, value);
    }
    return t;
  }

  /** A one-element tensor of shape [] (a scalar), float32. */
  public static Tensor scalar(double value) {
    return full(value);
  }

  /** Zeros with the shape, dtype and device of {@code like}. */
  public static Tensor zerosLike(Tensor like) {
    return full(like.device(), like.dtype(), 0, like.shape());
  }

  public static Tensor onesLike(Tensor like) {
    return full(like.device(), like.dtype(), 1, like.shape());
  }

  public static Tensor fullLike(Tensor like, double value) {
    return full(like.device(), like.dtype(), value, like.shape());
  }

  /** 0, 1, ..., n-1 as float32. */
  public static Tensor arange(int n) {
    return arange(0, n, 1);
  }

  /** start, start+step, ... below end (above end for a negative step), as float32. */
  public static Tensor arange(double start, double end, double step) {
    if (step == 0 || !Double.isFinite(step) || !Double.isFinite(start) || !Double.isFinite(end)) {
      throw new IllegalArgumentException(
          "arange: start, end and step must be finite and step non-zero, got "
              + start
              + ", "
              + end
              + ", "
              + step);
    }
    int n = (int) Math.max(0, Math.ceil((end - start) / step));
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (start + i * step);
    }
    return of(v, n);
  }

  /** A float32 tensor holding a copy of {@code data} with the given shape (default: 1-D). */
  public static Tensor of(float[] data, int... shape) {
    return fromHost(defaultDevice(), DType.FLOAT32, data, data.length, shape);
  }

  /** A float64 tensor holding a copy of {@code data}. */
  public static Tensor of(double[] data, int... shape) {
    return fromHost(defaultDevice(), DType.FLOAT64, data, data.length, shape);
  }

  /** An int32 tensor (labels, indices) holding a copy of {@code data}. */
  public static Tensor ofInts(int[] data, int... shape) {
    return fromHost(defaultDevice(), DType.INT32, data, data.length, shape);
  }

  /** A tensor on {@code device} holding a copy of a host array of the dtype's Java type. */
  public static Tensor of(Device device, Object data, int... shape) {
    return of(device, data, false, shape);
  }

  /**
   * {@link #of(Device, Object, int...)} for data needed a little later (a data loader's next
   * batch): on a GPU the copy runs on a copy stream, overlapping the work issued after it, and the
   * first op that uses the tensor waits for it ({@link
   * io.myelin.backend.Backend#copyFromHostAhead}). The array may be changed once this returns.
   */
  public static Tensor ofAhead(Device device, Object data, int... shape) {
    return of(device, data, true, shape);
  }

  private static Tensor of(Device device, Object data, boolean ahead, int... shape) {
    return switch (data) {
      case float[] f -> fromHost(device, DType.FLOAT32, f, f.length, shape, ahead);
      case double[] d -> fromHost(device, DType.FLOAT64, d, d.length, shape, ahead);
      case int[] i -> fromHost(device, DType.INT32, i, i.length, shape, ahead);
      default ->
          throw new IllegalArgumentException(
              "Tensor.of: expected float[], double[] or int[], got " + data.getClass().getName());
    };
  }

  private static Tensor fromHost(Device device, DType dtype, Object data, int length, int[] shape) {
    return fromHost(device, dtype, data, length, shape, false);
  }

  private static Tensor fromHost(
      Device device, DType dtype, Object data, int length, int[] shape, boolean ahead) {
    int[] s = shape.length == 0 ? new int[] {length} : shape;
    Shapes.checkShape("of", s);
    if (Layout.numel(s) != length) {
      throw new ShapeMismatchException(
          "of: "
              + length
              + " values do not fill shape "
              + Shapes.str(s)
              + " ("
              + Layout.numel(s)
              + " elements)");
    }
    Tensor t = empty(device, dtype, s);
    if (length > 0 && ahead) {
      t.backend().copyFromHostAhead(data, 0, t.storage, 0, length);
    } else if (length > 0) {
      t.backend().copyFromHost(data, 0, t.storage, 0, length);
    }
    return t;
  }

  /** Uniform [0, 1) float32 from {@code generator}. */
  public static Tensor rand(Generator generator, int... shape) {
    return uniform(generator, 0, 1, shape);
  }

  /** Standard normal float32 from {@code generator}. */
  public static Tensor randn(Generator generator, int... shape) {
    return normal(generator, 0, 1, shape);
  }

  /** Uniform [low, high) float32 on the default device. */
  public static Tensor uniform(Generator generator, double low, double high, int... shape) {
    return uniform(defaultDevice(), DType.FLOAT32, generator, low, high, shape);
  }

  /** Normal(mean, std) float32 on the default device. */
  public static Tensor normal(Generator generator, double mean, double std, int... shape) {
    return normal(defaultDevice(), DType.FLOAT32, generator, mean, std, shape);
  }

  public static Tensor uniform(
      Device device, DType dtype, Generator generator, double low, double high, int... shape) {
    if (!(low <= high) || !Double.isFinite(low) || !Double.isFinite(high)) {
      throw new IllegalArgumentException(
          "uniform: need finite low <= high, got " + low + ", " + high);
    }
    checkFloating("uniform", dtype);
    Tensor t = empty(device, dtype, shape);
    int n = t.numel();
    t.backend().randomUniform(t.storage, 0, n, generator.seed(), generator.reserve(n), low, high);
    return t;
  }

  public static Tensor normal(
      Device device, DType dtype, Generator generator, double mean, double std, int... shape) {
    if (!(std >= 0) || !Double.isFinite(mean) || !Double.isFinite(std)) {
      throw new IllegalArgumentException(
          "normal: need finite mean and std >= 0, got " + mean + ", " + std);
    }
    checkFloating("normal", dtype);
    Tensor t = empty(device, dtype, shape);
    int n = t.numel();
    t.backend().randomNormal(t.storage, 0, n, generator.seed(), generator.reserve(n), mean, std);
    return t;
  }

  // ---- properties -------------------------------------------------------------------------

  /** The shape (a copy). */
  public int[] shape() {
    return layout.shape().clone();
  }

  /** Size of dimension {@code dim} (negative counts from the end). */
  public int size(int dim) {
    return layout.shape()[Shapes.dim("size", dim, rank())];
  }

  public int rank() {
    return layout.rank();
  }

  /** Number of elements. */
  public int numel() {
    return layout.size();
  }

  public DType dtype() {
    return storage.dtype();
  }

  public Device device() {
    return storage.device();
  }

  /** The view's layout over its storage (shape, strides, offset). */
  public Layout layout() {
    return layout;
  }

  /** The storage (for backends and advanced use; ops on it bypass autograd). */
  public Storage storage() {
    checkOpen();
    return storage;
  }

  public boolean isContiguous() {
    return layout.isContiguous();
  }

  Backend backend() {
    checkOpen();
    return storage.backend();
  }

  // ---- autograd ---------------------------------------------------------------------------

  public boolean requiresGrad() {
    return requiresGrad;
  }

  /**
   * Marks this leaf tensor as one whose gradient is wanted (parameters). Returns this.
   *
   * @throws IllegalStateException on a non-leaf or a non-floating tensor
   */
  public Tensor requiresGrad(boolean value) {
    if (gradFn != null) {
      throw new IllegalStateException(
          "requiresGrad can only be set on leaf tensors; this one was computed by '"
              + gradFn.op()
              + "' (use detach() first)");
    }
    if (value) {
      checkFloating("requiresGrad", dtype());
    }
    requiresGrad = value;
    return this;
  }

  /** The accumulated gradient of a leaf, or null before any backward. */
  public Tensor grad() {
    return grad;
  }

  /** Replaces the gradient (optimizers, clipping); the tensor given is owned by this one now. */
  public void setGrad(Tensor g) {
    if (g != null) {
      checkSameShape("setGrad", g);
      g.persist();
    }
    if (grad != null && grad != g) {
      grad.close();
    }
    grad = g;
  }

  /** Drops the gradient (PyTorch's {@code zero_grad(set_to_none=True)}). */
  public void zeroGrad() {
    setGrad(null);
  }

  /** The node that computed this tensor, or null for leaves and tensors made without grad. */
  public Node gradFn() {
    return gradFn;
  }

  /** True when this tensor was not computed by a recorded op. */
  public boolean isLeaf() {
    return gradFn == null;
  }

  /** Backpropagates from this one-element tensor (a loss): d this / d every leaf. */
  public void backward() {
    Autograd.backward(this, null, false);
  }

  /** Backpropagates with an explicit upstream gradient of this tensor's shape. */
  public void backward(Tensor gradient) {
    Autograd.backward(this, gradient, false);
  }

  public void backward(Tensor gradient, boolean retainGraph) {
    Autograd.backward(this, gradient, retainGraph);
  }

  /**
   * Adds {@code g} into this leaf's gradient (called by autograd). The first gradient is copied
   * into memory this tensor owns (outside every scope), or, when autograd made {@code g} for this
   * leaf alone ({@code exclusive}) and nothing else references its memory, kept as it is: a new
   * view of the same storage, so the step saves the copy (a Linear layer's weight gradient is the
   * largest buffer of an MLP's backward pass). Later gradients are added in place. Reached by
   * autograd through {@link TensorInternals}, not public API.
   */
  private void accumulateGrad(Tensor g, boolean exclusive) {
    checkSameShape("accumulateGrad", g);
    if (ForwardAD.hasTangent(g)) {
      // Forward over reverse (Functional.hvpOfClosure): sum out of place so the gradient keeps
      // its tangent (H v); both are owned here, outside every scope.
      Tensor sum;
      try (var ignored = Autograd.noGrad()) {
        sum = grad == null ? Copies.copy(g) : grad.add(g);
      }
      Tensor t = ForwardAD.tangentOf(sum);
      if (t != null) {
        t.persist();
      }
      setGrad(sum);
      return;
    }
    if (grad == null) {
      Tensor own = exclusive && g.ownsItsStorage() ? g.viewOf(g.layout) : g.contiguousCopy();
      own.persist();
      grad = own;
    } else {
      grad.backend()
          .binary(
              BinaryOp.ADD,
              grad.storage,
              grad.layout,
              g.storage,
              Shapes.expand("accumulateGrad", g.layout, grad.layout.shape()),
              grad.storage,
              grad.layout);
    }
  }

  /**
   * Whether this tensor is the only reference to its storage and covers all of it, densely from the
   * start: a gradient that may be kept without a copy (no view, no other tensor, sees its memory;
   * the storage is no larger than the gradient).
   */
  private boolean ownsItsStorage() {
    return !closed
        && storage.refCount() == 1
        && layout.offset() == 0
        && storage.length() == numel()
        && isContiguous();
  }

  /** A tensor sharing this one's storage but cut from the graph (no grad, no node). */
  public Tensor detach() {
    return viewOf(layout);
  }

  /** Records {@code out} as computed from {@code inputs} when any of them needs a gradient. */
  static Tensor record(String op, Tensor out, BackwardFunction fn, Tensor... inputs) {
    return TAPE.record(op, true, out, fn, inputs);
  }

  /**
   * As {@link #record} for a backward that calls a backend primitive (not differentiable again).
   */
  static Tensor recordFirstOrder(String op, Tensor out, BackwardFunction fn, Tensor... inputs) {
    return TAPE.record(op, false, out, fn, inputs);
  }

  /**
   * As {@link #record} with the op's forward-mode tangent rule (its Jacobian-vector product). The
   * library's ops recorded here write their rules with recorded tensor ops of their inputs, output
   * and tangents only, so the rules are {@link TangentFunction#nestable} (forward over forward).
   */
  static Tensor record(
      String op, Tensor out, BackwardFunction fn, TangentFunction tangent, Tensor... inputs) {
    // The rule is used only inside this call, while propagating: mark it only then (no garbage
    // on the plain path).
    return TAPE.record(
        op,
        true,
        out,
        fn,
        ForwardAD.isPropagating() ? TangentFunction.nestable(tangent) : tangent,
        inputs);
  }

  /** As {@link #recordFirstOrder} with the op's tangent rule. */
  static Tensor recordFirstOrder(
      String op, Tensor out, BackwardFunction fn, TangentFunction tangent, Tensor... inputs) {
    return TAPE.record(op, false, out, fn, tangent, inputs);
  }

  // The recorder is handed to Tensor alone: the node-making half of autograd that user code reaches
  // only through DifferentiableOp.
  private static final Tape TAPE =
      Tape.install(
          new TensorInternals() {
            @Override
            public void attach(Tensor out, Node node) {
              out.requiresGrad = true;
              out.gradFn = node;
            }

            @Override
            public long serial(Tensor t) {
              return t.serial;
            }

            @Override
            public long lastSerial() {
              return SERIALS.get();
            }

            @Override
            public void accumulateGrad(Tensor leaf, Tensor g, boolean exclusive) {
              leaf.accumulateGrad(g, exclusive);
            }

            @Override
            public Object tangents(Tensor t) {
              return t.tangents;
            }

            @Override
            public void setTangents(Tensor t, Object tangents) {
              t.tangents = tangents;
            }
          });

  // ---- memory -----------------------------------------------------------------------------

  /**
   * Takes this tensor out of every {@link MemoryScope}: the caller owns it and closes it
   * (parameters, gradients, optimizer state). Returns this.
   */
  public Tensor persist() {
    MemoryScope.forget(this);
    return this;
  }

  public boolean isClosed() {
    return closed;
  }

  /** Gives this view's storage reference back. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    release.explicit = true;
    cleanable.clean();
  }

  void checkOpen() {
    if (closed) {
      IllegalStateException e =
          new IllegalStateException(
              "tensor "
                  + Shapes.str(layout.shape())
                  + " "
                  + storage.dtype().shortName()
                  + " was used after close()"
                  + (creationSite == null
                      ? " (run with -Dmyelin.debug=true to see where it was created)"
                      : ""));
      if (creationSite != null) {
        e.initCause(creationSite);
      }
      throw e;
    }
  }

  // ---- views ------------------------------------------------------------------------------

  /** Same elements, new shape (one dim may be -1); a view when possible, else a copy. */
  public Tensor reshape(int... shape) {
    return Views.reshape(this, shape, false);
  }

  /** Like {@link #reshape} but never copies: throws if the layout cannot be viewed so. */
  public Tensor view(int... shape) {
    return Views.reshape(this, shape, true);
  }

  /** Swaps two dims (a view). */
  public Tensor transpose(int dim0, int dim1) {
    return Views.transpose(this, dim0, dim1);
  }

  /** Transpose of a 2-D tensor (a view). */
  public Tensor t() {
    if (rank() != 2) {
      throw new IllegalArgumentException(
          "t(): expects a 2-D tensor, got shape " + Shapes.str(layout.shape()));
    }
    return transpose(0, 1);
  }

  /** Reorders dims: result dim i is input dim {@code order[i]} (a view). */
  public Tensor permute(int... order) {
    return Views.permute(this, order);
  }

  /** Removes dim {@code dim}, which must have size 1 (a view). */
  public Tensor squeeze(int dim) {
    return Views.squeeze(this, dim);
  }

  /** Removes every dim of size 1 (a view). */
  public Tensor squeeze() {
    return Views.squeezeAll(this);
  }

  /** Inserts a dim of size 1 at {@code dim} (a view). */
  public Tensor unsqueeze(int dim) {
    return Views.unsqueeze(this, dim);
  }

  /** Elements {@code start .. start+length-1} along {@code dim} (a view). */
  public Tensor narrow(int dim, int start, int length) {
    return Views.narrow(this, dim, start, length);
  }

  /** Rows {@code start .. end-1} (a view): {@code narrow(0, start, end - start)}. */
  public Tensor slice(int start, int end) {
    return narrow(0, start, end - start);
  }

  /** The sub-tensor at {@code index} along {@code dim}, with that dim removed (a view). */
  public Tensor select(int dim, int index) {
    return Views.select(this, dim, index);
  }

  /**
   * The rows {@code index[0], index[1], ...} of this tensor (along dim 0) as a new tensor of shape
   * {@code [index.numel(), rest...]}, as PyTorch's {@code index_select(0, index)}: one backend
   * gather ({@link io.myelin.backend.Backend#gatherRows}). {@code index} is a 1-D INT32 tensor on
   * the same device whose values the caller guarantees are in {@code [0, size(0))} (a GPU does not
   * check them). Not differentiable: what a data loader uses to batch a dataset kept on the device.
   */
  public Tensor indexSelectRows(Tensor index) {
    if (index.dtype() != DType.INT32 || index.rank() != 1) {
      throw new IllegalArgumentException(
          "indexSelectRows: the index must be a 1-D i32 tensor, got "
              + index.dtype().shortName()
              + " "
              + Arrays.toString(index.shape()));
    }
    if (!index.device().equals(device())) {
      throw new IllegalArgumentException(
          "indexSelectRows: index on " + index.device() + ", tensor on " + device());
    }
    if (rank() == 0) {
      throw new IllegalArgumentException("indexSelectRows: needs a tensor of rank >= 1");
    }
    if (requiresGrad() && Autograd.isGradEnabled()) {
      throw new IllegalArgumentException(
          "indexSelectRows is not differentiable; call it on a"
              + " tensor that does not require grad, or inside Autograd.noGrad()");
    }
    refuseDual("indexSelectRows", this);
    Tensor src = isContiguous() ? this : contiguous();
    Tensor idx = index.isContiguous() ? index : index.contiguous();
    int[] outShape = shape().clone();
    outShape[0] = index.numel();
    int rowLength = size(0) == 0 ? 0 : (int) (numel() / size(0));
    Tensor out = Tensor.empty(device(), dtype(), outShape);
    backend()
        .gatherRows(
            src.storage,
            src.layout.offset(),
            size(0),
            rowLength,
            idx.storage,
            idx.layout.offset(),
            index.numel(),
            out.storage,
            0);
    if (src != this) {
      src.close();
    }
    if (idx != index) {
      idx.close();
    }
    return out;
  }

  /** Broadcasts size-1 dims (and new leading dims) to {@code shape}; -1 keeps a dim (a view). */
  public Tensor expand(int... shape) {
    return Views.expand(this, shape);
  }

  /** A 1-D view (or copy) of every element. */
  public Tensor flatten() {
    return reshape(numel());
  }

  /** Merges dims {@code startDim..endDim} into one. */
  public Tensor flatten(int startDim, int endDim) {
    return Views.flatten(this, startDim, endDim);
  }

  // ---- copies -----------------------------------------------------------------------------

  /** This tensor if already contiguous, else a contiguous copy. */
  public Tensor contiguous() {
    return isContiguous() ? this : Copies.copy(this);
  }

  /** Always a new contiguous copy (differentiable). */
  public Tensor copy() {
    return Copies.copy(this);
  }

  private Tensor contiguousCopy() {
    try (var ignored = Autograd.noGrad()) {
      return Copies.copy(this);
    }
  }

  /** Joins tensors along {@code dim}; all other dims must match. */
  public static Tensor concat(int dim, Tensor... tensors) {
    return Copies.concat(dim, tensors);
  }

  /** Stacks same-shaped tensors along a new dim {@code dim}. */
  public static Tensor stack(int dim, Tensor... tensors) {
    return Copies.stack(dim, tensors);
  }

  /** A copy on {@code target} (this tensor if already there); gradients flow back. */
  public Tensor to(Device target) {
    return Copies.toDevice(this, target);
  }

  /** A copy converted to {@code target} (this tensor if already of it); float grads flow back. */
  public Tensor to(DType target) {
    return Copies.cast(this, target);
  }

  /**
   * Writes {@code src} (broadcast to this shape, converted to this dtype) into this tensor's
   * elements in place, through views too. Not recorded by autograd: allowed on tensors that require
   * grad only inside {@link Autograd#noGrad()} (optimizer updates, loading weights). Returns this.
   */
  public Tensor assign(Tensor src) {
    checkOpen();
    src.checkOpen();
    if (!device().equals(src.device())) {
      throw new DeviceMismatchException(
          "assign: destination on " + device() + ", source on " + src.device());
    }
    if (requiresGrad && Autograd.isGradEnabled()) {
      throw new IllegalStateException(
          "assign: in-place write to a tensor that requires grad; do it inside Autograd.noGrad()");
    }
    refuseDual("assign", this);
    refuseDual("assign", src);
    if (numel() > 0) {
      backend()
          .copy(src.storage, Shapes.expand("assign", src.layout, layout.shape()), storage, layout);
    }
    return this;
  }

  /** Sets every element to {@code value} in place (see {@link #assign}). Returns this. */
  public Tensor fill(double value) {
    checkOpen();
    if (requiresGrad && Autograd.isGradEnabled()) {
      throw new IllegalStateException(
          "fill: in-place write to a tensor that requires grad; do it inside Autograd.noGrad()");
    }
    refuseDual("fill", this);
    if (numel() > 0) {
      backend().fill(storage, layout, value);
    }
    return this;
  }

  // ---- element-wise -----------------------------------------------------------------------

  /** Applies a unary op from the backend's set, with its scalar parameters. */
  public Tensor map(UnaryOp op, double a, double b) {
    return Elementwise.unary(this, op, a, b);
  }

  public Tensor map(UnaryOp op) {
    return Elementwise.unary(this, op, 0, 0);
  }

  /** Applies a binary op with NumPy broadcasting. */
  public Tensor apply(BinaryOp op, Tensor other) {
    return Elementwise.binary(this, op, other);
  }

  public Tensor add(Tensor o) {
    return apply(BinaryOp.ADD, o);
  }

  public Tensor sub(Tensor o) {
    return apply(BinaryOp.SUB, o);
  }

  public Tensor mul(Tensor o) {
    return apply(BinaryOp.MUL, o);
  }

  public Tensor div(Tensor o) {
    return apply(BinaryOp.DIV, o);
  }

  public Tensor pow(Tensor o) {
    return apply(BinaryOp.POW, o);
  }

  public Tensor maximum(Tensor o) {
    return apply(BinaryOp.MAXIMUM, o);
  }

  public Tensor minimum(Tensor o) {
    return apply(BinaryOp.MINIMUM, o);
  }

  public Tensor eq(Tensor o) {
    return compare(BinaryOp.EQ, o);
  }

  public Tensor ne(Tensor o) {
    return compare(BinaryOp.NE, o);
  }

  public Tensor lt(Tensor o) {
    return compare(BinaryOp.LT, o);
  }

  public Tensor le(Tensor o) {
    return compare(BinaryOp.LE, o);
  }

  public Tensor gt(Tensor o) {
    return compare(BinaryOp.GT, o);
  }

  public Tensor ge(Tensor o) {
    return compare(BinaryOp.GE, o);
  }

  /**
   * A comparison of tensors whose dtypes differ compares them in the promoted dtype, as PyTorch's
   * comparisons do: int32 against a float as that float, float32 against float64 as float64
   * (labels.eq(predictions) works whatever the predictions' dtype). The result, 1 where true and 0
   * elsewhere, has the promoted dtype. Arithmetic does not promote: mixing dtypes there is refused.
   */
  private Tensor compare(BinaryOp op, Tensor o) {
    DType common = promoted(dtype(), o.dtype());
    if (common == null) {
      return apply(op, o); // same dtype, or no promotion rule: the op's own checks speak
    }
    try (Tensor a = dtype() == common ? null : to(common);
        Tensor b = o.dtype() == common ? null : o.to(common)) {
      return (a == null ? this : a).apply(op, b == null ? o : b);
    }
  }

  /** The floating dtype two different dtypes compare in, or null where they are equal. */
  private static DType promoted(DType x, DType y) {
    if (x == y) {
      return null;
    }
    if (x == DType.FLOAT64 || y == DType.FLOAT64) {
      return DType.FLOAT64;
    }
    return DType.FLOAT32; // float32 with int32
  }

  public Tensor add(double s) {
    return map(UnaryOp.ADD_SCALAR, s, 0);
  }

  public Tensor sub(double s) {
    return map(UnaryOp.ADD_SCALAR, -s, 0);
  }

  public Tensor mul(double s) {
    return map(UnaryOp.MUL_SCALAR, s, 0);
  }

  public Tensor div(double s) {
    return map(UnaryOp.MUL_SCALAR, 1.0 / s, 0);
  }

  public Tensor pow(double s) {
    return map(UnaryOp.POW_SCALAR, s, 0);
  }

  /** {@code s - this}. */
  public Tensor rsub(double s) {
    return map(UnaryOp.NEG).add(s);
  }

  public Tensor maximum(double s) {
    return maximum(scalarLike(s));
  }

  public Tensor minimum(double s) {
    return minimum(scalarLike(s));
  }

  public Tensor eq(double s) {
    return eq(scalarLike(s));
  }

  public Tensor ne(double s) {
    return ne(scalarLike(s));
  }

  public Tensor lt(double s) {
    return lt(scalarLike(s));
  }

  public Tensor le(double s) {
    return le(scalarLike(s));
  }

  public Tensor gt(double s) {
    return gt(scalarLike(s));
  }

  public Tensor ge(double s) {
    return ge(scalarLike(s));
  }

  public Tensor neg() {
    return map(UnaryOp.NEG);
  }

  public Tensor exp() {
    return map(UnaryOp.EXP);
  }

  public Tensor log() {
    return map(UnaryOp.LOG);
  }

  public Tensor sqrt() {
    return map(UnaryOp.SQRT);
  }

  public Tensor abs() {
    return map(UnaryOp.ABS);
  }

  public Tensor square() {
    return map(UnaryOp.SQUARE);
  }

  public Tensor reciprocal() {
    return map(UnaryOp.RECIPROCAL);
  }

  public Tensor sign() {
    return map(UnaryOp.SIGN);
  }

  public Tensor sin() {
    return map(UnaryOp.SIN);
  }

  public Tensor cos() {
    return map(UnaryOp.COS);
  }

  public Tensor sigmoid() {
    return map(UnaryOp.SIGMOID);
  }

  public Tensor tanh() {
    return map(UnaryOp.TANH);
  }

  public Tensor relu() {
    return map(UnaryOp.RELU);
  }

  /** Clamps every element to [min, max]. */
  public Tensor clamp(double min, double max) {
    if (min > max) {
      throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
    }
    return map(UnaryOp.CLAMP, min, max);
  }

  /** {@code cond != 0 ? x : y} element-wise with broadcasting; gradients flow to x and y. */
  public static Tensor where(Tensor cond, Tensor x, Tensor y) {
    return Elementwise.where(cond, x, y);
  }

  /** A shape-[] tensor of this dtype and device. */
  Tensor scalarLike(double v) {
    return full(device(), dtype(), v);
  }

  // ---- linear algebra ---------------------------------------------------------------------

  /**
   * Matrix product with PyTorch's rules: 2-D x 2-D, batched (leading dims broadcast), and 1-D
   * operands promoted and squeezed. Transposed views are passed to the GEMM without copies.
   */
  public Tensor matmul(Tensor other) {
    return LinearAlgebra.matmul(this, other);
  }

  // ---- reductions -------------------------------------------------------------------------

  /** Sum of all elements (shape []). */
  public Tensor sum() {
    return Reductions.reduce(this, ReduceOp.SUM, null, false);
  }

  /** Sum over {@code dims} (empty: all), keeping them as size 1 when {@code keepDim}. */
  public Tensor sum(int[] dims, boolean keepDim) {
    return Reductions.reduce(this, ReduceOp.SUM, dims, keepDim);
  }

  public Tensor sum(int dim, boolean keepDim) {
    return sum(new int[] {dim}, keepDim);
  }

  public Tensor mean() {
    return Reductions.reduce(this, ReduceOp.MEAN, null, false);
  }

  public Tensor mean(int[] dims, boolean keepDim) {
    return Reductions.reduce(this, ReduceOp.MEAN, dims, keepDim);
  }

  public Tensor mean(int dim, boolean keepDim) {
    return mean(new int[] {dim}, keepDim);
  }

  /** Largest element. Gradient is shared equally between tied maxima. */
  public Tensor max() {
    return Reductions.reduce(this, ReduceOp.MAX, null, false);
  }

  public Tensor max(int dim, boolean keepDim) {
    return Reductions.reduce(this, ReduceOp.MAX, new int[] {dim}, keepDim);
  }

  public Tensor min() {
    return Reductions.reduce(this, ReduceOp.MIN, null, false);
  }

  public Tensor min(int dim, boolean keepDim) {
    return Reductions.reduce(this, ReduceOp.MIN, new int[] {dim}, keepDim);
  }

  /** Index of the largest element along {@code dim} (int32; first on ties). */
  public Tensor argmax(int dim, boolean keepDim) {
    return Reductions.reduce(this, ReduceOp.ARGMAX, new int[] {dim}, keepDim);
  }

  /** Flat index of the largest element (int32, shape []). */
  public Tensor argmax() {
    return Reductions.reduce(reshape(numel()), ReduceOp.ARGMAX, new int[] {0}, false);
  }

  public Tensor argmin(int dim, boolean keepDim) {
    return Reductions.reduce(this, ReduceOp.ARGMIN, new int[] {dim}, keepDim);
  }

  /**
   * Variance over {@code dims} with Bessel's correction {@code correction} (1 = unbiased, as
   * PyTorch's default; 0 = population).
   */
  public Tensor var(int[] dims, boolean keepDim, int correction) {
    return Reductions.var(this, dims, keepDim, correction);
  }

  /** Softmax along {@code dim}. */
  public Tensor softmax(int dim) {
    return Reductions.softmax(this, dim, false);
  }

  /** Log-softmax along {@code dim} (stable: x - max - log sum exp). */
  public Tensor logSoftmax(int dim) {
    return Reductions.softmax(this, dim, true);
  }

  // ---- host access ------------------------------------------------------------------------

  /** The value of a one-element tensor. */
  public double item() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "item(): tensor has "
              + numel()
              + " elements (shape "
              + Shapes.str(layout.shape())
              + "); item() needs exactly one");
    }
    return switch (dtype()) {
      case FLOAT32 -> toFloatArray()[0];
      case FLOAT64 -> toDoubleArray()[0];
      case INT32 -> toIntArray()[0];
    };
  }

  /** Elements in row-major order as floats (converting from other dtypes). */
  public float[] toFloatArray() {
    float[] out = new float[numel()];
    copyOut(DType.FLOAT32, out);
    return out;
  }

  public double[] toDoubleArray() {
    double[] out = new double[numel()];
    copyOut(DType.FLOAT64, out);
    return out;
  }

  public int[] toIntArray() {
    int[] out = new int[numel()];
    copyOut(DType.INT32, out);
    return out;
  }

  private void copyOut(DType as, Object out) {
    checkOpen();
    if (numel() == 0) {
      return;
    }
    try (var ignored = Autograd.noGrad()) {
      Tensor src = dtype() == as ? contiguous() : Copies.cast(this, as);
      try {
        src.backend().copyToHost(src.storage, src.layout.offset(), out, 0, numel());
      } finally {
        if (src != this) {
          src.close();
        }
      }
    }
  }

  @Override
  public String toString() {
    return TensorFormat.format(this);
  }

  // ---- checks shared by the op classes ----------------------------------------------------

  /** Ops that are not recorded (no tangent rule) refuse a tensor carrying a tangent. */
  private static void refuseDual(String op, Tensor t) {
    if (ForwardAD.hasTangent(t)) {
      throw new UnsupportedOperationException(
          "forward-mode AD: op '"
              + op
              + "' has no tangent"
              + " rule; it cannot run on dual tensors");
    }
  }

  static void checkFloating(String op, DType dtype) {
    if (!dtype.isFloating()) {
      throw new IllegalArgumentException(
          op
              + ": needs a floating-point tensor, got "
              + dtype.shortName()
              + " (convert with .to(DType.FLOAT32))");
    }
  }

  void checkSameShape(String op, Tensor other) {
    if (!Arrays.equals(layout.shape(), other.layout.shape())) {
      throw new ShapeMismatchException(
          op
              + ": shapes "
              + Shapes.str(layout.shape())
              + " and "
              + Shapes.str(other.layout.shape())
              + " differ");
    }
  }

  void checkCompatible(String op, Tensor other) {
    checkOpen();
    other.checkOpen();
    if (!device().equals(other.device())) {
      throw new DeviceMismatchException(
          op
              + ": tensors on different devices, "
              + device()
              + " and "
              + other.device()
              + " (move one with .to(device))");
    }
    if (dtype() != other.dtype()) {
      throw new IllegalArgumentException(
          op
              + ": dtypes differ, "
              + dtype().shortName()
              + " and "
              + other.dtype().shortName()
              + " (convert one with .to(DType))");
    }
  }
}
