package io.myelin.nn;

import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.DeviceManager;
import io.myelin.memory.MemoryScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A model's layers with their output shapes and parameter counts, as Keras' {@code model.summary()}
 * or torchinfo print them.
 *
 * <p>The shapes come from running a batch of zeros of the given input shape through the model in
 * evaluation mode without recording gradients; the model's mode is restored afterwards. A {@link
 * Sequential} is listed layer by layer; any other module as one row.
 *
 * <pre>{@code
 * System.out.print(ModelSummary.of(model, 1, 784).table());
 * }</pre>
 *
 * @param rows one per layer, in order
 * @param totalParameters trainable scalars of the whole model
 */
public record ModelSummary(List<Row> rows, long totalParameters) {
  /**
   * One layer.
   *
   * @param name the layer's name in the state dict ("0", "1", ...)
   * @param layer the layer's description ({@link Layer#toString()})
   * @param outputShape its output's shape for the example input, batch dimension included
   * @param parameters its trainable scalars
   */
  public record Row(String name, String layer, int[] outputShape, long parameters) {
    public Row {
      outputShape = outputShape.clone();
    }

    @Override
    public int[] outputShape() {
      return outputShape.clone();
    }
  }

  public ModelSummary {
    rows = List.copyOf(rows);
  }

  /**
   * Summarises {@code model} for inputs of {@code inputShape} (the batch dimension first; 1 is
   * enough).
   *
   * @throws IllegalArgumentException if the input shape is empty or has a dimension below 1, or the
   *     model refuses it (the message names the layer)
   */
  public static ModelSummary of(Layer model, int... inputShape) {
    if (inputShape.length == 0 || Arrays.stream(inputShape).anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException(
          "ModelSummary: input shape must have at least one dimension, each >= 1, got "
              + Arrays.toString(inputShape));
    }
    List<Tensor> params = model.parameters();
    Device device =
        params.isEmpty() ? DeviceManager.global().defaultDevice() : params.get(0).device();
    boolean wasTraining = model.isTraining();
    List<Row> rows = new ArrayList<>();
    model.eval();
    try (var scope = MemoryScope.open();
        var noGrad = Autograd.noGrad()) {
      Tensor x =
          Tensor.zeros(
              device,
              params.isEmpty() ? io.myelin.DType.FLOAT32 : params.get(0).dtype(),
              inputShape);
      List<Layer> layers = model instanceof Sequential ? model.children() : List.of(model);
      List<String> names =
          model instanceof Sequential
              ? new ArrayList<>(model.namedChildren().keySet())
              : List.of("");
      for (int i = 0; i < layers.size(); i++) {
        Layer layer = layers.get(i);
        try {
          x = layer.forward(x);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(
              "ModelSummary: layer "
                  + names.get(i)
                  + " ("
                  + layer
                  + ") refuses an input of shape "
                  + Arrays.toString(x.shape())
                  + ": "
                  + e.getMessage(),
              e);
        }
        rows.add(new Row(names.get(i), layer.toString(), x.shape(), layer.numParameters()));
      }
    } finally {
      model.train(wasTraining);
    }
    return new ModelSummary(rows, model.numParameters());
  }

  /** The summary as a fixed-width table, the batch dimension shown as N. */
  public String table() {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"#", "layer", "output shape", "parameters"});
    for (Row r : rows) {
      String[] shape =
          Arrays.stream(r.outputShape()).mapToObj(Integer::toString).toArray(String[]::new);
      shape[0] = "N";
      cells.add(
          new String[] {
            r.name(),
            r.layer(),
            "[" + String.join(", ", shape) + "]",
            String.format(Locale.ROOT, "%,d", r.parameters())
          });
    }
    int[] width = new int[4];
    for (String[] c : cells) {
      for (int j = 0; j < 4; j++) {
        width[j] = Math.max(width[j], c[j].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] c : cells) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-" + width[0] + "s  %-" + width[1] + "s  %-" + width[2] + "s  %" + width[3] + "s%n",
              c[0],
              c[1],
              c[2],
              c[3]));
    }
    sb.append(String.format(Locale.ROOT, "total: %,d trainable parameters%n", totalParameters));
    return sb.toString();
  }
}
