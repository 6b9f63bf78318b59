package io.myelin.examples;

import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.data.ArrayDataset;
import io.myelin.data.Batch;
import io.myelin.data.DataLoader;
import io.myelin.loss.Loss;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Layer;
import io.myelin.train.Metrics;

/** Runs a model over a dataset in eval mode and scores it. */
public final class Scoring {
  private Scoring() {}

  /** Scores, plus the predicted class of each row (classification; null for regression). */
  public record Result(Scores scores, int[] predicted, float[] outputs, int outputCols) {}

  /** The model's outputs {@code [rows, outputs]} on the host, computed in batches of 1024. */
  public static float[] outputs(Layer model, ArrayDataset data, Device device) {
    float[] result = null;
    int cols = 0;
    try (var eval = model.evalMode();
        var noGrad = Autograd.noGrad();
        DataLoader loader =
            new DataLoader(data, DataLoader.Options.batches(1024).withoutPrefetch(), device)) {
      int row = 0;
      for (Batch b : loader.epoch(0)) {
        try (MemoryScope scope = MemoryScope.open();
            b) {
          Tensor out = model.forward(b.features());
          float[] o = out.toFloatArray();
          cols = o.length / b.size();
          if (result == null) {
            result = new float[data.rows() * cols];
          }
          System.arraycopy(o, 0, result, row * cols, o.length);
          row += b.size();
        }
      }
    }
    return result == null ? new float[0] : result;
  }

  /** Loss and accuracy (or MSE, MAE, R^2) of {@code model} on {@code data}. */
  public static Result score(Layer model, Loss loss, ArrayDataset data, Device device) {
    float[] out = outputs(model, data, device);
    int cols = data.rows() == 0 ? 0 : out.length / data.rows();
    double lossValue;
    try (var noGrad = Autograd.noGrad();
        MemoryScope scope = MemoryScope.open()) {
      Tensor o = Tensor.of(out, data.rows(), cols).to(device);
      Tensor t =
          data.isClassification()
              ? Tensor.ofInts(data.labels(), data.rows()).to(device)
              : Tensor.of(data.targets(), data.rows(), data.targetCols()).to(device);
      lossValue = loss.forward(o, t).item();
    }
    if (data.isClassification()) {
      int[] predicted = Metrics.argmaxRows(out, cols);
      return new Result(
          Scores.classification(lossValue, data.labels(), predicted), predicted, out, cols);
    }
    return new Result(
        Scores.regression(lossValue, data.targets(), out, data.rows()), null, out, cols);
  }
}
