package io.myelin.onnx;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.onnx.OnnxFields.Model;
import io.myelin.onnx.OnnxFields.OperatorSetId;
import io.myelin.nn.Module;
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
 * {@value OnnxFields#OPSET} (both inside ONNX Runtime 1.20's range: IR <= 10, opset <= 21).
 *
 * <p>Exported today: {@code Sequential} of Linear (Gemm, weight kept as [out, in] with transB),
 * every element-wise activation (Maxout excepted), Dropout (identity, the eval-mode function),
 * Softmax / LogSoftmax and Flatten (a Reshape keeping the batch). The graph's input {@code
 * "input"} is float32 of the example shape with dimension 0 the symbolic {@code batch}; the output
 * is {@code "output"}'s predecessor value, batch-dynamic as well. Any other layer fails the
 * export with an {@link UnsupportedLayerException} naming it, before anything is written.
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
  public static void export(Module module, int[] exampleInputShape, Path file) throws IOException {
    byte[] bytes = toBytes(module, exampleInputShape);
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
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

  /** The serialised ModelProto (see {@link #export}). The module is left in the mode it had. */
  public static byte[] toBytes(Module module, int[] exampleInputShape) {
    if (exampleInputShape.length < 1) {
      throw new IllegalArgumentException("Onnx.export: the example input shape needs a batch dimension, got "
          + Arrays.toString(exampleInputShape));
    }
    boolean wasTraining = module.isTraining();
    module.eval();
    try (var ignored = Autograd.noGrad(); Tensor example = Tensor.zeros(exampleInputShape)) {
      OnnxGraph graph = new OnnxGraph();
      String last = new LayerExporter(graph).export(module, "", "input", example);
      // A final Identity gives the output a stable name whatever the last layer was.
      String output = graph.node("Identity", last);
      int outRank = module.forward(example).shape().length;
      var g = graph.build("myelin", "input", exampleInputShape, output, outRank);
      return new OnnxWire()
          .int64(Model.IR_VERSION, OnnxFields.IR_VERSION)
          .string(Model.PRODUCER_NAME, "myelin")
          .string(Model.PRODUCER_VERSION, "0.1.0")
          .message(Model.GRAPH, g)
          .message(Model.OPSET_IMPORT, new OnnxWire().string(OperatorSetId.DOMAIN, "")
              .int64(OperatorSetId.VERSION, OnnxFields.OPSET))
          .toByteArray();
    } finally {
      module.train(wasTraining);
    }
  }
}
