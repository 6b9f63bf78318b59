package io.myelin.autograd;

import io.myelin.Tensor;

/**
 * The one place that records a node on the tape. Its single instance goes to whoever installs the
 * {@link TensorInternals} first - {@code Tensor}'s class initialiser - so only the library's tensor
 * ops and {@link DifferentiableOp#apply} create nodes; a second {@link #install} fails.
 * Thread-safe: stateless after installation.
 */
public final class Tape {
  private static TensorInternals internals;
  private static Tape instance;

  private Tape() {}

  /**
   * Installs the tensor internals and returns the recorder; callable once per class loader.
   *
   * @throws IllegalStateException on a second call
   */
  public static synchronized Tape install(TensorInternals tensorInternals) {
    if (instance != null) {
      throw new IllegalStateException("Tape.install: the tensor internals are already installed");
    }
    internals = java.util.Objects.requireNonNull(tensorInternals, "tensorInternals");
    instance = new Tape();
    return instance;
  }

  static synchronized TensorInternals internals() {
    if (internals == null) {
      // Loading Tensor runs its initialiser, which installs the internals.
      try {
        Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
    }
    return internals;
  }

  static Tape instance() {
    internals();
    return instance;
  }

  /**
   * Records {@code out} as computed by {@code op} from {@code inputs} (entries may be null) when
   * gradients are enabled and any input requires grad; with anomaly detection on, checks the output
   * is finite first. Returns {@code out}. Forward mode through an op recorded without a tangent
   * rule fails naming it.
   */
  public Tensor record(String op, Tensor out, BackwardFunction fn, Tensor... inputs) {
    return record(op, true, out, fn, null, inputs);
  }

  /** As {@link #record(String, Tensor, BackwardFunction, Tensor...)} with the op's tangent rule. */
  public Tensor record(
      String op, Tensor out, BackwardFunction fn, TangentFunction tangent, Tensor... inputs) {
    return record(op, true, out, fn, tangent, inputs);
  }

  /**
   * As {@link #record(String, Tensor, BackwardFunction, Tensor...)}, stating whether {@code fn} is
   * itself differentiable (written with tensor ops) or first order only (a backend primitive): a
   * graph created through a first-order backward fails naming the op.
   */
  public Tensor record(
      String op,
      boolean differentiableBackward,
      Tensor out,
      BackwardFunction fn,
      Tensor... inputs) {
    return record(op, differentiableBackward, out, fn, null, inputs);
  }

  /**
   * The full form: the op's name, whether its backward is differentiable, its output, its backward
   * (vector-Jacobian product) and its tangent rule (Jacobian-vector product, null for none), and
   * its inputs. While a {@link ForwardAD} dual level propagates on this thread and an input carries
   * a tangent, the rule computes {@code out}'s tangent first.
   */
  public Tensor record(
      String op,
      boolean differentiableBackward,
      Tensor out,
      BackwardFunction fn,
      TangentFunction tangent,
      Tensor... inputs) {
    if (Autograd.isAnomalyDetectionEnabled()) {
      Autograd.checkFinite(op, "forward", out, inputs);
    }
    if (ForwardAD.isPropagating()) {
      ForwardAD.propagate(op, out, tangent, inputs);
    }
    if (!Autograd.isGradEnabled()) {
      return out;
    }
    for (Tensor in : inputs) {
      if (in != null && in.requiresGrad()) {
        internals.attach(out, new Node(op, inputs, fn, differentiableBackward));
        return out;
      }
    }
    return out;
  }
}
