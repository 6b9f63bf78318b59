package io.myelin.examples;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.nn.Module;
import io.myelin.train.LossFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line's losses: mean cross-entropy over logits for classification, mean squared
 * error for regression, plus optional L1 / L2 penalties on the weight matrices (not the biases
 * nor batch-norm parameters, as Keras' kernel regularizers).
 */
public final class Losses {
  private Losses() {}

  /**
   * {@code -mean_i log softmax(z_i)[y_i]} for logits {@code [b, k]} and int32 labels {@code [b]}.
   * The label picks its column through a one-hot mask ({@code y == arange(k)}), so the gradient
   * is {@code (softmax(z) - onehot(y)) / b} as with PyTorch's {@code CrossEntropyLoss}.
   */
  public static Tensor crossEntropy(Tensor logits, Tensor labels) {
    int b = logits.shape()[0];
    int k = logits.shape()[1];
    Tensor classes = Tensor.arange(k).to(logits.device()).to(DType.FLOAT32);
    Tensor onehot = labels.to(DType.FLOAT32).reshape(b, 1).eq(classes);
    return logits.logSoftmax(1).mul(onehot).sum().mul(-1.0 / b);
  }

  /** {@code mean((out - target)^2)} over every element. */
  public static Tensor mse(Tensor out, Tensor target) {
    return out.reshape(target.shape()).sub(target).square().mean();
  }

  /** The task's loss with {@code l1 * sum|W| + l2 * sum W^2} added, W the 2-D weights. */
  public static LossFunction of(boolean classification, Module model, double l1, double l2) {
    LossFunction base = classification ? Losses::crossEntropy : Losses::mse;
    if (l1 == 0 && l2 == 0) {
      return base;
    }
    List<Tensor> weights = new ArrayList<>();
    for (var e : model.namedParameters().entrySet()) {
      if (e.getKey().endsWith("weight") && e.getValue().shape().length == 2) {
        weights.add(e.getValue());
      }
    }
    return (out, target) -> {
      Tensor loss = base.compute(out, target);
      for (Tensor w : weights) {
        if (l1 > 0) {
          loss = loss.add(w.abs().sum().mul(l1));
        }
        if (l2 > 0) {
          loss = loss.add(w.square().sum().mul(l2));
        }
      }
      return loss;
    };
  }
}
