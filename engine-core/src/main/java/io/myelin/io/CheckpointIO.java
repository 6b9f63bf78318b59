package io.myelin.io;

import io.myelin.Device;
import io.myelin.Tensor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and loads {@link Checkpoint}s as safetensors files, so any safetensors tool can open them.
 *
 * <h2>Layout</h2>
 *
 * Tensors: {@code model.<name>} for model weights, {@code optim.<name>} for optimizer state, {@code
 * callback.<name>} for the state of callbacks (early stopping's best weights), in that order.
 * {@code __metadata__} (all strings, as the format requires):
 *
 * <pre>
 * format           "myelin.checkpoint"      format_version  "1"
 * epoch            "3"                      step            "1200"
 * data_position    "40"                     (batches of the current epoch already consumed)
 * generators       {"init":{"seed":42,"counter":17}}      (JSON)
 * hyperparameters  {"lr":0.001,"betas":[0.9,0.999]}       (JSON)
 * extra            {"run":"baseline"}                     (JSON object of strings)
 * </pre>
 *
 * <h2>Crash safety</h2>
 *
 * {@link #save} writes a temporary file in the same directory, forces it to disk and renames it
 * over the target, so a kill at any moment leaves the previous checkpoint loadable (see {@link
 * AtomicFiles}). {@link #load} validates the whole file, metadata included, before it creates a
 * tensor; errors are {@link SafetensorsFormatException}s ({@link CheckpointFormatException} for the
 * checkpoint layer) naming the file and the entry.
 *
 * <p>Thread-safety: stateless.
 */
public final class CheckpointIO {
  static final String MODEL_PREFIX = "model.";
  static final String OPTIM_PREFIX = "optim.";
  static final String CALLBACK_PREFIX = "callback.";

  private CheckpointIO() {}

  /** Writes {@code checkpoint} to {@code path}, replacing any previous file atomically. */
  public static void save(Path path, Checkpoint checkpoint) throws IOException {
    Map<String, Tensor> all = new LinkedHashMap<>();
    checkpoint.model().forEach((name, t) -> all.put(MODEL_PREFIX + name, t));
    checkpoint.optimizer().forEach((name, t) -> all.put(OPTIM_PREFIX + name, t));
    checkpoint.callbacks().forEach((name, t) -> all.put(CALLBACK_PREFIX + name, t));
    Safetensors.save(path, all, checkpoint.state().toMetadata());
  }

  /** Loads a checkpoint with its tensors on the default device. */
  public static Checkpoint load(Path path) throws IOException {
    return load(path, Tensor.defaultDevice());
  }

  /** Loads a checkpoint with its tensors on {@code device}. */
  public static Checkpoint load(Path path, Device device) throws IOException {
    Decoded d = read(path);
    Map<String, Tensor> model = Safetensors.toDevice(d.model(), device);
    Map<String, Tensor> optim = Map.of();
    try {
      optim = Safetensors.toDevice(d.optimizer(), device);
      return new Checkpoint(model, optim, d.state(), Safetensors.toDevice(d.callbacks(), device));
    } catch (RuntimeException | Error e) {
      model.values().forEach(Tensor::close);
      optim.values().forEach(Tensor::close);
      throw e;
    }
  }

  /** A checkpoint decoded to host arrays: everything validated, no tensor created yet. */
  record Decoded(
      Map<String, HostTensor> model,
      Map<String, HostTensor> optimizer,
      Map<String, HostTensor> callbacks,
      CheckpointMetadata state) {}

  /** Reads and validates {@code path} completely without a backend. */
  static Decoded read(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return read(ch, Safetensors.sourceName(path));
    }
  }

  static Decoded read(SeekableByteChannel ch, String source) throws IOException {
    SafetensorsHeader header = SafetensorsReader.readHeader(ch, source);
    // Metadata and names first: a file that is not a checkpoint fails before data is read.
    CheckpointMetadata state = CheckpointMetadata.fromMetadata(source, header.metadata());
    for (SafetensorsHeader.Entry e : header.tensors()) {
      if (!e.name().startsWith(MODEL_PREFIX)
          && !e.name().startsWith(OPTIM_PREFIX)
          && !e.name().startsWith(CALLBACK_PREFIX)) {
        throw CheckpointFormatException.tensor(
            source,
            e.name(),
            "a checkpoint tensor must be named model.<name>, optim.<name> or callback.<name>");
      }
    }
    Map<String, HostTensor> model = new LinkedHashMap<>();
    Map<String, HostTensor> optim = new LinkedHashMap<>();
    Map<String, HostTensor> callbacks = new LinkedHashMap<>();
    for (SafetensorsHeader.Entry e : header.tensors()) {
      HostTensor t = SafetensorsReader.readTensor(ch, source, header, e);
      if (e.name().startsWith(MODEL_PREFIX)) {
        model.put(e.name().substring(MODEL_PREFIX.length()), t);
      } else if (e.name().startsWith(OPTIM_PREFIX)) {
        optim.put(e.name().substring(OPTIM_PREFIX.length()), t);
      } else {
        callbacks.put(e.name().substring(CALLBACK_PREFIX.length()), t);
      }
    }
    return new Decoded(model, optim, callbacks, state);
  }
}
