package io.myelin.io;

/**
 * A file is valid safetensors but not a valid Myelin checkpoint: its {@code __metadata__} lacks an
 * entry or holds a malformed one, or a tensor is neither {@code model.*} nor {@code optim.*}. The
 * message names the file and the entry or tensor, e.g. {@code run.ckpt: metadata "step": expected a
 * non-negative integer, got "-3"}.
 */
public final class CheckpointFormatException extends SafetensorsFormatException {
  private CheckpointFormatException(String source, String tensor, String message) {
    super(source, -1, tensor, message);
  }

  static CheckpointFormatException metadata(String source, String key, String message) {
    return new CheckpointFormatException(source, null, "metadata \"" + key + "\": " + message);
  }

  static CheckpointFormatException tensor(String source, String tensor, String message) {
    return new CheckpointFormatException(source, tensor, message);
  }

  static CheckpointFormatException file(String source, String message) {
    return new CheckpointFormatException(source, null, message);
  }
}
