package io.myelin.onnx;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.nn.FeatureScaling;
import io.myelin.nn.Layer;
import io.myelin.nn.Sequential;
import io.myelin.onnx.OnnxFields.Model;
import io.myelin.onnx.OnnxFields.OperatorSetId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * ONNX export of Myelin modules: IR version {@value OnnxFields#IR_VERSION}, default-domain opset
 * {@value OnnxFields#OPSET} (both inside ONNX Runtime 1.20's range: IR &lt;= 10, opset &lt;= 21).
 *
 * <p>Exported: {@code Sequential} of Linear (Gemm, weight kept as [out, in] with transB), every
 * activation, Maxout, BatchNorm1d/2d, LayerNorm, Dropout (an ONNX Dropout node, the identity in
 * inference), Softmax / LogSoftmax, Flatten (a Reshape keeping the batch) and {@link
 * FeatureScaling} (Div, Sub, Div). {@link #load} reads them back. The graph's input {@code "input"}
 * is float32 of the example shape with dimension 0 the symbolic {@code batch}; the output {@code
 * "output"} is float32 and batch-dynamic as well. Any other layer fails the export with an {@link
 * UnsupportedLayerException} naming it, before anything is written.
 *
 * <pre>{@code
 * Onnx.export(model, new int[] {1, 64}, Path.of("digits.onnx"));
 * }</pre>
 */
public final class Onnx {
  private Onnx() {}

  /**
   * Writes {@code module}'s eval-mode function as an ONNX model to {@code file}, atomically (a
   * temporary file in the same folder, forced to disk, then renamed over {@code file}).
   *
   * @param exampleInputShape the input's shape with any batch size first, e.g. {@code [1, 64]}
   */
  public static void export(Layer module, int[] exampleInputShape, Path file) throws IOException {
    byte[] bytes = toBytes(module, exampleInputShape);
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The names of the exported graph's input and output values. */
  public static final String INPUT = "input", OUTPUT = "output";

  /**
   * Files larger than this are refused before they are read (the reader holds the file in memory).
   */
  public static final long MAX_FILE_BYTES = 1L << 30;

  /**
   * Reads an ONNX model as a {@link Sequential} with its weights, in training mode (as a new module
   * is: call {@code eval()} to evaluate, or train it further). The graph must be a chain of the
   * layers {@link #export} writes, in Myelin's patterns or {@code torch.onnx.export}'s (Gemm or
   * MatMul + Add for Linear, Flatten or a flattening Reshape, SiLU and GELU formulas): see {@link
   * GraphImporter#SUPPORTED}. A final {@code Identity} is dropped; ONNX {@code Dropout} nodes
   * become {@link io.myelin.nn.Dropout} layers; the exporter's input scaling comes back as a {@link
   * FeatureScaling}. Default-domain opsets 13 to 21 are read.
   *
   * @throws UnsupportedOnnxException for an op or pattern with no Myelin layer, naming the node and
   *     op type
   * @throws OnnxFormatException for a malformed file, naming the byte offset (or node) and what is
   *     wrong
   */
  public static Sequential load(Path file) throws IOException {
    String source = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new OnnxFormatException(
          source,
          -1,
          null,
          size + " bytes; the importer reads files up to " + MAX_FILE_BYTES + " bytes");
    }
    return fromBytes(Files.readAllBytes(file), source);
  }

  /**
   * {@link #load} on a model's bytes.
   *
   * @param source the name to give in messages
   */
  public static Sequential fromBytes(byte[] bytes, String source) throws OnnxFormatException {
    return GraphImporter.importModel(OnnxReader.read(bytes, source));
  }

  /** The serialised ModelProto (see {@link #export}). The module is left in the mode it had. */
  public static byte[] toBytes(Layer module, int[] exampleInputShape) {
    if (exampleInputShape.length < 1) {
      throw new IllegalArgumentException(
          "Onnx.export: the example input shape needs a batch dimension, got "
              + Arrays.toString(exampleInputShape));
    }
    boolean wasTraining = module.isTraining();
    module.eval();
    try (var ignored = Autograd.noGrad();
        Tensor example = Tensor.zeros(exampleInputShape)) {
      OnnxGraph graph = new OnnxGraph();
      String last = new LayerExporter(graph).export(module, "", INPUT, example);
      // A final Identity gives the output a stable name whatever the last layer was.
      String output = graph.named(OUTPUT, "Identity", java.util.List.of(last));
      int outRank = module.forward(example).shape().length;
      return modelBytes(graph, exampleInputShape, output, outRank);
    } finally {
      module.train(wasTraining);
    }
  }

  /** A ModelProto around {@code graph} (input {@link #INPUT}, output {@code output}). */
  static byte[] modelBytes(OnnxGraph graph, int[] inputShape, String output, int outRank) {
    var g = graph.build("myelin", INPUT, inputShape, output, outRank);
    OnnxWire model =
        new OnnxWire()
            .int64(Model.IR_VERSION, OnnxFields.IR_VERSION)
            .string(Model.PRODUCER_NAME, "myelin")
            .string(Model.PRODUCER_VERSION, "0.1.0")
            .message(Model.GRAPH, g)
            .message(
                Model.OPSET_IMPORT,
                new OnnxWire()
                    .string(OperatorSetId.DOMAIN, "")
                    .int64(OperatorSetId.VERSION, OnnxFields.OPSET));
    graph
        .metadata()
        .forEach(
            (k, v) ->
                model.message(
                    Model.METADATA_PROPS,
                    new OnnxWire()
                        .string(OnnxFields.StringStringEntry.KEY, k)
                        .string(OnnxFields.StringStringEntry.VALUE, v)));
    return model.toByteArray();
  }
}
