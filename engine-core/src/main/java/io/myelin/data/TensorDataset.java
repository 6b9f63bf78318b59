package io.myelin.data;

import io.myelin.DType;
import io.myelin.Tensor;
import java.util.Arrays;

/**
 * Samples given as two tensors whose first dim is the sample, as PyTorch's {@code TensorDataset(x,
 * y)}: features {@code [N, ...]} (each sample flattened to one row) and targets {@code [N]} INT32
 * class labels (classification, {@code max + 1} classes) or floating {@code [N]} / {@code [N, k]}
 * values (regression). The tensors may live on any device; {@link #toArrayDataset} copies them to
 * the host once, which is what a {@link DataLoader} batches from.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(gen, 500, 2);
 * Tensor y = x.sum(1, false).gt(0.0).to(DType.INT32);     // [500] labels
 * try (var loader = new DataLoader(new TensorDataset(x, y), DataLoader.Options.batches(32), Device.CPU)) { ... }
 * }</pre>
 */
public record TensorDataset(Tensor features, Tensor targets) implements Dataset {
  public TensorDataset {
    int[] fs = features.shape();
    int[] ts = targets.shape();
    if (fs.length < 1 || ts.length < 1 || ts.length > 2 || fs[0] != ts[0]) {
      throw new IllegalArgumentException(
          "TensorDataset: features "
              + Arrays.toString(fs)
              + " and targets "
              + Arrays.toString(ts)
              + " need the same first dim (the sample),"
              + " targets [N] or [N, k]");
    }
    if (!features.dtype().isFloating()) {
      throw new IllegalArgumentException(
          "TensorDataset: features must be floating, got " + features.dtype().shortName());
    }
    if (targets.dtype() == DType.INT32 && ts.length != 1) {
      throw new IllegalArgumentException(
          "TensorDataset: class labels must be [N], got " + Arrays.toString(ts));
    }
  }

  @Override
  public int size() {
    return features.size(0);
  }

  @Override
  public ArrayDataset toArrayDataset() {
    int n = size();
    int cols = n == 0 ? 0 : features.numel() / n;
    float[] x = features.toFloatArray();
    if (targets.dtype() == DType.INT32) {
      int[] labels = targets.toIntArray();
      int classes = 0;
      for (int l : labels) {
        if (l < 0) {
          throw new IllegalArgumentException("TensorDataset: class labels must be >= 0, got " + l);
        }
        classes = Math.max(classes, l + 1);
      }
      return ArrayDataset.classification(x, n, cols, labels, classes);
    }
    int k = targets.rank() == 1 ? 1 : targets.size(1);
    return ArrayDataset.regression(x, n, cols, targets.toFloatArray(), k);
  }
}
