package io.myelin.data;

/**
 * Rewrites a training batch's feature rows on the host before they go to the device: data
 * augmentation such as {@link RandomShift}. A {@link DataLoader} built with {@link
 * DataLoader.Options#augmented} applies it to every batch of {@link DataLoader#epoch}, never to
 * {@link DataLoader#all()} (evaluation sees the data as it is).
 *
 * <p>The result must depend only on the arguments (a generator seeded from {@code epoch} and {@code
 * batch}, not one shared across calls): the loader calls it on its prefetch thread, and a resumed
 * run must see the same batches as the uninterrupted one. Implementations are therefore stateless
 * and thread-safe.
 */
@FunctionalInterface
public interface BatchAugmentation {
  /**
   * Transforms the batch in place.
   *
   * @param features {@code rows x cols} row-major feature values, rewritten in place
   * @param rows rows in the batch
   * @param cols features per row
   * @param epoch the 0-based epoch the batch belongs to
   * @param batch the 0-based index of the batch within its epoch
   */
  void apply(float[] features, int rows, int cols, int epoch, int batch);
}
