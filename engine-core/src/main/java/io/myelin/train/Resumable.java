package io.myelin.train;

import io.myelin.Tensor;
import java.util.Map;

/**
 * A callback with state that a resumed run needs, such as {@link EarlyStopping}'s best value,
 * patience count and best weights. {@link TrainingCheckpoints} stores it under the callback's
 * {@link #checkpointName()} (strings in the checkpoint's {@code extra}, tensors as {@code
 * callback.<name>.<key>}) and gives it back on restore.
 */
public interface Resumable {
  /** A name unique among the run's resumable callbacks, e.g. {@code early_stopping}. */
  String checkpointName();

  /**
   * Adds this callback's state: strings to {@code strings} and tensors to {@code tensors}, under
   * keys of its choosing. The tensors are only read (and not closed) by the caller.
   */
  void saveState(Map<String, String> strings, Map<String, Tensor> tensors);

  /**
   * Restores what {@link #saveState} wrote. The tensors stay owned by the caller: copy what is
   * kept.
   *
   * @throws IllegalArgumentException when an entry is missing or malformed
   */
  void restoreState(Map<String, String> strings, Map<String, Tensor> tensors);
}
