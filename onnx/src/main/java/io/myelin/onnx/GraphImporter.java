package io.myelin.onnx;

import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.nn.Activation;
import io.myelin.nn.AdaptiveAvgPool2d;
import io.myelin.nn.AvgPool2d;
import io.myelin.nn.BatchNorm;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.BatchNorm2d;
import io.myelin.nn.Conv2d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Dropout2d;
import io.myelin.nn.FeatureScaling;
import io.myelin.nn.Flatten;
import io.myelin.nn.Layer;
import io.myelin.nn.LayerNorm;
import io.myelin.nn.Linear;
import io.myelin.nn.MaxPool2d;
import io.myelin.nn.Maxout;
import io.myelin.nn.Sequential;
import io.myelin.nn.Softmax;
import io.myelin.onnx.OnnxModel.Attr;
import io.myelin.onnx.OnnxModel.Node;
import io.myelin.onnx.OnnxModel.TensorData;
import io.myelin.onnx.OnnxModel.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns an ONNX graph into a {@link Sequential}: the graph must be a chain from its one input to
 * its one output, each link a pattern that {@link LayerExporter} writes or that {@code
 * torch.onnx.export} writes for the same layer (Gemm or MatMul + Add for Linear, the opset-9
 * formula of GELU, Sigmoid + Mul for SiLU, Flatten or Reshape for a flatten). Weights come from
 * initializers or Constant nodes. One case per op type in {@link #link}; anything else is refused
 * with an {@link UnsupportedOnnxException} naming the node and its op type.
 *
 * <p>An example {@code [1, ...]} of the graph input's shape runs through each layer as it is added,
 * so every weight is checked against the shape it meets (and BatchNormalization becomes BatchNorm1d
 * or BatchNorm2d by the rank).
 */
final class GraphImporter {
  /**
   * Default-domain opsets whose semantics the patterns assume (Softmax over one axis, Clip by
   * inputs).
   */
  static final long MIN_OPSET = 13, MAX_OPSET = 21;

  /** Bound on the graph input's elements per row, so a hostile shape cannot allocate much. */
  static final long MAX_INPUT_ELEMENTS = 1 << 22;

  /**
   * Metadata key prefix, + the node's name: a BatchNorm's num_batches_tracked (written by
   * LayerExporter).
   */
  static final String BATCHES_TRACKED = "myelin.num_batches_tracked.";

  /**
   * Metadata key prefix, + the node's name: this Dropout node is a Dropout2d (written by
   * LayerExporter).
   */
  static final String DROPOUT2D = "myelin.dropout2d.";

  static final String SUPPORTED =
      "Gemm, MatMul(+Add), Relu, Sigmoid, Tanh, Sign, LeakyRelu, Elu, Softplus,"
          + " Identity, Clip(-1, 1), Gelu, Dropout, Softmax, LogSoftmax, Flatten, Reshape (a flatten),"
          + " BatchNormalization, LayerNormalization, Conv, MaxPool, AveragePool (also after a zero Pad, as torch writes count_include_pad),"
          + " GlobalAveragePool, Reshape of"
          + " flat rows to images (at the input), and the patterns Myelin and torch.onnx.export write for"
          + " SiLU/Swish, GELU, step, piecewise, Maxout and input scaling";

  private final OnnxModel model;
  private final String src;
  private final Map<String, TensorData> consts = new HashMap<>();
  private final NodeArgs args;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Layer> layers = new ArrayList<>();
  private final String output;
  private int at;
  private String cur;
  private Tensor example;

  /** The per-example shape flat input rows are viewed as (Sequential.viewingInputAs), or null. */
  private int[] view;

  /** How many layers precede the view (input scaling on the flat rows). */
  private int viewAt;

  private GraphImporter(OnnxModel model) {
    this.model = model;
    this.src = model.source();
    this.args = new NodeArgs(src, consts);
    this.output =
        model.graph().outputs().size() == 1 ? model.graph().outputs().getFirst().name() : null;
  }

  static Sequential importModel(OnnxModel model) throws OnnxFormatException {
    return new GraphImporter(model).run();
  }

  private Sequential run() throws OnnxFormatException {
    checkOpset();
    consts.putAll(model.graph().initializers());
    ValueInfo input = graphInput();
    if (output == null) {
      throw args.whole(
          "the graph has " + model.graph().outputs().size() + " outputs; a Sequential has one");
    }
    for (Node n : model.graph().nodes()) {
      if (n.opType().equals("Constant") && NodeArgs.defaultDomain(n)) {
        constantNode(n);
      } else if (n.opType().equals("Identity")
          && NodeArgs.defaultDomain(n)
          && n.inputs().size() == 1
          && n.outputs().size() == 1
          && consts.containsKey(n.inputs().getFirst())) {
        // torch's constant folding shares equal initializers through Identity nodes (a fresh
        // BatchNorm's running_var is its weight, both ones).
        consts.put(n.outputs().getFirst(), consts.get(n.inputs().getFirst()));
      } else {
        if (n.outputs().isEmpty() || n.outputs().getFirst().isEmpty()) {
          throw args.bad(n, "has no output");
        }
        nodes.add(n);
      }
    }
    cur = input.name();
    int[] shape = new int[input.dims().length];
    shape[0] = 1;
    for (int d = 1; d < shape.length; d++) {
      shape[d] = (int) input.dims()[d];
    }
    example = Tensor.zeros(shape);
    try {
      while (at < nodes.size()) {
        link(nodes.get(at));
      }
    } finally {
      example.close();
    }
    if (!cur.equals(output)) {
      throw args.whole(
          "the graph output '"
              + output
              + "' is not the end of the chain of layers (which ends in '"
              + cur
              + "')");
    }
    if (view == null) {
      return new Sequential(layers);
    }
    // The view applies to the model after any input scaling on the flat rows: when scaling comes
    // first (the CLI's export) the rest is a nested Sequential, as ExportCommand built it.
    Sequential viewed = new Sequential(layers.subList(viewAt, layers.size())).viewingInputAs(view);
    if (viewAt == 0) {
      return viewed;
    }
    List<Layer> outer = new ArrayList<>(layers.subList(0, viewAt));
    outer.add(viewed);
    return new Sequential(outer);
  }

  private void checkOpset() throws OnnxFormatException {
    Long v =
        model.opsets().containsKey("") ? model.opsets().get("") : model.opsets().get("ai.onnx");
    if (v == null) {
      throw args.whole("no import of the default ONNX operator set");
    }
    if (v < MIN_OPSET || v > MAX_OPSET) {
      throw args.whole(
          "default-domain opset "
              + v
              + "; the importer reads opsets "
              + MIN_OPSET
              + " to "
              + MAX_OPSET
              + " (export again with opset_version in that range)");
    }
  }

  private ValueInfo graphInput() throws OnnxFormatException {
    List<ValueInfo> in =
        model.graph().inputs().stream()
            .filter(v -> !model.graph().initializers().containsKey(v.name()))
            .toList();
    if (in.size() != 1) {
      throw args.whole(
          "the graph has " + in.size() + " inputs besides its initializers; a Sequential has one");
    }
    ValueInfo v = in.getFirst();
    if (v.elemType() != TensorData.FLOAT) {
      throw args.whole(
          "graph input '"
              + v.name()
              + "' has element type "
              + v.elemType()
              + "; float32 (1) is imported");
    }
    if (v.dims() == null || v.dims().length < 1) {
      throw args.whole(
          "graph input '" + v.name() + "' has no shape; the importer needs [batch, features...]");
    }
    long n = 1;
    for (int d = 1; d < v.dims().length; d++) {
      if (v.dims()[d] < 1) {
        throw args.whole(
            "graph input '"
                + v.name()
                + "' dimension "
                + d
                + " is not a fixed size ("
                + Arrays.toString(v.dims())
                + "; -1 for symbolic); only the batch dimension may vary");
      }
      n *= v.dims()[d];
      if (n > MAX_INPUT_ELEMENTS) {
        throw args.whole(
            "graph input '"
                + v.name()
                + "' has more than "
                + MAX_INPUT_ELEMENTS
                + " elements per row");
      }
    }
    return v;
  }

  private void constantNode(Node n) throws OnnxFormatException {
    if (!n.inputs().isEmpty() || n.outputs().size() != 1) {
      throw args.bad(n, "a Constant has no inputs and one output");
    }
    Map<String, Attr> a = n.attributes();
    String name = n.outputs().getFirst();
    TensorData t;
    if (a.get("value") instanceof Attr v && v.t() != null) {
      t = v.t();
    } else if (a.get("value_float") instanceof Attr v) {
      t = new TensorData(name, new long[0], TensorData.FLOAT, new float[] {v.f()}, null);
    } else if (a.get("value_floats") instanceof Attr v) {
      t = new TensorData(name, new long[] {v.floats().length}, TensorData.FLOAT, v.floats(), null);
    } else if (a.get("value_int") instanceof Attr v) {
      t = new TensorData(name, new long[0], TensorData.INT64, null, new long[] {v.i()});
    } else if (a.get("value_ints") instanceof Attr v) {
      t = new TensorData(name, new long[] {v.ints().length}, TensorData.INT64, null, v.ints());
    } else {
      throw args.unsupported(n, "a Constant without a tensor, float(s) or int(s) value");
    }
    consts.put(name, t);
  }

  // ---- one case per op type -------------------------------------------------------------------

  private void link(Node n) throws OnnxFormatException {
    if (!NodeArgs.defaultDomain(n)) {
      throw args.unsupported(n, "op domain '" + n.domain() + "' is not the default ONNX domain");
    }
    if (!n.inputs().contains(cur)) {
      throw args.unsupported(
          n,
          "does not take the previous layer's output '"
              + cur
              + "'; only a chain of layers (a Sequential) is imported");
    }
    requireFirst(n);
    try {
      layer(n);
    } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
      // A layer constructor refusing a size or parameter read from the file (a width of 0, a
      // negative rate).
      throw args.bad(n, e.getMessage());
    }
  }

  private void layer(Node n) throws OnnxFormatException {
    switch (n.opType()) {
      case "Gemm" -> gemm(n);
      case "MatMul" -> matMul(n);
      case "Relu" -> activation(n, Activation.RELU, 1);
      case "Tanh" -> activation(n, Activation.TANH, 1);
      case "Softplus" -> activation(n, Activation.SOFTPLUS, 1);
      case "LeakyRelu" ->
          add(
              n,
              1,
              Activation.LEAKY_RELU.layer(NodeArgs.shortest(args.floatAttr(n, "alpha", 0.01f))));
      case "Elu" ->
          add(n, 1, Activation.ELU.layer(NodeArgs.shortest(args.floatAttr(n, "alpha", 1f))));
      case "Sigmoid" -> sigmoidOrSwish(n);
      case "Sign" -> signOrStep(n);
      case "Clip" -> hardTanh(n);
      case "Add" -> piecewise(n);
      case "Div" -> geluOrScaling(n);
      case "Sub" -> scaling(n, 1, 0);
      case "Gelu" -> gelu(n);
      case "Identity" -> identity(n);
      case "Dropout" -> dropout(n);
      case "Softmax", "LogSoftmax" ->
          add(
              n,
              1,
              new Softmax((int) args.intAttr(n, "axis", -1), n.opType().equals("LogSoftmax")));
      case "Flatten" -> flatten(n);
      case "Reshape" -> reshape(n);
      case "BatchNormalization" -> batchNorm(n);
      case "LayerNormalization" -> layerNorm(n);
      case "Conv" -> conv(n);
      case "MaxPool" -> pool(n, n, false, null);
      case "AveragePool" -> pool(n, n, true, null);
      case "Pad" -> padThenAveragePool(n);
      case "GlobalAveragePool" -> {
        requireImages(n);
        add(n, 1, new AdaptiveAvgPool2d(1));
      }
      default ->
          throw args.unsupported(
              n, "op type " + n.opType() + " has no Myelin layer; supported: " + SUPPORTED);
    }
  }

  // y = alpha * A B' + beta * C with A the chain value, B a constant weight, C a constant bias.
  private void gemm(Node n) throws OnnxFormatException {
    requireFirst(n);
    if (args.intAttr(n, "transA", 0) != 0) {
      throw args.unsupported(n, "transA = 1 transposes the batch");
    }
    boolean transB = args.intAttr(n, "transB", 0) != 0;
    TensorData w = args.weight(n, 1, "B");
    TensorData c = n.input(2) == null ? null : args.weight(n, 2, "C");
    float alpha = args.floatAttr(n, "alpha", 1f);
    float beta = args.floatAttr(n, "beta", 1f);
    if (w.dims().length != 2) {
      throw args.bad(n, "weight " + w + " is not 2-D");
    }
    int out = (int) w.dims()[transB ? 0 : 1];
    int in = (int) w.dims()[transB ? 1 : 0];
    float[] weight = transB ? w.floats().clone() : NodeArgs.transpose(w.floats(), in, out);
    NodeArgs.scale(weight, alpha);
    float[] bias = null;
    if (c != null) {
      if (c.numel() != out || c.dims().length > 2 || (c.dims().length == 2 && c.dims()[0] != 1)) {
        throw args.unsupported(n, "bias C " + c + " is not one value per output (" + out + ")");
      }
      bias = c.floats().clone();
      NodeArgs.scale(bias, beta);
    }
    // Maxout as LayerExporter writes it: Gemm -> Reshape [-1, out, k] -> ReduceMax(axes = -1,
    // keepdims = 0).
    Node reshape = peek(1);
    Node reduce = peek(2);
    String z = n.outputs().getFirst();
    if (reshape != null
        && reduce != null
        && reshape.opType().equals("Reshape")
        && z.equals(reshape.input(0))
        && reduce.opType().equals("ReduceMax")
        && reshape.outputs().getFirst().equals(reduce.input(0))) {
      maxout(n, reshape, reduce, in, out, weight, bias);
      return;
    }
    checkIn(n, in, w);
    add(n, 1, linear(in, out, weight, bias));
  }

  private void maxout(
      Node gemm, Node reshape, Node reduce, int in, int rows, float[] weight, float[] bias)
      throws OnnxFormatException {
    long[] target = args.ints(reshape, 1, "shape");
    long[] axes =
        reduce.input(1) != null ? args.ints(reduce, 1, "axes") : args.intsAttr(reduce, "axes");
    if (target.length != 3
        || (target[0] != -1 && target[0] != 0)
        || target[1] < 1
        || target[2] < 1
        || target[1] > rows
        || target[2] > rows
        || target[1] * target[2] != rows) {
      throw args.unsupported(
          reshape,
          "after a Gemm of "
              + rows
              + " outputs only Maxout's reshape [-1, out, k] with out * k = "
              + rows
              + " is imported, got "
              + Arrays.toString(target));
    }
    if (axes.length != 1
        || (axes[0] != -1 && axes[0] != 2)
        || args.intAttr(reduce, "keepdims", 1) != 0) {
      throw args.unsupported(
          reduce,
          "Maxout reduces the last axis without keepdims, got axes " + Arrays.toString(axes));
    }
    if (bias == null) {
      throw args.unsupported(gemm, "a Maxout's linear map has a bias");
    }
    checkIn(gemm, in, args.weight(gemm, 1, "B"));
    Maxout m = new Maxout(in, (int) target[1], (int) target[2], new Generator(0));
    assign(m.linear().weight(), weight);
    assign(m.linear().bias(), bias);
    add(reduce, 3, m);
  }

  // torch writes Linear on inputs of rank > 2 (and some exporters on any) as MatMul(x, W^T) +
  // Add(b).
  private void matMul(Node n) throws OnnxFormatException {
    requireFirst(n);
    TensorData w = args.weight(n, 1, "B");
    if (w.dims().length != 2) {
      throw args.unsupported(n, "weight " + w + " is not 2-D");
    }
    int in = (int) w.dims()[0];
    int out = (int) w.dims()[1];
    checkIn(n, in, w);
    float[] weight = NodeArgs.transpose(w.floats(), in, out);
    Node add = peek(1);
    String y = n.outputs().getFirst();
    if (add != null
        && add.opType().equals("Add")
        && add.inputs().size() == 2
        && add.inputs().contains(y)) {
      String other = add.inputs().get(add.inputs().get(0).equals(y) ? 1 : 0);
      TensorData b = consts.get(other);
      if (b != null && b.floats() != null && b.numel() == out && b.dims().length <= 1) {
        add(add, 2, linear(in, out, weight, b.floats().clone()));
        return;
      }
    }
    add(n, 1, linear(in, out, weight, null));
  }

  private void activation(Node n, Activation kind, int consumed) throws OnnxFormatException {
    requireFirst(n);
    add(nodes.get(at + consumed - 1), consumed, kind.layer());
  }

  // x * sigmoid(x): Sigmoid(x) -> s, Mul(x, s) in either order (Myelin's Swish, torch's SiLU).
  private void sigmoidOrSwish(Node n) throws OnnxFormatException {
    Node mul = peek(1);
    String s = n.outputs().getFirst();
    if (mul != null
        && mul.opType().equals("Mul")
        && mul.inputs().size() == 2
        && mul.inputs().contains(s)
        && mul.inputs().contains(cur)) {
      activation(n, Activation.SWISH, 2);
    } else {
      activation(n, Activation.SIGMOID, 1);
    }
  }

  // Heaviside with 0.5 at 0: (Sign(x) + 1) * 0.5 as LayerExporter writes it.
  private void signOrStep(Node n) throws OnnxFormatException {
    Node plus = peek(1);
    Node half = peek(2);
    if (plus != null
        && half != null
        && plus.opType().equals("Add")
        && half.opType().equals("Mul")
        && args.isScalar(NodeArgs.otherInput(plus, n.outputs().getFirst()), 1)
        && args.isScalar(NodeArgs.otherInput(half, plus.outputs().getFirst()), 0.5)) {
      activation(n, Activation.STEP, 3);
    } else {
      activation(n, Activation.SIGN, 1);
    }
  }

  private void hardTanh(Node n) throws OnnxFormatException {
    requireFirst(n);
    if (args.isScalar(n.input(1), -1) && args.isScalar(n.input(2), 1)) {
      activation(n, Activation.HARDTANH, 1);
      return;
    }
    throw args.unsupported(n, "only Clip(x, -1, 1) (HardTanh) has a Myelin layer");
  }

  // clamp(x + 1/2, 0, 1).
  private void piecewise(Node n) throws OnnxFormatException {
    Node clip = peek(1);
    if (args.isScalar(NodeArgs.otherInput(n, cur), 0.5)
        && clip != null
        && clip.opType().equals("Clip")
        && n.outputs().getFirst().equals(clip.input(0))
        && args.isScalar(clip.input(1), 0)
        && args.isScalar(clip.input(2), 1)) {
      activation(n, Activation.PIECEWISE, 2);
      return;
    }
    throw args.unsupported(
        n,
        "an Add is imported only as part of the piecewise-linear activation clip(x + 0.5, 0, 1)");
  }

  // GELU 0.5 x (1 + erf(x / sqrt 2)) in either multiplication order: Div, Erf, Add, Mul, Mul. A Div
  // by any other scalar is input scaling.
  private void geluOrScaling(Node n) throws OnnxFormatException {
    requireFirst(n);
    Node erf = peek(1);
    if (erf != null && erf.opType().equals("Erf") && args.isScalar(n.input(1), Math.sqrt(2))) {
      Node plus = peek(2);
      Node m1 = peek(3);
      Node m2 = peek(4);
      String e = erf.outputs().getFirst();
      if (n.outputs().getFirst().equals(erf.input(0))
          && plus != null
          && m1 != null
          && m2 != null
          && plus.opType().equals("Add")
          && args.isScalar(NodeArgs.otherInput(plus, e), 1)
          && m1.opType().equals("Mul")
          && m2.opType().equals("Mul")
          && m1.inputs().size() == 2
          && m2.inputs().size() == 2
          && m2.inputs().contains(m1.outputs().getFirst())) {
        List<String> leaves = new ArrayList<>(m1.inputs());
        leaves.add(NodeArgs.otherInput(m2, m1.outputs().getFirst()));
        String onePlus = plus.outputs().getFirst();
        if (leaves.remove(cur)
            && leaves.remove(onePlus)
            && leaves.size() == 1
            && args.isScalar(leaves.getFirst(), 0.5)) {
          activation(n, Activation.GELU, 5);
          return;
        }
      }
      throw args.unsupported(
          n, "Div by sqrt(2) then Erf is imported only as exact GELU 0.5 x (1 + erf(x / sqrt 2))");
    }
    TensorData d = consts.get(n.input(1));
    if (d == null || d.floats() == null || d.numel() != 1) {
      throw args.unsupported(
          n, "a Div is imported only as input scaling by a constant scalar, or within GELU");
    }
    Node sub = peek(1);
    double divisor = d.floats()[0];
    if (sub != null && sub.opType().equals("Sub") && n.outputs().getFirst().equals(sub.input(0))) {
      scaling(sub, divisor, 1);
    } else {
      add(n, 1, scalingLayer(n, divisor, null, null));
    }
  }

  // (x - mean) / std per feature, after `consumed` nodes of division already matched.
  private void scaling(Node sub, double divisor, int consumed) throws OnnxFormatException {
    Node div = peek(consumed + 1);
    TensorData mean = consts.get(sub.input(1));
    TensorData std = div == null ? null : consts.get(div.input(1));
    if (div == null
        || !div.opType().equals("Div")
        || !sub.outputs().getFirst().equals(div.input(0))
        || mean == null
        || std == null
        || mean.floats() == null
        || std.floats() == null
        || mean.dims().length != 1
        || !Arrays.equals(mean.dims(), std.dims())) {
      throw args.unsupported(
          sub,
          "a Sub is imported only as standardisation (x - mean) / std with constant"
              + " one-dimensional mean and std");
    }
    add(div, consumed + 2, scalingLayer(div, divisor, mean.floats().clone(), std.floats().clone()));
  }

  private FeatureScaling scalingLayer(Node n, double divisor, float[] mean, float[] std)
      throws OnnxFormatException {
    try {
      return new FeatureScaling(divisor, mean, std);
    } catch (IllegalArgumentException e) {
      throw args.unsupported(n, e.getMessage());
    }
  }

  private void gelu(Node n) throws OnnxFormatException {
    Attr a = n.attributes().get("approximate");
    if (a != null && a.s() != null && !a.s().equals("none")) {
      throw args.unsupported(n, "approximate = " + a.s() + "; Myelin's GELU is the exact one");
    }
    activation(n, Activation.GELU, 1);
  }

  // The final Identity LayerExporter adds to name the output is dropped; any other is a layer.
  private void identity(Node n) throws OnnxFormatException {
    if (at == nodes.size() - 1 && n.outputs().getFirst().equals(output)) {
      cur = output;
      at++;
      return;
    }
    activation(n, Activation.IDENTITY, 1);
  }

  private void dropout(Node n) throws OnnxFormatException {
    requireFirst(n);
    double p = 0.5;
    if (n.input(1) != null) {
      TensorData r = consts.get(n.input(1));
      if (r == null || r.floats() == null || r.numel() != 1) {
        throw args.unsupported(n, "the ratio is not a constant scalar");
      }
      p = NodeArgs.shortest(r.floats()[0]);
    }
    if (n.input(2) != null) {
      TensorData t = consts.get(n.input(2));
      if (t == null || t.longs() == null || t.numel() != 1 || t.longs()[0] != 0) {
        throw args.unsupported(n, "training_mode is not the constant false");
      }
    }
    try {
      add(
          n,
          1,
          "1".equals(model.metadata().get(DROPOUT2D + n.name()))
              ? new Dropout2d(p)
              : new Dropout(p));
    } catch (IllegalArgumentException e) {
      throw args.unsupported(n, e.getMessage());
    }
  }

  private void flatten(Node n) throws OnnxFormatException {
    long axis = args.intAttr(n, "axis", 1);
    int rank = example.rank();
    if (axis < 0) {
      axis += rank;
    }
    if (axis != 1) {
      throw args.unsupported(
          n,
          "axis "
              + args.intAttr(n, "axis", 1)
              + " of a rank-"
              + rank
              + " input merges the batch dimension; only axis 1 (nn.Flatten) is imported");
    }
    add(n, 1, new Flatten());
  }

  // A Reshape to [-1, rest] or [0, rest] (rest the product of the other dims, or -1) is a flatten.
  private void reshape(Node n) throws OnnxFormatException {
    requireFirst(n);
    long[] t = args.ints(n, 1, "shape");
    long rest = example.numel();
    if (example.rank() == 2
        && t.length >= 3
        && (t[0] == -1 || t[0] == 0)
        && args.intAttr(n, "allowzero", 0) == 0) {
      viewRows(n, t);
      return;
    }
    boolean flat =
        t.length == 2
            && args.intAttr(n, "allowzero", 0) == 0
            && ((t[0] == -1 && t[1] == rest) || (t[0] == 0 && (t[1] == -1 || t[1] == rest)));
    if (!flat) {
      throw args.unsupported(
          n,
          "only a flatten to [-1, "
              + rest
              + "] is imported, got shape "
              + Arrays.toString(t)
              + " for input "
              + Arrays.toString(example.shape()));
    }
    add(n, 1, new Flatten());
  }

  // Flat rows [N, F] viewed as [N, C, H, W] (or any rank): Sequential.viewingInputAs, once, before
  // any layer but input scaling.
  private void viewRows(Node n, long[] t) throws OnnxFormatException {
    boolean onlyScaling = layers.stream().allMatch(l -> l instanceof FeatureScaling);
    long product = 1;
    int[] shape = new int[t.length - 1];
    for (int d = 1; d < t.length; d++) {
      if (t[d] < 1 || t[d] > MAX_INPUT_ELEMENTS) {
        throw args.unsupported(
            n,
            "a reshape of flat rows is imported only to fixed positive sizes, got "
                + Arrays.toString(t));
      }
      product *= t[d];
      shape[d - 1] = (int) t[d];
    }
    if (view != null || !onlyScaling || product != example.numel()) {
      throw args.unsupported(
          n,
          "a reshape of flat rows to "
              + Arrays.toString(t)
              + " is imported only once, at the"
              + " input (after input scaling), to "
              + example.numel()
              + " values per row; input "
              + Arrays.toString(example.shape()));
    }
    view = shape;
    viewAt = layers.size();
    int[] full = new int[t.length];
    full[0] = example.shape()[0];
    System.arraycopy(shape, 0, full, 1, shape.length);
    example = example.view(full);
    cur = n.outputs().getFirst();
    at++;
  }

  private void requireImages(Node n) throws OnnxFormatException {
    if (example.rank() != 4) {
      throw args.unsupported(
          n,
          "input of rank "
              + example.rank()
              + " (shape "
              + Arrays.toString(example.shape())
              + "); only 2-D images [N, C, H, W] are imported");
    }
  }

  /** A 2-element attribute (H, W), {@code def} for both when absent. */
  private int[] pair(Node n, String name, int def) throws OnnxFormatException {
    long[] v = args.intsAttr(n, name);
    if (v.length == 0) {
      return new int[] {def, def};
    }
    if (v.length != 2
        || v[0] < 0
        || v[1] < 0
        || v[0] > Integer.MAX_VALUE
        || v[1] > Integer.MAX_VALUE) {
      throw args.unsupported(
          n, name + " " + Arrays.toString(v) + " is not two non-negative sizes (2-D images)");
    }
    return new int[] {(int) v[0], (int) v[1]};
  }

  // pads [top, left, bottom, right]: Myelin's layers pad both sides alike.
  private int[] symmetricPads(Node n) throws OnnxFormatException {
    Attr auto = args.attribute(n, "auto_pad", Attr.STRING);
    if (auto != null && !auto.s().equals("NOTSET") && !auto.s().equals("VALID")) {
      throw args.unsupported(
          n, "auto_pad " + auto.s() + "; only explicit pads (NOTSET) or VALID are imported");
    }
    long[] p = args.intsAttr(n, "pads");
    if (p.length == 0 || (auto != null && auto.s().equals("VALID"))) {
      return new int[] {0, 0};
    }
    if (p.length != 4
        || p[0] != p[2]
        || p[1] != p[3]
        || p[0] < 0
        || p[1] < 0
        || p[0] > Integer.MAX_VALUE
        || p[1] > Integer.MAX_VALUE) {
      throw args.unsupported(
          n,
          "pads "
              + Arrays.toString(p)
              + "; only the same padding before and after"
              + " (PyTorch's padding) on 2-D images is imported");
    }
    return new int[] {(int) p[0], (int) p[1]};
  }

  private void conv(Node n) throws OnnxFormatException {
    requireImages(n);
    TensorData w = args.weight(n, 1, "W");
    if (w.dims().length != 4) {
      throw args.unsupported(
          n, "weight " + w + " is not [out, in / group, kH, kW] (2-D convolution)");
    }
    int out = (int) w.dims()[0];
    int[] kernel = {(int) w.dims()[2], (int) w.dims()[3]};
    int[] ks = pair(n, "kernel_shape", -1);
    if (ks[0] != -1 && (ks[0] != kernel[0] || ks[1] != kernel[1])) {
      throw args.bad(n, "kernel_shape " + Arrays.toString(ks) + " does not match the weight " + w);
    }
    long group = args.intAttr(n, "group", 1);
    int c = example.shape()[1];
    if (group < 1 || group > c || w.dims()[1] * group != c) {
      throw args.bad(
          n,
          "weight " + w + " with group " + group + " does not take the input's " + c + " channels");
    }
    float[] bias = null;
    if (n.input(2) != null) {
      TensorData b = args.weight(n, 2, "B");
      if (b.numel() != out || b.dims().length != 1) {
        throw args.bad(n, "bias " + b + " is not one value per output channel (" + out + ")");
      }
      bias = b.floats();
    }
    Conv2d conv =
        new Conv2d(
            c,
            out,
            kernel,
            pair(n, "strides", 1),
            symmetricPads(n),
            pair(n, "dilations", 1),
            (int) group,
            bias != null,
            new Generator(0));
    assign(conv.weight(), w.floats());
    if (bias != null) {
      assign(conv.bias(), bias);
    }
    add(n, 1, conv);
  }

  // MaxPool / AveragePool -> MaxPool2d / AvgPool2d. ONNX's strides default to 1 (PyTorch's to the
  // kernel) and its count_include_pad to 0; both are read as written. PyTorch's ceil_mode drops a
  // last window starting in the right padding, ONNX's keeps it: where that changes the size the
  // node is refused.
  // torch.onnx.export writes AvgPool2d(count_include_pad=True) as Pad(zeros) + AveragePool(pads 0):
  // the pair is one AvgPool2d with the Pad's (symmetric, spatial) padding counted.
  private void padThenAveragePool(Node pad) throws OnnxFormatException {
    requireImages(pad);
    Node pool = peek(1);
    Attr mode = args.attribute(pad, "mode", Attr.STRING);
    long[] p = args.ints(pad, 1, "pads");
    if (pool == null
        || !pool.opType().equals("AveragePool")
        || !pad.outputs().getFirst().equals(pool.input(0))
        || (mode != null && !mode.s().equals("constant"))
        || (pad.input(2) != null && !args.isScalar(pad.input(2), 0))
        || pad.input(3) != null
        || p.length != 8
        || p[0] != 0
        || p[1] != 0
        || p[4] != 0
        || p[5] != 0
        || p[2] != p[6]
        || p[3] != p[7]
        || p[2] < 0
        || p[3] < 0
        || p[2] > Integer.MAX_VALUE
        || p[3] > Integer.MAX_VALUE) {
      throw args.unsupported(
          pad,
          "a Pad is imported only as the same zero padding of H and W before and after,"
              + " followed by an AveragePool (torch's form of count_include_pad), got pads "
              + Arrays.toString(p));
    }
    if (!Arrays.equals(symmetricPads(pool), new int[] {0, 0})) {
      throw args.unsupported(pool, "pads of its own after a Pad; only one of them is imported");
    }
    pool(pad, pool, true, new int[] {(int) p[2], (int) p[3]});
  }

  /**
   * {@code first} .. {@code n} (one node, or a Pad and the pool) become one pooling layer; {@code
   * padOverride} is the Pad's padding, counted in the average.
   */
  private void pool(Node first, Node n, boolean average, int[] padOverride)
      throws OnnxFormatException {
    requireImages(n);
    if (n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
      throw args.unsupported(n, "the Indices output has no Myelin layer");
    }
    int[] kernel = pair(n, "kernel_shape", -1);
    if (kernel[0] < 1 || kernel[1] < 1) {
      throw args.bad(n, "kernel_shape " + Arrays.toString(kernel) + " is not two positive sizes");
    }
    int[] dil = pair(n, "dilations", 1);
    if (dil[0] != 1 || dil[1] != 1) {
      throw args.unsupported(
          n, "dilations " + Arrays.toString(dil) + "; Myelin's pooling has no dilation");
    }
    if (args.intAttr(n, "storage_order", 0) != 0) {
      throw args.unsupported(n, "storage_order 1 (column-major indices)");
    }
    int[] stride = pair(n, "strides", 1);
    int[] pads = padOverride != null ? padOverride : symmetricPads(n);
    boolean ceil = args.intAttr(n, "ceil_mode", 0) != 0;
    if (ceil) {
      int[] s = example.shape();
      for (int d = 0; d < 2; d++) {
        int span = s[2 + d] + 2 * pads[d] - kernel[d];
        int onnxCeil = Math.floorDiv(span + stride[d] - 1, stride[d]) + 1;
        if (stride[d] > 0 && (onnxCeil - 1) * stride[d] >= s[2 + d] + pads[d]) {
          throw args.unsupported(
              n,
              "ceil_mode 1 puts the last window in the right padding for input "
                  + Arrays.toString(s)
                  + "; PyTorch's (Myelin's) ceil_mode drops it, ONNX keeps it");
        }
      }
    }
    boolean countPad =
        average && (padOverride != null || args.intAttr(n, "count_include_pad", 0) != 0);
    if (ceil && countPad && LayerExporter.ceilAddsWindow(kernel, stride, pads, example)) {
      throw args.unsupported(
          n,
          "ceil_mode 1 with count_include_pad 1 adds a window reaching past the padding"
              + " for input "
              + Arrays.toString(example.shape())
              + ", which ONNX Runtime divides by the whole kernel"
              + " and PyTorch (Myelin) by its part inside the padded input");
    }
    Layer layer =
        average
            ? new AvgPool2d(kernel, stride, pads, ceil, countPad)
            : new MaxPool2d(kernel, stride, pads, ceil);
    add(n, first == n ? 1 : 2, layer);
  }

  private void batchNorm(Node n) throws OnnxFormatException {
    requireFirst(n);
    if (args.intAttr(n, "training_mode", 0) != 0) {
      throw args.unsupported(
          n, "training_mode = 1; the inference form (running statistics) is imported");
    }
    int rank = example.rank();
    if (rank < 2 || rank > 4) {
      throw args.unsupported(
          n, "input of rank " + rank + "; BatchNorm1d takes rank 2 or 3, BatchNorm2d rank 4");
    }
    int c = example.shape()[1];
    float[][] v = new float[4][];
    String[] what = {"scale", "B", "input_mean", "input_var"};
    for (int k = 0; k < 4; k++) {
      TensorData t = args.weight(n, k + 1, what[k]);
      if (t.numel() != c || t.dims().length != 1) {
        throw args.bad(n, what[k] + " " + t + " is not one value per channel (" + c + ")");
      }
      v[k] = t.floats();
    }
    double eps = NodeArgs.shortest(args.floatAttr(n, "epsilon", 1e-5f));
    // ONNX keeps 1 - PyTorch's momentum; in decimal so that 0.9f gives back 0.1.
    double momentum =
        java.math.BigDecimal.ONE
            .subtract(new java.math.BigDecimal(Float.toString(args.floatAttr(n, "momentum", 0.9f))))
            .doubleValue();
    BatchNorm bn;
    try {
      bn =
          rank == 4
              ? new BatchNorm2d(c, eps, momentum, true, true)
              : new BatchNorm1d(c, eps, momentum, true, true);
    } catch (IllegalArgumentException e) {
      throw args.unsupported(n, e.getMessage());
    }
    assign(bn.weight(), v[0]);
    assign(bn.bias(), v[1]);
    assign(bn.runningMean(), v[2]);
    assign(bn.runningVar(), v[3]);
    String count = model.metadata().get(BATCHES_TRACKED + n.name());
    if (count != null) {
      int batches;
      try {
        batches = Integer.parseInt(count);
      } catch (NumberFormatException e) {
        batches = -1;
      }
      if (batches < 0) {
        throw args.bad(
            n,
            "metadata " + BATCHES_TRACKED + n.name() + " = '" + count + "' is not a batch count");
      }
      try (var ignored = Autograd.noGrad()) {
        bn.numBatchesTracked().fill(batches);
      }
    }
    add(n, 1, bn);
  }

  private void layerNorm(Node n) throws OnnxFormatException {
    requireFirst(n);
    int rank = example.rank();
    long axis = args.intAttr(n, "axis", -1);
    if (axis < 0) {
      axis += rank;
    }
    if (axis < 1 || axis >= rank) {
      throw args.unsupported(
          n,
          "axis "
              + args.intAttr(n, "axis", -1)
              + " of a rank-"
              + rank
              + " input; normalising over the batch dimension has no Myelin layer");
    }
    int[] shape = Arrays.copyOfRange(example.shape(), (int) axis, rank);
    TensorData scale = args.weight(n, 1, "Scale");
    if (!Arrays.equals(scale.shape(), shape)) {
      throw args.bad(
          n, "Scale " + scale + " is not of the normalised shape " + Arrays.toString(shape));
    }
    float[] bias = new float[scale.numel()];
    if (n.input(2) != null) {
      TensorData b = args.weight(n, 2, "B");
      if (!Arrays.equals(b.shape(), shape)) {
        throw args.bad(n, "B " + b + " is not of the normalised shape " + Arrays.toString(shape));
      }
      bias = b.floats();
    }
    LayerNorm ln;
    try {
      ln = new LayerNorm(shape, NodeArgs.shortest(args.floatAttr(n, "epsilon", 1e-5f)), true);
    } catch (IllegalArgumentException e) {
      throw args.unsupported(n, e.getMessage());
    }
    assign(ln.weight(), scale.floats());
    assign(ln.bias(), bias);
    add(n, 1, ln);
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Appends {@code layer}, which stands for {@code consumed} nodes ending in {@code last}. */
  private void add(Node last, int consumed, Layer layer) throws OnnxFormatException {
    Tensor next;
    try (var ignored = Autograd.noGrad()) {
      layer.eval();
      next = layer.forward(example);
      layer.train();
    } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
      throw args.bad(
          last,
          layer
              + " does not fit its input of shape "
              + Arrays.toString(example.shape())
              + ": "
              + e.getMessage());
    }
    if (next != example) {
      example.close();
    }
    example = next;
    layers.add(layer);
    cur = last.outputs().getFirst();
    at += consumed;
  }

  private Linear linear(int in, int out, float[] weight, float[] bias) {
    Linear l = new Linear(in, out, bias != null, new Generator(0));
    assign(l.weight(), weight);
    if (bias != null) {
      assign(l.bias(), bias);
    }
    return l;
  }

  private static void assign(Tensor to, float[] values) {
    try (var ignored = Autograd.noGrad();
        Tensor v = Tensor.of(values, to.shape())) {
      to.assign(v);
    }
  }

  private void checkIn(Node n, int in, TensorData w) throws OnnxFormatException {
    int[] s = example.shape();
    if (s[s.length - 1] != in) {
      throw args.bad(
          n,
          "weight " + w + " takes " + in + " features, the input has shape " + Arrays.toString(s));
    }
  }

  private void requireFirst(Node n) throws OnnxFormatException {
    if (!cur.equals(n.input(0))) {
      throw args.unsupported(
          n,
          "takes the previous layer's output '"
              + cur
              + "' as input "
              + n.inputs().indexOf(cur)
              + ", not as its first input");
    }
  }

  private Node peek(int k) {
    return at + k < nodes.size() ? nodes.get(at + k) : null;
  }
}
