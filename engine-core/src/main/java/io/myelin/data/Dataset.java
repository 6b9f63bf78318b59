package io.myelin.data;

/**
 * A finite set of samples a {@link DataLoader} can batch, as PyTorch's map-style {@code Dataset}: a
 * size, and the samples as host arrays ({@link ArrayDataset}), from which the loader gathers each
 * batch. Implemented by {@link ArrayDataset} (itself) and {@link TensorDataset} (tensors copied to
 * the host once).
 */
public interface Dataset {
  /** Number of samples. */
  int size();

  /** Every sample as host arrays: features row-major, then class labels or regression targets. */
  ArrayDataset toArrayDataset();
}
