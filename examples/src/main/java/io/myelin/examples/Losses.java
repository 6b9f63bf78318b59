package io.myelin.examples;

import io.myelin.Tensor;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.loss.Loss;
import io.myelin.loss.MSELoss;
import io.myelin.loss.Penalty;
import io.myelin.nn.Layer;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line's losses: mean cross-entropy over logits for classification, mean squared error
 * for regression ({@link io.myelin.loss}), plus optional L1 / L2 penalties ({@link Penalty}: {@code
 * l1 * sum|W| + l2 / 2 * sum W^2}, so {@code --l2} equals PyTorch's weight decay) on the weight
 * matrices only (not the biases nor batch-norm parameters, as Keras' kernel regularizers).
 */
public final class Losses {
  private static final CrossEntropyLoss CROSS_ENTROPY = new CrossEntropyLoss();
  private static final MSELoss MSE = new MSELoss();

  private Losses() {}

  /** Mean cross-entropy of logits {@code [b, k]} against int32 labels {@code [b]}. */
  public static Tensor crossEntropy(Tensor logits, Tensor labels) {
    return CROSS_ENTROPY.forward(logits, labels);
  }

  /** The task's loss, with the penalty over the 2-D weights added when l1 or l2 is set. */
  public static Loss of(boolean classification, Layer model, double l1, double l2) {
    Loss base =
        classification
            ? CROSS_ENTROPY
            : (out, target) -> MSE.forward(out.reshape(target.shape()), target);
    if (l1 == 0 && l2 == 0) {
      return base;
    }
    List<Tensor> weights = new ArrayList<>();
    for (var e : model.namedParameters().entrySet()) {
      if (e.getKey().endsWith("weight") && e.getValue().shape().length == 2) {
        weights.add(e.getValue());
      }
    }
    Penalty penalty = Penalty.elasticNet(l1, l2);
    return (out, target) -> base.forward(out, target).add(penalty.apply(weights));
  }
}
