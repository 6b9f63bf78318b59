package io.myelin.autograd;

import io.myelin.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reverse-mode differentiation over the dynamic tape, as in PyTorch.
 *
 * <p>{@link #backward} orders the recorded nodes reachable from the output topologically with an
 * explicit stack (no recursion: a 10,000-op chain does not overflow), walks them in reverse, sums
 * the gradients arriving at each node, and accumulates the gradients of leaves (tensors with {@code
 * requiresGrad} and no node) into their {@code grad}. Backward rules run with gradient recording
 * off. Unless the graph is retained, each node is released after use, which drops the tensors it
 * saved.
 */
public final class Autograd {
  private static final ThreadLocal<int[]> NO_GRAD_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private static final ThreadLocal<int[]> ANOMALY_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private Autograd() {}

  /**
   * Anomaly mode, as PyTorch's {@code detect_anomaly}: until the scope closes, every op checks its
   * output (and backward checks every gradient it computes) for NaN and infinity, and the first one
   * found throws an {@link AnomalyException} naming the op. Slow: for debugging.
   */
  public static AnomalyScope detectAnomaly() {
    int[] depth = ANOMALY_DEPTH.get();
    depth[0]++;
    return () -> depth[0]--;
  }

  /** Closes a {@link #detectAnomaly()} region. */
  public interface AnomalyScope extends AutoCloseable {
    @Override
    void close();
  }

  public static boolean isAnomalyDetectionEnabled() {
    return ANOMALY_DEPTH.get()[0] > 0;
  }

  /** Throws {@link AnomalyException} when {@code t} holds a NaN or infinity (anomaly mode). */
  public static void checkFinite(String op, String phase, Tensor t, Tensor... inputs) {
    if (t == null || !t.dtype().isFloating() || t.numel() == 0) {
      return;
    }
    double probe;
    int[] depth = ANOMALY_DEPTH.get();
    int saved = depth[0];
    depth[0] = 0; // the check's own ops must not be checked again
    try (var ignored = noGrad()) {
      // x - x is 0 for finite x and NaN for NaN or +-infinity, so the sum is NaN iff one is bad.
      Tensor d = t.sub(t);
      Tensor s = d.sum();
      probe = s.item();
      s.close();
      d.close();
    } finally {
      depth[0] = saved;
    }
    if (!Double.isNaN(probe)) {
      return;
    }
    StringBuilder shapes = new StringBuilder();
    for (Tensor in : inputs) {
      if (in != null) {
        shapes
            .append(shapes.length() == 0 ? "" : ", ")
            .append(java.util.Arrays.toString(in.shape()));
      }
    }
    throw new AnomalyException(
        "anomaly: '"
            + op
            + "' produced NaN or infinity in its "
            + phase
            + " (output shape "
            + java.util.Arrays.toString(t.shape())
            + (shapes.length() == 0 ? "" : ", inputs " + shapes)
            + ")");
  }

  /** True unless inside a {@link #noGrad()} scope on this thread. */
  public static boolean isGradEnabled() {
    return NO_GRAD_DEPTH.get()[0] == 0;
  }

  /**
   * Turns gradient recording off on this thread until the scope closes (inference, optimizer
   * updates). Scopes nest.
   */
  public static NoGradScope noGrad() {
    int[] depth = NO_GRAD_DEPTH.get();
    depth[0]++;
    return new NoGradScope(depth);
  }

  /** Closes a {@link #noGrad()} region. */
  public static final class NoGradScope implements AutoCloseable {
    private final int[] depth;
    private boolean closed;

    private NoGradScope(int[] depth) {
      this.depth = depth;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        depth[0]--;
      }
    }
  }

  /**
   * The gradients of a one-element {@code output} with respect to {@code inputs} (leaves or
   * intermediate tensors), returned in order and not accumulated into {@code .grad}; an input the
   * output does not depend on gets zeros. With {@code createGraph} the backward's own ops are
   * recorded, so each returned gradient can be differentiated again (double backward, PyTorch's
   * {@code create_graph=True}); an op whose backward is a backend primitive then fails naming it.
   * The graph is kept either way.
   *
   * <pre>{@code
   * Tensor gx = Autograd.grad(x.mul(x).mul(x).sum(), new Tensor[] {x}, true)[0]; // 3 x^2
   * Tensor hx = Autograd.grad(gx.sum(), new Tensor[] {x}, false)[0];            // 6 x
   * }</pre>
   */
  public static Tensor[] grad(Tensor output, Tensor[] inputs, boolean createGraph) {
    return Gradients.grad(output, inputs, null, createGraph);
  }

  /**
   * As {@link #grad(Tensor, Tensor[], boolean)} with an explicit upstream gradient of output's
   * shape.
   */
  public static Tensor[] grad(
      Tensor output, Tensor[] inputs, Tensor gradOutput, boolean createGraph) {
    return Gradients.grad(output, inputs, gradOutput, createGraph);
  }

  /**
   * Computes the gradients of {@code output} with respect to every leaf it depends on.
   *
   * @param output the tensor to differentiate; must require grad
   * @param gradOutput d(something)/d(output), same shape as output; null means ones, allowed only
   *     for a one-element output (a loss)
   * @param retainGraph keep the graph so backward can run through it again
   */
  public static void backward(Tensor output, Tensor gradOutput, boolean retainGraph) {
    if (!output.requiresGrad()) {
      throw new IllegalStateException(
          "backward(): the tensor does not require grad (no parameter with requiresGrad took part "
              + "in computing it, or it was computed under noGrad())");
    }
    if (gradOutput == null) {
      if (output.numel() != 1) {
        throw new IllegalArgumentException(
            "backward(): implicit gradient only for one-element outputs, got shape "
                + java.util.Arrays.toString(output.shape())
                + "; pass a gradient of that shape");
      }
      gradOutput = Tensor.onesLike(output);
    } else if (!java.util.Arrays.equals(gradOutput.shape(), output.shape())) {
      throw new IllegalArgumentException(
          "backward(): gradient shape "
              + java.util.Arrays.toString(gradOutput.shape())
              + " differs from output shape "
              + java.util.Arrays.toString(output.shape()));
    }
    try (var ignored = noGrad()) {
      Node root = output.gradFn();
      if (root == null) {
        Tape.internals().accumulateGrad(output, gradOutput, false);
        return;
      }
      List<Node> order = topologicalOrder(root);
      Map<Node, Tensor> pending = new IdentityHashMap<>();
      pending.put(root, gradOutput);
      PassGradients made = new PassGradients(Tape.internals().lastSerial());
      for (int i = order.size() - 1; i >= 0; i--) {
        Node node = order.get(i);
        Tensor g = pending.remove(node);
        if (g == null) {
          continue;
        }
        Tensor[] inputs = node.inputs();
        Tensor[] grads = node.applyBackward(g);
        if (isAnomalyDetectionEnabled()) {
          for (Tensor gi : grads) {
            checkFinite(node.op(), "backward", gi);
          }
        }
        // The incoming gradient is consumed: free it now unless something else still holds it, so
        // that a view the backward made of it (a transpose's) is the only reference to its memory
        // when it reaches a leaf, which can then keep it without a copy.
        made.consumed(g, grads);
        for (int j = 0; j < inputs.length; j++) {
          Tensor in = inputs[j];
          Tensor gi = j < grads.length ? grads[j] : null;
          if (gi == null || in == null || !in.requiresGrad()) {
            continue;
          }
          if (!java.util.Arrays.equals(gi.shape(), in.shape())) {
            throw new IllegalStateException(
                "internal error: backward of '"
                    + node.op()
                    + "' produced a gradient of shape "
                    + java.util.Arrays.toString(gi.shape())
                    + " for an input of shape "
                    + java.util.Arrays.toString(in.shape()));
          }
          Node producer = in.gradFn();
          if (producer != null) {
            Tensor before = pending.get(producer);
            if (before == null) {
              pending.put(producer, gi);
              made.held(gi);
            } else {
              Tensor sum = before.add(gi);
              pending.put(producer, sum);
              made.held(sum);
              made.consumed(before, grads);
            }
          } else {
            Tape.internals().accumulateGrad(in, gi, gi != g && onlyOnce(grads, j));
          }
        }
        if (!retainGraph) {
          node.release();
        }
      }
    }
  }

  /**
   * The gradients of one backward pass that wait in its pending map, and how many entries hold each
   * (a backward may hand one tensor to several inputs), so that each is closed once its last
   * consumer has run. Only tensors made during the pass are closed: never the caller's gradient, a
   * saved tensor or anything else a backward function handed on. Off while a forward-mode level is
   * live (its dual tensors are keyed by the tensor object).
   */
  private static final class PassGradients {
    private final long firstSerial;
    private final boolean enabled = !ForwardAD.isLevelLive();
    private final Map<Tensor, Integer> holds = new IdentityHashMap<>();

    PassGradients(long lastSerialBefore) {
      this.firstSerial = lastSerialBefore;
    }

    void held(Tensor t) {
      holds.merge(t, 1, Integer::sum);
    }

    /** {@code t} left one pending entry; {@code passedOn}: the gradients about to be handed on. */
    void consumed(Tensor t, Tensor[] passedOn) {
      Integer n = holds.get(t);
      if (n == null) {
        return; // the caller's gradient (never held here)
      }
      if (n > 1) {
        holds.put(t, n - 1);
        return;
      }
      holds.remove(t);
      if (!enabled || Tape.internals().serial(t) <= firstSerial) {
        return;
      }
      for (Tensor p : passedOn) {
        if (p == t) {
          return; // handed on as it is: its next holder frees it
        }
      }
      t.close();
    }
  }

  /** Whether {@code grads[j]} is no other entry of {@code grads} (the same object). */
  private static boolean onlyOnce(Tensor[] grads, int j) {
    for (int k = 0; k < grads.length; k++) {
      if (k != j && grads[k] == grads[j]) {
        return false;
      }
    }
    return true;
  }

  /** Nodes reachable from {@code root}, every node after all nodes it feeds into come later. */
  static List<Node> topologicalOrder(Node root) {
    // Iterative post-order DFS: a node is emitted after all of its inputs' nodes.
    List<Node> order = new ArrayList<>();
    Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {root, 0});
    visited.add(root);
    while (!stack.isEmpty()) {
      Object[] frame = stack.peek();
      Node n = (Node) frame[0];
      int next = (Integer) frame[1];
      Tensor[] inputs = n.inputs();
      boolean descended = false;
      while (next < inputs.length) {
        Tensor in = inputs[next++];
        Node child = in == null ? null : in.gradFn();
        if (child != null && visited.add(child)) {
          frame[1] = next;
          stack.push(new Object[] {child, 0});
          descended = true;
          break;
        }
      }
      if (!descended) {
        stack.pop();
        order.add(n);
      }
    }
    return order;
  }
}
