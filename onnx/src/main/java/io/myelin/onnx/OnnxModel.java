package io.myelin.onnx;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What {@link OnnxReader} takes from a ModelProto: the parts the importer uses, already checked for
 * internal consistency (every tensor's data matches its dims and type).
 *
 * @param opsets version per operator-set domain ({@code ""} is the default domain)
 * @param metadata the model's metadata_props
 */
record OnnxModel(
    String source,
    long irVersion,
    Map<String, Long> opsets,
    Map<String, String> metadata,
    Graph graph) {

  record Graph(
      List<Node> nodes,
      Map<String, TensorData> initializers,
      List<ValueInfo> inputs,
      List<ValueInfo> outputs) {}

  /** A node; {@code offset} is where its NodeProto starts in the file. */
  record Node(
      String name,
      String opType,
      String domain,
      List<String> inputs,
      List<String> outputs,
      Map<String, Attr> attributes,
      long offset) {
    /**
     * {@code 'name' (OpType)} for messages; nodes without a name are called by their first output.
     */
    String label() {
      String n = name.isEmpty() ? (outputs.isEmpty() ? "#" + offset : outputs.getFirst()) : name;
      return "'" + n + "' (" + opType + ")";
    }

    /**
     * Input {@code i}, or null when absent or given as the empty name (an omitted optional input).
     */
    String input(int i) {
      return i < inputs.size() && !inputs.get(i).isEmpty() ? inputs.get(i) : null;
    }
  }

  /** An attribute: {@code type} is AttributeProto.AttributeType; the field of that type is set. */
  record Attr(
      String name, int type, float f, long i, String s, TensorData t, float[] floats, long[] ints) {
    static final int FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, FLOATS = 6, INTS = 7;
  }

  /**
   * A tensor's dims and values: float32 and float64 as {@code floats}, int32, int64 and bool as
   * {@code longs}; exactly one is non-null and holds {@code numel} values.
   */
  record TensorData(String name, long[] dims, int dataType, float[] floats, long[] longs) {
    static final int FLOAT = 1, INT32 = 6, INT64 = 7, BOOL = 9, DOUBLE = 11;

    int numel() {
      return floats != null ? floats.length : longs.length;
    }

    int[] shape() {
      return Arrays.stream(dims).mapToInt(d -> (int) d).toArray();
    }

    @Override
    public String toString() {
      return "'" + name + "' " + Arrays.toString(dims);
    }
  }

  /**
   * A graph input or output: its element type and dims ({@code -1} for a symbolic or absent dim).
   */
  record ValueInfo(String name, int elemType, long[] dims) {}
}
