package io.myelin.autograd;

import io.myelin.DType;
import io.myelin.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Functional transforms over Myelin's two modes of differentiation, as {@code torch.func}: {@link
 * #jvp} (forward mode, one pass), {@link #vjp} (reverse mode, one pass), the full Jacobians {@link
 * #jacfwd} (one jvp per input element) and {@link #jacrev} (one vjp per output element), {@link
 * #hessian} (jacfwd of jacrev: forward over reverse) and {@link #hvp} (a Hessian-vector product in
 * one forward-over-reverse pass, without forming the Hessian).
 *
 * <pre>{@code
 * UnaryOperator<Tensor> f = x -> x.square().sin().add(x.square().mul(3.0)).cos().sum();
 * Tensor h = Functional.hessian(f, x);                          // [n, n]
 * Tensor hv = Functional.hvp(f, x, v);                          // h.matmul(v) in one pass
 * Functional.Jvp r = Functional.jvp(in -> in[0].tanh(), new Tensor[] {x}, new Tensor[] {v});
 * }</pre>
 *
 * <p>The inputs are not changed and their {@code .grad} is not touched. Each transform opens its
 * own {@link ForwardAD} level where it needs one, inside any live one: {@link #vjp} and {@link
 * #jacrev} carry the tangents of their inputs through (that is how {@link #hessian} is jacfwd of
 * jacrev), and {@link #jvp} nests in itself (forward over forward: {@code jvp} of a function that
 * returns a {@code jvp}'s tangent gives a second directional derivative, through the ops {@link
 * ForwardAD} lists). Not thread-safe per call; independent calls on several threads are fine.
 */
public final class Functional {
  private Functional() {}

  /** {@code f(primals)} and its directional derivative {@code J v}. */
  public record Jvp(Tensor output, Tensor tangent) {}

  /** {@code f(primals)} and {@code v^T J}, one gradient per primal. */
  public record Vjp(Tensor output, Tensor[] gradients) {}

  /** A scalar loss, its gradient and the Hessian-vector product, one entry per input. */
  public record Hvp(Tensor value, Tensor[] gradients, Tensor[] products) {}

  /**
   * Forward mode: the output of {@code f} at {@code primals} and its tangent {@code J v} for input
   * tangents {@code tangents} (one per primal, same shapes; null for a zero tangent).
   *
   * @throws UnsupportedOperationException when f runs an op without a tangent rule (named)
   */
  public static Jvp jvp(Function<Tensor[], Tensor> f, Tensor[] primals, Tensor[] tangents) {
    if (primals.length != tangents.length) {
      throw new IllegalArgumentException(
          "jvp: "
              + primals.length
              + " primals but "
              + tangents.length
              + " tangents; give one tangent per primal");
    }
    try (var level = ForwardAD.dualLevel()) {
      Tensor[] duals = new Tensor[primals.length];
      for (int i = 0; i < primals.length; i++) {
        // Not detached: inside an outer level the primals keep its tangents (jvp of jvp).
        duals[i] =
            tangents[i] == null
                ? primals[i].reshape(primals[i].shape())
                : ForwardAD.makeDual(primals[i], tangents[i]);
      }
      Tensor out = f.apply(duals);
      Tensor t = ForwardAD.tangentOf(out);
      return new Jvp(out, t != null ? t : Tensor.zerosLike(out));
    }
  }

  /**
   * Reverse mode: the output of {@code f} at {@code primals} and {@code cotangent^T J} for each
   * primal ({@code cotangent} has the output's shape; null for a one-element output means 1).
   * Inside a dual level the primals' tangents are carried into f and the gradients carry theirs.
   */
  public static Vjp vjp(Function<Tensor[], Tensor> f, Tensor[] primals, Tensor cotangent) {
    Tensor[] leaves = new Tensor[primals.length];
    Tensor[] inputs = new Tensor[primals.length];
    for (int i = 0; i < primals.length; i++) {
      leaves[i] = floatingLeaf("vjp", primals[i]);
      Tensor t = ForwardAD.tangentOf(primals[i]);
      inputs[i] = t == null ? leaves[i] : ForwardAD.makeDual(leaves[i], t);
    }
    Tensor out = f.apply(inputs);
    if (!out.requiresGrad()) {
      Tensor[] zeros = new Tensor[primals.length];
      for (int i = 0; i < zeros.length; i++) {
        zeros[i] = Tensor.zerosLike(primals[i]); // f does not depend on its inputs
      }
      return new Vjp(out, zeros);
    }
    return new Vjp(out, Autograd.grad(out, leaves, cotangent, false));
  }

  /**
   * The Jacobian of {@code f} at {@code x} by forward mode, one jvp per element of x: shape {@code
   * f(x).shape ++ x.shape}. Cheaper than {@link #jacrev} when x has fewer elements than f(x).
   */
  public static Tensor jacfwd(UnaryOperator<Tensor> f, Tensor x) {
    int n = x.numel();
    Tensor eye = identity(x, n);
    Tensor[] columns = new Tensor[n];
    int[] outShape = null;
    for (int j = 0; j < n; j++) {
      Jvp r =
          jvp(
              in -> f.apply(in[0]),
              new Tensor[] {x},
              new Tensor[] {eye.select(0, j).reshape(x.shape())});
      outShape = r.output().shape();
      columns[j] = r.tangent().reshape(-1);
    }
    if (n == 0) {
      outShape = f.apply(x.detach()).shape();
      return Tensor.zeros(x.device(), x.dtype(), concat(outShape, x.shape()));
    }
    Tensor jac = Tensor.stack(1, columns); // [m, n]: column j is J e_j
    return jac.reshape(concat(outShape, x.shape()));
  }

  /**
   * The Jacobian of {@code f} at {@code x} by reverse mode, one vjp per element of f(x) over a
   * single recorded graph: shape {@code f(x).shape ++ x.shape}.
   */
  public static Tensor jacrev(UnaryOperator<Tensor> f, Tensor x) {
    Tensor leaf = floatingLeaf("jacrev", x);
    Tensor t = ForwardAD.tangentOf(x);
    Tensor out = f.apply(t == null ? leaf : ForwardAD.makeDual(leaf, t));
    int m = out.numel();
    int[] shape = concat(out.shape(), x.shape());
    if (!out.requiresGrad() || m == 0) {
      return Tensor.zeros(x.device(), x.dtype(), shape);
    }
    Tensor eye = identity(out, m);
    Tensor[] rows = new Tensor[m];
    for (int i = 0; i < m; i++) {
      Tensor e = eye.select(0, i).reshape(out.shape());
      rows[i] = Autograd.grad(out, new Tensor[] {leaf}, e, false)[0].reshape(-1);
    }
    return Tensor.stack(0, rows).reshape(shape);
  }

  /**
   * The Hessian of a scalar {@code f} at {@code x}: jacfwd of the gradient (forward over reverse),
   * shape {@code x.shape ++ x.shape}.
   */
  public static Tensor hessian(UnaryOperator<Tensor> f, Tensor x) {
    return jacfwd(y -> vjp(in -> f.apply(in[0]), new Tensor[] {y}, null).gradients()[0], x);
  }

  /** {@code H v} for a scalar {@code f} at {@code x} in one forward-over-reverse pass. */
  public static Tensor hvp(UnaryOperator<Tensor> f, Tensor x, Tensor v) {
    return hvp(in -> f.apply(in[0]), new Tensor[] {x}, new Tensor[] {v}).products()[0];
  }

  /**
   * {@code f(primals)}, its gradient and {@code H v} (H the Hessian over all primals jointly, v one
   * tensor per primal) in one pass: the primals become duals with tangents v, the gradient is taken
   * by reverse mode inside the dual level, and its tangent is {@code H v}.
   */
  public static Hvp hvp(Function<Tensor[], Tensor> f, Tensor[] primals, Tensor[] v) {
    checkSameLength("hvp", primals, v);
    try (var level = ForwardAD.dualLevel()) {
      Tensor[] leaves = new Tensor[primals.length];
      Tensor[] duals = new Tensor[primals.length];
      for (int i = 0; i < primals.length; i++) {
        leaves[i] = floatingLeaf("hvp", primals[i]);
        duals[i] = ForwardAD.makeDual(leaves[i], v[i]);
      }
      return gradientAndProduct("hvp", f.apply(duals), leaves);
    }
  }

  /**
   * {@link #hvp} for a loss computed from parameter tensors in place (a model's parameters, which
   * must be leaves that require grad): inside one dual level each parameter carries its entry of
   * {@code v} as tangent, {@code loss} is evaluated, and the gradient with its tangent is read. The
   * parameters' {@code .grad} is not touched.
   */
  public static Hvp hvp(Supplier<Tensor> loss, List<Tensor> parameters, List<Tensor> v) {
    Tensor[] ps = parameters.toArray(new Tensor[0]);
    checkSameLength("hvp", ps, v.toArray(new Tensor[0]));
    try (var level = ForwardAD.dualLevel()) {
      for (int i = 0; i < ps.length; i++) {
        if (!ps[i].isLeaf() || !ps[i].requiresGrad()) {
          throw new IllegalArgumentException(
              "hvp: parameter "
                  + i
                  + " must be a leaf that requires"
                  + " grad (a module parameter)");
        }
        Tensor t = v.get(i);
        if (!Arrays.equals(t.shape(), ps[i].shape()) || t.dtype() != ps[i].dtype()) {
          throw new IllegalArgumentException(
              "hvp: v["
                  + i
                  + "] is "
                  + Arrays.toString(t.shape())
                  + " "
                  + t.dtype().shortName()
                  + ", parameter is "
                  + Arrays.toString(ps[i].shape())
                  + " "
                  + ps[i].dtype().shortName());
        }
        ForwardAD.setTangent(ps[i], t);
      }
      return gradientAndProduct("hvp", loss.get(), ps);
    }
  }

  /**
   * {@link #jvp} for a function of parameter tensors used in place (a model's parameters): inside
   * one dual level each parameter carries its entry of {@code v} as tangent while {@code f} runs;
   * returns f's output and its directional derivative along v.
   */
  public static Jvp jvpOfParameters(Supplier<Tensor> f, List<Tensor> parameters, List<Tensor> v) {
    Tensor[] ps = parameters.toArray(new Tensor[0]);
    checkSameLength("jvpOfParameters", ps, v.toArray(new Tensor[0]));
    try (var level = ForwardAD.dualLevel()) {
      for (int i = 0; i < ps.length; i++) {
        if (!Arrays.equals(v.get(i).shape(), ps[i].shape()) || v.get(i).dtype() != ps[i].dtype()) {
          throw new IllegalArgumentException(
              "jvpOfParameters: v["
                  + i
                  + "] must have the"
                  + " parameter's shape "
                  + Arrays.toString(ps[i].shape())
                  + " and dtype");
        }
        ForwardAD.setTangent(ps[i], v.get(i));
      }
      Tensor out = f.get();
      Tensor t = ForwardAD.tangentOf(out);
      return new Jvp(out, t != null ? t : Tensor.zerosLike(out));
    }
  }

  /**
   * {@code H v} of the loss that {@code closure} computes and backpropagates ({@code
   * loss.backward()}, as an optimizer's closure does), over parameter tensors (leaves that require
   * grad) carrying {@code v} as tangents: the gradients accumulated into their {@code .grad} carry
   * {@code H v}, which is returned (one tensor per parameter). The closure's value is ignored; the
   * parameters' gradients are left as the closure made them.
   */
  public static Tensor[] hvpOfClosure(
      java.util.function.DoubleSupplier closure, List<Tensor> parameters, List<Tensor> v) {
    Tensor[] ps = parameters.toArray(new Tensor[0]);
    checkSameLength("hvpOfClosure", ps, v.toArray(new Tensor[0]));
    try (var level = ForwardAD.dualLevel()) {
      for (int i = 0; i < ps.length; i++) {
        ps[i].zeroGrad();
        ForwardAD.setTangent(ps[i], v.get(i));
      }
      closure.getAsDouble();
      Tensor[] products = new Tensor[ps.length];
      for (int i = 0; i < ps.length; i++) {
        Tensor g = ps[i].grad();
        Tensor t = g == null ? null : ForwardAD.tangentOf(g);
        products[i] = t != null ? t : Tensor.zerosLike(ps[i]);
      }
      return products;
    }
  }

  private static Hvp gradientAndProduct(String what, Tensor out, Tensor[] wrt) {
    if (out.numel() != 1) {
      throw new IllegalArgumentException(
          what + ": the function must return one element, got " + Arrays.toString(out.shape()));
    }
    Tensor[] products = new Tensor[wrt.length];
    if (!out.requiresGrad()) {
      Tensor[] zeros = new Tensor[wrt.length];
      for (int i = 0; i < wrt.length; i++) {
        zeros[i] = Tensor.zerosLike(wrt[i]);
        products[i] = Tensor.zerosLike(wrt[i]);
      }
      return new Hvp(out, zeros, products);
    }
    Tensor[] grads = Autograd.grad(out, wrt, false);
    for (int i = 0; i < wrt.length; i++) {
      Tensor t = ForwardAD.tangentOf(grads[i]);
      products[i] = t != null ? t : Tensor.zerosLike(wrt[i]);
    }
    return new Hvp(out, grads, products);
  }

  private static Tensor floatingLeaf(String what, Tensor x) {
    if (!x.dtype().isFloating()) {
      throw new IllegalArgumentException(
          what + ": needs floating-point inputs, got " + x.dtype().shortName());
    }
    return x.detach().requiresGrad(true);
  }

  /** The n x n identity of {@code like}'s dtype and device. */
  private static Tensor identity(Tensor like, int n) {
    Object data;
    if (like.dtype() == DType.FLOAT64) {
      double[] d = new double[n * n];
      for (int i = 0; i < n; i++) {
        d[i * n + i] = 1;
      }
      data = d;
    } else {
      float[] d = new float[n * n];
      for (int i = 0; i < n; i++) {
        d[i * n + i] = 1;
      }
      data = d;
    }
    Tensor eye = Tensor.of(like.device(), data, n, n);
    return like.dtype() == DType.FLOAT64 || like.dtype() == DType.FLOAT32
        ? eye
        : eye.to(like.dtype());
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static void checkSameLength(String what, Tensor[] primals, Tensor[] v) {
    if (primals.length != v.length) {
      throw new IllegalArgumentException(
          what
              + ": "
              + primals.length
              + " inputs but "
              + v.length
              + " vectors; give one per input");
    }
  }
}
