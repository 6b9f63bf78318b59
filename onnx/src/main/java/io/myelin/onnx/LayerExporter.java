package io.myelin.onnx;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.AdaptiveAvgPool2d;
import io.myelin.nn.AvgPool2d;
import io.myelin.nn.BatchNorm;
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
import io.myelin.onnx.OnnxGraph.Attr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Maps each layer kind to ONNX nodes: one case of {@link #layer} per kind, so a new layer is one
 * more case. Each case gets the name of its input value and returns the name of its output. The
 * example tensor is run through the Myelin module alongside, so a case knows its input and output
 * shapes (Flatten needs them).
 */
final class LayerExporter {
  private final OnnxGraph graph;

  LayerExporter(OnnxGraph graph) {
    this.graph = graph;
  }

  /**
   * Appends {@code module}'s nodes; {@code path} names it in errors ({@code "2"} for a Sequential's
   * third).
   */
  String export(Layer module, String path, String input, Tensor example) {
    if (module instanceof Sequential seq) {
      String value = input;
      Tensor x = example;
      int[] view = seq.inputView();
      if (view != null && example.rank() == 2) {
        // The CLI's CNNs view flat [N, H W] rows as images: a Reshape [-1, view...], so the ONNX
        // model takes the same rows as `myelin predict` (GraphImporter reads it back as the view).
        long[] target = new long[view.length + 1];
        target[0] = -1;
        int[] shape = new int[view.length + 1];
        shape[0] = example.shape()[0];
        for (int d = 0; d < view.length; d++) {
          target[d + 1] = view[d];
          shape[d + 1] = view[d];
        }
        value = graph.node("Reshape", List.of(value, graph.int64s("shape", target)));
        x = example.view(shape);
      }
      for (int i = 0; i < seq.size(); i++) {
        Layer child = seq.get(i);
        String childPath = path.isEmpty() ? Integer.toString(i) : path + "." + i;
        value = export(child, childPath, value, x);
        Tensor y;
        try (var ignored = Autograd.noGrad()) {
          y = child.forward(x);
        }
        x = y;
      }
      return value;
    }
    return layer(module, path, input, example);
  }

  private String layer(Layer m, String path, String in, Tensor example) {
    return switch (m) {
      case Linear l -> linear(l, in);
      case ActivationLayer a -> activation(a, path, in);
      // The identity in inference; kept as a node so that import gives the same layers (and names).
      case Dropout d -> graph.node("Dropout", List.of(in, graph.scalar("ratio", d.p())));
      case FeatureScaling fs -> featureScaling(fs, in);
      case Softmax s ->
          graph.node(s.isLog() ? "LogSoftmax" : "Softmax", in, Attr.i("axis", s.dim()));
      case Flatten f -> reshapeTo(f, in, example);
      case BatchNorm bn -> batchNorm(bn, path, in);
      case LayerNorm ln -> layerNorm(ln, in);
      case Maxout mo -> maxout(mo, in);
      // The identity in inference, as Dropout; the ratio is all the state it has.
      case Dropout2d d -> {
        String out = graph.node("Dropout", List.of(in, graph.scalar("ratio", d.p())));
        // Whole-channel dropout has no operator of its own (it is the identity in inference too):
        // metadata tells GraphImporter to give back a Dropout2d.
        graph.metadata(GraphImporter.DROPOUT2D + out, "1");
        yield out;
      }
      case Conv2d c -> conv(c, in);
      case MaxPool2d p ->
          graph.node(
              "MaxPool",
              in,
              poolAttrs(p, path, p.kernelSize(), p.stride(), p.padding(), p.ceilMode(), example));
      case AvgPool2d p -> averagePool(p, path, in, example);
      case AdaptiveAvgPool2d p -> globalAveragePool(p, path, in);
      default -> throw unsupported(m, path);
    };
  }

  static UnsupportedLayerException unsupported(Layer m, String path) {
    return new UnsupportedLayerException(
        "layer '"
            + (path.isEmpty() ? "<root>" : path)
            + "' ("
            + m.getClass().getSimpleName()
            + ": "
            + m
            + ") has no ONNX form in this exporter");
  }

  // y = x W^T + b: Gemm with transB = 1 keeps the weight in PyTorch's [out, in] layout.
  private String linear(Linear l, String in) {
    Tensor w = l.weight();
    String wName = graph.constant("weight", w.toFloatArray(), w.shape()[0], w.shape()[1]);
    List<String> inputs = new ArrayList<>(List.of(in, wName));
    if (l.bias() != null) {
      Tensor b = l.bias();
      inputs.add(graph.constant("bias", b.toFloatArray(), b.shape()[0]));
    }
    return graph.node("Gemm", inputs, Attr.i("transB", 1));
  }

  // Conv: weight [out, in / groups, kH, kW] and bias [out] as initializers; PyTorch's symmetric
  // padding is ONNX's pads [top, left, bottom, right].
  private String conv(Conv2d c, String in) {
    Tensor w = c.weight();
    int[] ws = w.shape();
    List<String> inputs =
        new ArrayList<>(
            List.of(
                in, graph.constant("conv_weight", w.toFloatArray(), ws[0], ws[1], ws[2], ws[3])));
    if (c.bias() != null) {
      inputs.add(graph.constant("conv_bias", c.bias().toFloatArray(), ws[0]));
    }
    int[] k = c.kernelSize();
    int[] s = c.stride();
    int[] p = c.padding();
    int[] d = c.dilation();
    return graph.node(
        "Conv",
        inputs,
        Attr.ints("kernel_shape", k[0], k[1]),
        Attr.ints("strides", s[0], s[1]),
        Attr.ints("pads", p[0], p[1], p[0], p[1]),
        Attr.ints("dilations", d[0], d[1]),
        Attr.i("group", c.groups()));
  }

  // count_include_pad is always written: PyTorch's default is 1, ONNX's 0.
  private String averagePool(AvgPool2d p, String path, String in, Tensor example) {
    if (p.ceilMode()
        && p.countIncludePad()
        && ceilAddsWindow(p.kernelSize(), p.stride(), p.padding(), example)) {
      throw new UnsupportedLayerException(
          "layer '"
              + (path.isEmpty() ? "<root>" : path)
              + "' ("
              + p
              + "): with ceil_mode and count_include_pad the last window reaches past the padding for input "
              + Arrays.toString(example.shape())
              + "; PyTorch divides it by the window's part inside the padded"
              + " input, ONNX Runtime by the whole kernel: no ONNX form (use count_include_pad=false or ceil_mode=false)");
    }
    Attr[] pool =
        poolAttrs(p, path, p.kernelSize(), p.stride(), p.padding(), p.ceilMode(), example);
    Attr[] attrs = Arrays.copyOf(pool, pool.length + 1);
    attrs[pool.length] = Attr.i("count_include_pad", p.countIncludePad() ? 1 : 0);
    return graph.node("AveragePool", in, attrs);
  }

  /**
   * kernel_shape, strides, pads, ceil_mode. PyTorch's ceil_mode drops a last window that would
   * start in the right padding; ONNX's ceil_mode (opset 17) keeps it. Where the two output sizes
   * agree for the example's image size the flag is written as the layer has it; where they differ
   * the layer is refused.
   */
  private Attr[] poolAttrs(
      Layer m, String path, int[] k, int[] s, int[] p, boolean ceil, Tensor example) {
    if (ceil) {
      int[] shape = example.shape();
      for (int d = 0; d < 2; d++) {
        int span = shape[shape.length - 2 + d] + 2 * p[d] - k[d];
        int onnxCeil = Math.floorDiv(span + s[d] - 1, s[d]) + 1;
        int torch = onnxCeil;
        if ((torch - 1) * s[d] >= shape[shape.length - 2 + d] + p[d]) {
          torch--;
        }
        if (torch != onnxCeil) {
          throw new UnsupportedLayerException(
              "layer '"
                  + (path.isEmpty() ? "<root>" : path)
                  + "' ("
                  + m
                  + "): with ceil_mode its last window would start in the right padding for input "
                  + Arrays.toString(shape)
                  + "; PyTorch drops that window, ONNX's ceil_mode keeps it: no ONNX form"
                  + " (use ceil_mode=false or padding that fits)");
        }
      }
    }
    return new Attr[] {
      Attr.ints("kernel_shape", k[0], k[1]),
      Attr.ints("strides", s[0], s[1]),
      Attr.ints("pads", p[0], p[1], p[0], p[1]),
      Attr.i("ceil_mode", ceil ? 1 : 0)
    };
  }

  /** Whether ceil_mode gives more windows than the floor for the example's image size. */
  static boolean ceilAddsWindow(int[] k, int[] s, int[] p, Tensor example) {
    int[] shape = example.shape();
    for (int d = 0; d < 2; d++) {
      int span = shape[shape.length - 2 + d] + 2 * p[d] - k[d];
      if (span % s[d] != 0) {
        return true;
      }
    }
    return false;
  }

  // Only the 1x1 adaptive pool is global average pooling; other sizes have no ONNX operator.
  private String globalAveragePool(AdaptiveAvgPool2d p, String path, String in) {
    int[] size = p.outputSize();
    if (size[0] != 1 || size[1] != 1) {
      throw new UnsupportedLayerException(
          "layer '"
              + (path.isEmpty() ? "<root>" : path)
              + "' ("
              + p
              + "): only an adaptive average pool to 1x1 has an ONNX form (GlobalAveragePool)");
    }
    return graph.node("GlobalAveragePool", in);
  }

  // Inference form: running statistics (a BatchNorm without them normalises by the batch even in
  // eval mode, which BatchNormalization cannot express). Works for [N, C] and [N, C, H, W].
  private String batchNorm(BatchNorm bn, String path, String in) {
    if (!bn.trackRunningStats()) {
      throw new UnsupportedLayerException(
          "layer '"
              + path
              + "' ("
              + bn
              + "): without running statistics it uses batch statistics in eval mode; no ONNX BatchNormalization form");
    }
    int c = bn.numFeatures();
    float[] ones = new float[c];
    java.util.Arrays.fill(ones, 1f);
    String scale = graph.constant("bn_scale", bn.affine() ? bn.weight().toFloatArray() : ones, c);
    String bias =
        graph.constant("bn_bias", bn.affine() ? bn.bias().toFloatArray() : new float[c], c);
    String mean = graph.constant("bn_mean", bn.runningMean().toFloatArray(), c);
    String var = graph.constant("bn_var", bn.runningVar().toFloatArray(), c);
    // ONNX's momentum is PyTorch's 1 - momentum (the weight of the running value); inference
    // ignores it.
    String out =
        graph.node(
            "BatchNormalization",
            List.of(in, scale, bias, mean, var),
            Attr.f("epsilon", bn.eps()),
            Attr.f("momentum", 1 - bn.momentum()));
    // The batch count is state (PyTorch's state_dict has it) with no operator input: kept as
    // metadata.
    graph.metadata(
        GraphImporter.BATCHES_TRACKED + out, Long.toString((long) bn.numBatchesTracked().item()));
    return out;
  }

  // LayerNormalization (opset 17) over the trailing normalizedShape dimensions; Scale is required,
  // so a LayerNorm without affine parameters gets ones (and no bias).
  private String layerNorm(LayerNorm ln, String in) {
    int[] shape = ln.normalizedShape();
    long[] dims = java.util.Arrays.stream(shape).asLongStream().toArray();
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    float[] ones = new float[n];
    java.util.Arrays.fill(ones, 1f);
    List<String> inputs =
        new ArrayList<>(
            List.of(
                in,
                graph.constant(
                    "ln_scale", ln.weight() != null ? ln.weight().toFloatArray() : ones, dims)));
    if (ln.bias() != null) {
      inputs.add(graph.constant("ln_bias", ln.bias().toFloatArray(), dims));
    }
    return graph.node(
        "LayerNormalization", inputs, Attr.i("axis", -shape.length), Attr.f("epsilon", ln.eps()));
  }

  // z = Linear(x) as [N, out * k] -> Reshape [-1, out, k] -> ReduceMax over the last axis (axes is
  // an attribute up to opset 17).
  private String maxout(Maxout mo, String in) {
    String z = linear(mo.linear(), in);
    int k = mo.pieces();
    int out = mo.linear().outFeatures() / k;
    String grouped = graph.node("Reshape", List.of(z, graph.int64s("shape", -1, out, k)));
    return graph.node("ReduceMax", grouped, Attr.ints("axes", -1), Attr.i("keepdims", 0));
  }

  // x / divisor, then (x - mean) / std: Div, Sub, Div as GraphImporter reads them back.
  private String featureScaling(FeatureScaling fs, String in) {
    String x = in;
    if (fs.divisor() != 1) {
      x = graph.node("Div", List.of(x, graph.scalar("divisor", fs.divisor())));
    }
    if (fs.mean() != null) {
      int n = fs.mean().shape()[0];
      x = graph.node("Sub", List.of(x, graph.constant("mean", fs.mean().toFloatArray(), n)));
      x = graph.node("Div", List.of(x, graph.constant("std", fs.std().toFloatArray(), n)));
    }
    return x;
  }

  // Flatten keeps the batch dimension (a flatten over it would not have a dynamic batch):
  // Reshape to [-1, output dims after the first].
  private String reshapeTo(Flatten f, String in, Tensor example) {
    int[] out;
    try (var ignored = Autograd.noGrad()) {
      out = f.forward(example).shape();
    }
    if (out.length == 0 || out[0] != example.shape()[0]) {
      throw new UnsupportedLayerException(
          f
              + ": flattening the batch dimension has no dynamic-batch ONNX form"
              + " (input "
              + Arrays.toString(example.shape())
              + " -> "
              + Arrays.toString(out)
              + ")");
    }
    long[] target = new long[out.length];
    target[0] = -1;
    for (int d = 1; d < out.length; d++) {
      target[d] = out[d];
    }
    return graph.node("Reshape", List.of(in, graph.int64s("shape", target)));
  }

  private String activation(ActivationLayer a, String path, String x) {
    double p = a.parameter();
    return switch (a.kind()) {
      case IDENTITY -> graph.node("Identity", x);
      case RELU -> graph.node("Relu", x);
      case SIGMOID -> graph.node("Sigmoid", x);
      case TANH -> graph.node("Tanh", x);
      case SIGN -> graph.node("Sign", x);
      case LEAKY_RELU -> graph.node("LeakyRelu", x, Attr.f("alpha", p));
      case ELU -> graph.node("Elu", x, Attr.f("alpha", p));
      case SOFTPLUS -> graph.node("Softplus", x);
      // clamp(x, -1, 1); Clip takes its bounds as inputs since opset 11.
      case HARDTANH ->
          graph.node("Clip", List.of(x, graph.scalar("min", -1), graph.scalar("max", 1)));
      // x * sigmoid(x)
      case SWISH -> graph.node("Mul", List.of(x, graph.node("Sigmoid", x)));
      // Exact GELU (GELU is an operator only from opset 20): 0.5 x (1 + erf(x / sqrt 2)).
      case GELU -> {
        String e =
            graph.node(
                "Erf", List.of(graph.node("Div", List.of(x, graph.scalar("sqrt2", Math.sqrt(2))))));
        String onePlus = graph.node("Add", List.of(e, graph.scalar("one", 1)));
        yield graph.node(
            "Mul", List.of(graph.node("Mul", List.of(x, graph.scalar("half", 0.5))), onePlus));
      }
      // Heaviside with 0.5 at 0: (sign(x) + 1) / 2.
      case STEP ->
          graph.node(
              "Mul",
              List.of(
                  graph.node("Add", List.of(graph.node("Sign", x), graph.scalar("one", 1))),
                  graph.scalar("half", 0.5)));
      // clamp(x + 1/2, 0, 1).
      case PIECEWISE ->
          graph.node(
              "Clip",
              List.of(
                  graph.node("Add", List.of(x, graph.scalar("half", 0.5))),
                  graph.scalar("zero", 0),
                  graph.scalar("one", 1)));
      case MAXOUT -> throw unsupported(a, path);
    };
  }
}
