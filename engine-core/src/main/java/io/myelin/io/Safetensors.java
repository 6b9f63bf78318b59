package io.myelin.io;

import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes <a href="https://github.com/huggingface/safetensors">safetensors</a> files, the
 * Hugging Face format PyTorch users exchange weights in.
 *
 * <p>Names and layouts are kept exactly: a {@code Linear(in, out)} weight is written and read as
 * {@code [out, in]} under the name given, as PyTorch's {@code state_dict()} has it, so files move
 * between Myelin and {@code safetensors.torch.load_file} / {@code save_file} unchanged.
 *
 * <pre>{@code
 * Safetensors.save(Path.of("model.safetensors"), model.stateDict(), Map.of("epoch", "3"));
 * LinkedHashMap<String, Tensor> weights = Safetensors.load(Path.of("model.safetensors"));
 * Tensor w = weights.get("fc1.weight");   // [out, in], float32
 * }</pre>
 *
 * <p>Writing stores F32, F64 and I32 tensors in the map's order, with the header padded to 8 bytes
 * as the reference writer does, atomically: the target is replaced by a complete file or not at
 * all. Reading accepts F32, F64 and I32 as themselves, F16 and BF16 converted to float32, and the
 * other integer types converted to int32 when their values fit (see {@link SafetensorsDType}).
 * Every malformed file gives a {@link SafetensorsFormatException} naming the file and the byte
 * offset or tensor, never a runtime exception; the header is validated in full ({@link
 * SafetensorsHeader}) before any tensor data is read.
 *
 * <p>Thread-safety: stateless; concurrent calls on different files are fine.
 */
public final class Safetensors {
  private Safetensors() {}

  /** The contents of a file: tensors in header order and the {@code __metadata__} strings. */
  public record Contents(LinkedHashMap<String, Tensor> tensors, Map<String, String> metadata) {}

  /** {@link #save(Path, Map, Map)} without metadata. */
  public static void save(Path path, Map<String, Tensor> tensors) throws IOException {
    save(path, tensors, Map.of());
  }

  /**
   * Writes {@code tensors} (any device, any strides: the elements are copied out row-major) and
   * {@code metadata} to {@code path}, replacing it atomically.
   *
   * @throws IllegalArgumentException for a null or {@code "__metadata__"} name, null metadata, a
   *     closed tensor
   * @throws IOException when the file cannot be written (the previous file, if any, is kept)
   */
  public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(metadata, "metadata");
    List<SafetensorsWriter.Item> items = new ArrayList<>(tensors.size());
    for (var e : tensors.entrySet()) {
      Tensor t = Objects.requireNonNull(e.getValue(), () -> "tensor '" + e.getKey() + "' is null");
      if (t.isClosed()) {
        throw new IllegalArgumentException("save: tensor '" + e.getKey() + "' is closed");
      }
      items.add(
          new SafetensorsWriter.Item(
              e.getKey(), t.dtype(), t.shape(), () -> HostTensor.of(t).data()));
    }
    SafetensorsWriter.write(path, items, metadata);
  }

  /** The tensors of {@code path} on the default device, in header order. */
  public static LinkedHashMap<String, Tensor> load(Path path) throws IOException {
    return load(path, Tensor.defaultDevice());
  }

  /** The tensors of {@code path} on {@code device}, in header order. */
  public static LinkedHashMap<String, Tensor> load(Path path, Device device) throws IOException {
    return read(path, device).tensors();
  }

  /** Tensors and metadata of {@code path}, tensors on {@code device}. */
  public static Contents read(Path path, Device device) throws IOException {
    Objects.requireNonNull(device, "device");
    LinkedHashMap<String, HostTensor> host;
    SafetensorsHeader header;
    String source = sourceName(path);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      header = SafetensorsReader.readHeader(ch, source);
      host = SafetensorsReader.readAll(ch, source, header);
    }
    return new Contents(toDevice(host, device), header.metadata());
  }

  /** Validates {@code path} and returns its header, reading no tensor data. */
  public static SafetensorsHeader readHeader(Path path) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return SafetensorsReader.readHeader(ch, sourceName(path));
    }
  }

  /**
   * Loads {@code path} into existing tensors in place (PyTorch's {@code load_state_dict} with
   * {@code strict=True}): every target must have a tensor of the same name and shape in the file
   * and the file no tensor without a target. Values are converted to each target's dtype and copied
   * to its device; the writes happen under {@link Autograd#noGrad()}, so parameters that require
   * grad can be loaded. Nothing is written unless everything matches.
   *
   * @return the file's metadata
   * @throws SafetensorsFormatException listing missing, unexpected and mis-shaped tensors
   */
  public static Map<String, String> loadInto(Path path, Map<String, Tensor> targets)
      throws IOException {
    String source = sourceName(path);
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      SafetensorsHeader header = SafetensorsReader.readHeader(ch, source);
      checkMatches(source, header, targets);
      // Decode everything before the first write, so a bad value (an I64 beyond int32) cannot
      // leave the targets half loaded.
      Map<String, HostTensor> host = SafetensorsReader.readAll(ch, source, header);
      try (var ignored = Autograd.noGrad()) {
        for (var e : host.entrySet()) {
          Tensor target = targets.get(e.getKey());
          try (Tensor loaded = e.getValue().toTensor(target.device())) {
            target.assign(loaded);
          }
        }
      }
      return header.metadata();
    }
  }

  private static void checkMatches(
      String source, SafetensorsHeader header, Map<String, Tensor> targets)
      throws SafetensorsFormatException {
    List<String> problems = new ArrayList<>();
    for (String name : targets.keySet()) {
      if (header.tensor(name) == null) {
        problems.add("missing '" + name + "'");
      }
    }
    for (SafetensorsHeader.Entry e : header.tensors()) {
      Tensor t = targets.get(e.name());
      if (t == null) {
        problems.add("unexpected '" + e.name() + "'");
      } else if (!Arrays.equals(Arrays.stream(t.shape()).asLongStream().toArray(), e.shape())) {
        problems.add(
            "'"
                + e.name()
                + "' has shape "
                + Arrays.toString(e.shape())
                + " in the file, "
                + Arrays.toString(t.shape())
                + " in the target");
      }
    }
    if (!problems.isEmpty()) {
      throw SafetensorsFormatException.inFile(
          source, "does not match the target tensors: " + String.join("; ", problems));
    }
  }

  /** Makes device tensors, closing the ones already made if one fails (no leak on error). */
  static LinkedHashMap<String, Tensor> toDevice(Map<String, HostTensor> host, Device device) {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    try {
      for (var e : host.entrySet()) {
        out.put(e.getKey(), e.getValue().toTensor(device));
      }
    } catch (RuntimeException | Error failure) {
      out.values().forEach(Tensor::close);
      throw failure;
    }
    return out;
  }

  static String sourceName(Path path) {
    Path name = path.getFileName();
    return name == null ? path.toString() : name.toString();
  }
}
