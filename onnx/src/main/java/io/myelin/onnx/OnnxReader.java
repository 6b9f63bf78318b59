package io.myelin.onnx;

import io.myelin.onnx.OnnxModel.Attr;
import io.myelin.onnx.OnnxModel.Graph;
import io.myelin.onnx.OnnxModel.Node;
import io.myelin.onnx.OnnxModel.TensorData;
import io.myelin.onnx.OnnxModel.ValueInfo;
import io.myelin.onnx.ProtoReader.FloatList;
import io.myelin.onnx.ProtoReader.LongList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a ModelProto's bytes into an {@link OnnxModel}, safe on hostile input: every length is
 * checked against the bytes left, counts and ranks are bounded ({@link #MAX_NODES}, {@link
 * #MAX_RANK}, ...), a tensor's byte count is checked against its dims before any array is made, and
 * every failure is an {@link OnnxFormatException} naming the byte offset (or the tensor). Fields
 * the importer does not use are skipped; nested graphs (If, Loop), external data and sparse
 * initializers are refused where they would matter.
 */
final class OnnxReader {
  static final int MAX_NODES = 100_000;
  static final int MAX_INITIALIZERS = 100_000;
  static final int MAX_NAMES_PER_NODE = 1_000;
  static final int MAX_ATTRIBUTES = 1_000;
  static final int MAX_RANK = 16;
  static final int MAX_INTS = 1 << 20;

  private final String source;

  private OnnxReader(String source) {
    this.source = source;
  }

  /**
   * @param source the file name for messages
   */
  static OnnxModel read(byte[] bytes, String source) throws OnnxFormatException {
    return new OnnxReader(source).model(new ProtoReader(source, bytes, 0, bytes.length));
  }

  private OnnxModel model(ProtoReader r) throws OnnxFormatException {
    long ir = -1;
    Map<String, Long> opsets = new LinkedHashMap<>();
    Graph graph = null;
    Map<String, String> metadata = new LinkedHashMap<>();
    while (r.next()) {
      switch (r.field()) {
        case 1 -> ir = r.varint();
        case 7 -> {
          if (graph != null) {
            throw r.error("a second graph in the model");
          }
          graph = graph(r.message());
        }
        case 8 -> {
          ProtoReader o = r.message();
          String domain = "";
          long version = -1;
          while (o.next()) {
            switch (o.field()) {
              case 1 -> domain = o.string();
              case 2 -> version = o.varint();
              default -> o.skip();
            }
          }
          if (opsets.size() >= 100) {
            throw r.error("more than 100 opset imports");
          }
          opsets.put(domain, version);
        }
        case 14 -> {
          ProtoReader e = r.message();
          String key = "";
          String value = "";
          while (e.next()) {
            switch (e.field()) {
              case 1 -> key = e.string();
              case 2 -> value = e.string();
              default -> e.skip();
            }
          }
          if (metadata.size() >= MAX_NODES) {
            throw r.error("more than " + MAX_NODES + " metadata entries");
          }
          metadata.put(key, value);
        }
        default -> r.skip();
      }
    }
    if (graph == null) {
      throw new OnnxFormatException(source, -1, null, "no graph (is this an ONNX model file?)");
    }
    return new OnnxModel(source, ir, opsets, metadata, graph);
  }

  private Graph graph(ProtoReader r) throws OnnxFormatException {
    List<Node> nodes = new ArrayList<>();
    Map<String, TensorData> inits = new LinkedHashMap<>();
    List<ValueInfo> inputs = new ArrayList<>();
    List<ValueInfo> outputs = new ArrayList<>();
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          if (nodes.size() >= MAX_NODES) {
            throw r.error("more than " + MAX_NODES + " nodes");
          }
          nodes.add(node(r.message()));
        }
        case 5 -> {
          if (inits.size() >= MAX_INITIALIZERS) {
            throw r.error("more than " + MAX_INITIALIZERS + " initializers");
          }
          long at = r.position();
          TensorData t = tensor(r.message(), at);
          if (inits.put(t.name(), t) != null) {
            throw r.error("two initializers named '" + t.name() + "'");
          }
        }
        case 11, 12 -> {
          List<ValueInfo> to = r.field() == 11 ? inputs : outputs;
          if (to.size() >= MAX_NAMES_PER_NODE) {
            throw r.error("more than " + MAX_NAMES_PER_NODE + " graph inputs or outputs");
          }
          to.add(valueInfo(r.message()));
        }
        case 15 -> throw r.error("sparse initializers are not supported");
        default -> r.skip();
      }
    }
    return new Graph(nodes, inits, inputs, outputs);
  }

  private Node node(ProtoReader r) throws OnnxFormatException {
    long at = r.position();
    List<String> in = new ArrayList<>();
    List<String> out = new ArrayList<>();
    Map<String, Attr> attrs = new LinkedHashMap<>();
    String name = "";
    String op = "";
    String domain = "";
    while (r.next()) {
      switch (r.field()) {
        case 1, 2 -> {
          List<String> to = r.field() == 1 ? in : out;
          if (to.size() >= MAX_NAMES_PER_NODE) {
            throw r.error("more than " + MAX_NAMES_PER_NODE + " node inputs or outputs");
          }
          to.add(r.string());
        }
        case 3 -> name = r.string();
        case 4 -> op = r.string();
        case 7 -> domain = r.string();
        case 5 -> {
          if (attrs.size() >= MAX_ATTRIBUTES) {
            throw r.error("more than " + MAX_ATTRIBUTES + " attributes");
          }
          Attr a = attribute(r.message());
          if (attrs.put(a.name(), a) != null) {
            throw r.error("attribute '" + a.name() + "' given twice");
          }
        }
        default -> r.skip();
      }
    }
    if (op.isEmpty()) {
      throw new OnnxFormatException(source, at, null, "a node without an op_type");
    }
    return new Node(name, op, domain, List.copyOf(in), List.copyOf(out), attrs, at);
  }

  private Attr attribute(ProtoReader r) throws OnnxFormatException {
    String name = "";
    int type = 0;
    float f = 0;
    long i = 0;
    String s = null;
    TensorData t = null;
    FloatList floats = new FloatList();
    LongList ints = new LongList(MAX_INTS);
    while (r.next()) {
      switch (r.field()) {
        case 1 -> name = r.string();
        case 20 -> type = (int) r.varint();
        case 2 -> f = r.float32();
        case 3 -> i = r.varint();
        case 4 -> {
          int[] slice =
              r.slice(); // bytes, read as UTF-8 text (only the names of modes are strings)
          s =
              new String(
                  r.buffer(),
                  slice[0],
                  slice[1] - slice[0],
                  java.nio.charset.StandardCharsets.UTF_8);
        }
        case 5 -> {
          long at = r.position();
          t = tensor(r.message(), at);
        }
        case 7 -> r.floats(floats);
        case 8 -> r.varints(ints);
        default -> r.skip(); // graphs, sparse tensors, type protos: no supported op has them
      }
    }
    return new Attr(name, type, f, i, s, t, floats.toArray(), ints.toArray());
  }

  private ValueInfo valueInfo(ProtoReader r) throws OnnxFormatException {
    String name = "";
    int elem = 0;
    long[] dims = null;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> name = r.string();
        case 2 -> {
          ProtoReader type = r.message();
          while (type.next()) {
            if (type.field() != 1) { // tensor_type; sequences and maps are not tensors
              type.skip();
              continue;
            }
            ProtoReader tensor = type.message();
            while (tensor.next()) {
              switch (tensor.field()) {
                case 1 -> elem = (int) tensor.varint();
                case 2 -> dims = shape(tensor.message());
                default -> tensor.skip();
              }
            }
          }
        }
        default -> r.skip();
      }
    }
    return new ValueInfo(name, elem, dims);
  }

  private long[] shape(ProtoReader r) throws OnnxFormatException {
    LongList dims = new LongList(MAX_RANK);
    while (r.next()) {
      if (r.field() != 1) {
        r.skip();
        continue;
      }
      ProtoReader dim = r.message();
      long value = -1;
      while (dim.next()) {
        if (dim.field() == 1) {
          value = dim.varint();
          if (value < 0) {
            throw dim.error("negative dimension " + value);
          }
        } else {
          dim.skip();
        }
      }
      dims.add(value, r);
    }
    return dims.toArray();
  }

  /** A TensorProto; {@code at} is its first byte, for messages. */
  private TensorData tensor(ProtoReader r, long at) throws OnnxFormatException {
    LongList dims = new LongList(MAX_RANK);
    int type = 0;
    String name = "";
    int[] raw = null;
    FloatList floats = new FloatList();
    LongList longs = new LongList(MAX_INTS); // no supported op has large integer tensors
    while (r.next()) {
      switch (r.field()) {
        case 1 -> r.varints(dims);
        case 2 -> type = (int) r.varint();
        case 8 -> name = r.string();
        case 9 -> raw = r.slice();
        case 4 -> r.floats(floats);
        case 10 -> r.doubles(floats);
        case 5, 7 -> r.varints(longs);
        case 3 -> throw r.error("segmented tensors are not supported");
        case 13, 14 ->
            throw r.error(
                "tensor '" + name + "' keeps its data in an external file, which is not supported");
        default -> r.skip();
      }
    }
    String what = "tensor '" + name + "'";
    long numel = 1;
    for (long d : dims.toArray()) {
      if (d < 0) {
        throw new OnnxFormatException(source, at, null, what + " has negative dimension " + d);
      }
      numel *= d;
      if (numel > Integer.MAX_VALUE - 8) {
        throw new OnnxFormatException(source, at, null, what + " has more than 2^31 elements");
      }
    }
    int n = (int) numel;
    int width =
        switch (type) {
          case TensorData.FLOAT, TensorData.INT32 -> 4;
          case TensorData.INT64, TensorData.DOUBLE -> 8;
          case TensorData.BOOL -> 1;
          default ->
              throw new OnnxFormatException(
                  source,
                  at,
                  null,
                  what
                      + " has data type "
                      + type
                      + "; the importer reads float32, float64, int32, int64 and bool tensors");
        };
    boolean isFloat = type == TensorData.FLOAT || type == TensorData.DOUBLE;
    if (raw != null) {
      long bytes = (long) raw[1] - raw[0];
      if (bytes != (long) n * width) {
        throw new OnnxFormatException(
            source,
            at,
            null,
            what
                + " of shape "
                + java.util.Arrays.toString(dims.toArray())
                + " needs "
                + (long) n * width
                + " bytes of raw_data, has "
                + bytes);
      }
      java.nio.ByteBuffer b =
          java.nio.ByteBuffer.wrap(r.buffer(), raw[0], (int) bytes)
              .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      if (isFloat) {
        float[] v = new float[n];
        for (int k = 0; k < n; k++) {
          v[k] = type == TensorData.FLOAT ? b.getFloat() : (float) b.getDouble();
        }
        return new TensorData(name, dims.toArray(), type, v, null);
      }
      long[] v = new long[n];
      for (int k = 0; k < n; k++) {
        v[k] =
            switch (width) {
              case 1 -> b.get();
              case 4 -> b.getInt();
              default -> b.getLong();
            };
      }
      return new TensorData(name, dims.toArray(), type, null, v);
    }
    int have = isFloat ? floats.size() : longs.size();
    if (have != n) {
      throw new OnnxFormatException(
          source,
          at,
          null,
          what
              + " of shape "
              + java.util.Arrays.toString(dims.toArray())
              + " has "
              + have
              + " values, needs "
              + n);
    }
    return isFloat
        ? new TensorData(name, dims.toArray(), type, floats.toArray(), null)
        : new TensorData(name, dims.toArray(), type, null, longs.toArray());
  }
}
