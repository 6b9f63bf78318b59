package io.myelin.onnx;

import io.myelin.onnx.OnnxFields.Attribute;
import io.myelin.onnx.OnnxFields.Graph;
import io.myelin.onnx.OnnxFields.Node;
import io.myelin.onnx.OnnxFields.TensorP;
import io.myelin.onnx.OnnxFields.Type;
import io.myelin.onnx.OnnxFields.ValueInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph under construction: nodes in topological order (each layer appends its nodes after
 * its input's), float32 initializers, fresh value names. Not thread-safe.
 */
final class OnnxGraph {
  private final List<OnnxWire> nodes = new ArrayList<>();
  private final List<OnnxWire> initializers = new ArrayList<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private int counter;

  /**
   * A ModelProto metadata_props entry: state that has no ONNX operator input (a BatchNorm's batch
   * count).
   */
  void metadata(String key, String value) {
    metadata.put(key, value);
  }

  Map<String, String> metadata() {
    return metadata;
  }

  /** A fresh value name with the readable prefix {@code hint}. */
  String fresh(String hint) {
    return hint + "_" + (counter++);
  }

  /** A named attribute: FLOAT, INT or INTS. */
  record Attr(String name, Object value) {
    static Attr f(String name, double v) {
      return new Attr(name, (float) v);
    }

    static Attr i(String name, long v) {
      return new Attr(name, v);
    }

    static Attr ints(String name, long... v) {
      return new Attr(name, v);
    }
  }

  /** Appends a node {@code opType(inputs) -> one fresh output}; returns the output's name. */
  String node(String opType, List<String> inputs, Attr... attrs) {
    return named(fresh(opType.toLowerCase()), opType, inputs, attrs);
  }

  /** Appends a node {@code opType(inputs) -> output} with the given output (and node) name. */
  String named(String output, String opType, List<String> inputs, Attr... attrs) {
    OnnxWire n = new OnnxWire();
    for (String in : inputs) {
      n.string(Node.INPUT, in);
    }
    n.string(Node.OUTPUT, output).string(Node.NAME, output).string(Node.OP_TYPE, opType);
    for (Attr a : attrs) {
      OnnxWire w = new OnnxWire().string(Attribute.NAME, a.name());
      switch (a.value()) {
        case Float f -> w.float32(Attribute.F, f).int32(Attribute.TYPE, Attribute.TYPE_FLOAT);
        case Long l -> w.int64(Attribute.I, l).int32(Attribute.TYPE, Attribute.TYPE_INT);
        case long[] ls -> {
          for (long l : ls) {
            w.int64(Attribute.INTS, l);
          }
          w.int32(Attribute.TYPE, Attribute.TYPE_INTS);
        }
        default -> throw new IllegalArgumentException("attribute type " + a.value().getClass());
      }
      n.message(Node.ATTRIBUTE, w);
    }
    nodes.add(n);
    return output;
  }

  String node(String opType, String input, Attr... attrs) {
    return node(opType, List.of(input), attrs);
  }

  /** Adds a float32 initializer of {@code shape} (row-major {@code data}); returns its name. */
  String constant(String hint, float[] data, long... shape) {
    String name = fresh(hint);
    ByteBuffer raw = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : data) {
      raw.putFloat(v);
    }
    OnnxWire t = new OnnxWire();
    for (long d : shape) {
      t.int64(TensorP.DIMS, d);
    }
    t.int32(TensorP.DATA_TYPE, TensorP.FLOAT)
        .string(TensorP.NAME, name)
        .bytes(TensorP.RAW_DATA, raw.array());
    initializers.add(t);
    return name;
  }

  /** A float32 scalar constant. */
  String scalar(String hint, double value) {
    return constant(hint, new float[] {(float) value});
  }

  /** An int64 initializer of shape [values.length] (for Reshape's shape input). */
  String int64s(String hint, long... values) {
    String name = fresh(hint);
    ByteBuffer raw = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      raw.putLong(v);
    }
    initializers.add(
        new OnnxWire()
            .int64(TensorP.DIMS, values.length)
            .int32(TensorP.DATA_TYPE, TensorP.INT64)
            .string(TensorP.NAME, name)
            .bytes(TensorP.RAW_DATA, raw.array()));
    return name;
  }

  /**
   * The GraphProto: {@code input} of float32 shape {@code inputShape} with dimension 0 the symbolic
   * {@code "batch"}, {@code output} of rank {@code outputRank} likewise.
   */
  OnnxWire build(String name, String input, int[] inputShape, String output, int outputRank) {
    OnnxWire g = new OnnxWire();
    nodes.forEach(n -> g.message(Graph.NODE, n));
    g.string(Graph.NAME, name);
    initializers.forEach(t -> g.message(Graph.INITIALIZER, t));
    g.message(Graph.INPUT, valueInfo(input, inputShape, inputShape.length));
    g.message(Graph.OUTPUT, valueInfo(output, null, outputRank));
    return g;
  }

  // Dimension 0 is the dynamic batch; the others are fixed when known (input), left unnamed
  // otherwise.
  private static OnnxWire valueInfo(String name, int[] shape, int rank) {
    OnnxWire s = new OnnxWire();
    for (int d = 0; d < rank; d++) {
      OnnxWire dim = new OnnxWire();
      if (d == 0) {
        dim.string(Type.DIM_PARAM, "batch");
      } else if (shape != null) {
        dim.int64(Type.DIM_VALUE, shape[d]);
      }
      s.message(Type.DIM, dim);
    }
    OnnxWire tensor = new OnnxWire().int32(Type.ELEM_TYPE, TensorP.FLOAT).message(Type.SHAPE, s);
    return new OnnxWire()
        .string(ValueInfo.NAME, name)
        .message(ValueInfo.TYPE, new OnnxWire().message(Type.TENSOR_TYPE, tensor));
  }
}
