package io.myelin.autograd;

import io.myelin.Tensor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Autograd#grad}: gradients of an output with respect to chosen tensors, returned rather
 * than accumulated into {@code .grad}, optionally recorded so they can be differentiated again. The
 * graph is kept (it can be walked again).
 */
final class Gradients {
  private Gradients() {}

  static Tensor[] grad(Tensor output, Tensor[] inputs, Tensor gradOutput, boolean createGraph) {
    if (!output.requiresGrad()) {
      throw new IllegalStateException(
          "grad(): the output does not require grad (no input with requiresGrad took part in it)");
    }
    if (gradOutput == null) {
      if (output.numel() != 1) {
        throw new IllegalArgumentException(
            "grad(): implicit gradient only for one-element outputs, got shape "
                + java.util.Arrays.toString(output.shape()));
      }
      gradOutput = Tensor.onesLike(output);
    }
    Map<Tensor, Integer> wanted = new IdentityHashMap<>();
    for (int i = 0; i < inputs.length; i++) {
      wanted.put(inputs[i], i);
    }
    Tensor[] result = new Tensor[inputs.length];
    Integer self = wanted.get(output);
    if (self != null) {
      result[self] = gradOutput;
    }
    Node root = output.gradFn();
    // Without createGraph the walk records nothing; with it, every backward's tensor ops are
    // recorded (as when the caller computes anything else with gradients on).
    try (var ignored = createGraph ? null : Autograd.noGrad()) {
      if (root != null) {
        walk(root, gradOutput, wanted, result, createGraph);
      }
    }
    for (int i = 0; i < result.length; i++) {
      if (result[i] == null) {
        result[i] = Tensor.zerosLike(inputs[i]); // not reached: d output / d input = 0
      }
    }
    return result;
  }

  private static void walk(
      Node root,
      Tensor gradOutput,
      Map<Tensor, Integer> wanted,
      Tensor[] result,
      boolean createGraph) {
    List<Node> order = Autograd.topologicalOrder(root);
    Map<Node, Tensor> pending = new IdentityHashMap<>();
    pending.put(root, gradOutput);
    for (int i = order.size() - 1; i >= 0; i--) {
      Node node = order.get(i);
      Tensor g = pending.remove(node);
      if (g == null) {
        continue;
      }
      if (createGraph && !node.hasDifferentiableBackward()) {
        throw new UnsupportedOperationException(
            "grad(createGraph = true): the backward of '"
                + node.op()
                + "' is a backend primitive,"
                + " not differentiable again; double backward through it is not supported");
      }
      Tensor[] ins = node.inputs();
      Tensor[] grads = node.applyBackward(g);
      for (int j = 0; j < ins.length; j++) {
        Tensor in = ins[j];
        Tensor gi = j < grads.length ? grads[j] : null;
        if (gi == null || in == null || !in.requiresGrad()) {
          continue;
        }
        Integer k = wanted.get(in);
        if (k != null) {
          result[k] = result[k] == null ? gi : result[k].add(gi);
        }
        Node producer = in.gradFn();
        if (producer != null) {
          pending.merge(producer, gi, Tensor::add);
        }
      }
    }
  }
}
