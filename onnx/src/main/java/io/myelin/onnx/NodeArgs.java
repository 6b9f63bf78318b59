package io.myelin.onnx;

import io.myelin.onnx.OnnxModel.Attr;
import io.myelin.onnx.OnnxModel.Node;
import io.myelin.onnx.OnnxModel.TensorData;
import java.util.Map;

/**
 * Reads a node's inputs and attributes for {@link GraphImporter}, checked: a weight must be a float
 * constant (initializer or Constant), an attribute must have the type its op defines, and every
 * failure is an {@link OnnxFormatException} (or {@link UnsupportedOnnxException}) naming the node
 * and its op type.
 */
final class NodeArgs {
  private final String src;
  private final Map<String, TensorData> consts;

  /**
   * @param consts the graph's constant values by name (shared with the importer, which fills it)
   */
  NodeArgs(String src, Map<String, TensorData> consts) {
    this.src = src;
    this.consts = consts;
  }

  /** A float constant input, required. */
  TensorData weight(Node n, int index, String what) throws OnnxFormatException {
    String name = n.input(index);
    if (name == null) {
      throw bad(n, "input " + what + " is missing");
    }
    TensorData t = consts.get(name);
    if (t == null) {
      throw unsupported(
          n,
          "input "
              + what
              + " ('"
              + name
              + "') is not an initializer or Constant;"
              + " computed weights are not imported");
    }
    if (t.floats() == null) {
      throw bad(n, "input " + what + " " + t + " is not a float tensor");
    }
    return t;
  }

  long[] ints(Node n, int index, String what) throws OnnxFormatException {
    TensorData t = n.input(index) == null ? null : consts.get(n.input(index));
    if (t == null || t.longs() == null || t.dims().length != 1) {
      throw unsupported(n, "input " + what + " is not a constant one-dimensional integer tensor");
    }
    return t.longs();
  }

  boolean isScalar(String name, double value) {
    TensorData t = name == null ? null : consts.get(name);
    return t != null
        && t.floats() != null
        && t.numel() == 1
        && Math.abs(t.floats()[0] - value) <= 1e-6 * Math.max(1, Math.abs(value));
  }

  /**
   * The input of a two-input node other than {@code v}, or null when {@code v} is not one of them.
   */
  static String otherInput(Node n, String v) {
    if (n.inputs().size() != 2) {
      return null;
    }
    return n.inputs().get(0).equals(v)
        ? n.inputs().get(1)
        : n.inputs().get(1).equals(v) ? n.inputs().get(0) : null;
  }

  long intAttr(Node n, String name, long def) throws OnnxFormatException {
    Attr a = attribute(n, name, Attr.INT);
    return a == null ? def : a.i();
  }

  float floatAttr(Node n, String name, float def) throws OnnxFormatException {
    Attr a = attribute(n, name, Attr.FLOAT);
    return a == null ? def : a.f();
  }

  long[] intsAttr(Node n, String name) throws OnnxFormatException {
    Attr a = attribute(n, name, Attr.INTS);
    return a == null ? new long[0] : a.ints();
  }

  // An attribute of another type than the op defines is a malformed file, not a default.
  Attr attribute(Node n, String name, int type) throws OnnxFormatException {
    Attr a = n.attributes().get(name);
    if (a != null && a.type() != type) {
      throw bad(
          n, "attribute '" + name + "' has type " + a.type() + ", the op defines type " + type);
    }
    return a;
  }

  /**
   * The shortest decimal that reads back as {@code f}: 1e-5f becomes 1e-5, as the exporter's double
   * was.
   */
  static double shortest(float f) {
    return Double.parseDouble(Float.toString(f));
  }

  static float[] transpose(float[] a, int rows, int cols) {
    float[] t = new float[a.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = a[r * cols + c];
      }
    }
    return t;
  }

  static void scale(float[] a, float s) {
    if (s != 1f) {
      for (int i = 0; i < a.length; i++) {
        a[i] *= s;
      }
    }
  }

  static boolean defaultDomain(Node n) {
    return n.domain().isEmpty() || n.domain().equals("ai.onnx");
  }

  UnsupportedOnnxException unsupported(Node n, String why) {
    return new UnsupportedOnnxException(src, n.label(), why);
  }

  OnnxFormatException bad(Node n, String why) {
    return new OnnxFormatException(src, -1, n.label(), why);
  }

  OnnxFormatException whole(String why) {
    return new OnnxFormatException(src, -1, null, why);
  }
}
