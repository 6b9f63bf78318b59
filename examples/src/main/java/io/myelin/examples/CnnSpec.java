package io.myelin.examples;

import io.myelin.Generator;
import io.myelin.nn.Activation;
import io.myelin.nn.AdaptiveAvgPool2d;
import io.myelin.nn.AvgPool2d;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.BatchNorm2d;
import io.myelin.nn.Conv2d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Flatten;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.MaxPool2d;
import io.myelin.nn.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A convolutional network as the command line describes it: {@code cnn:TOKEN-TOKEN-...-CLASSES}, or
 * a named preset. Tokens, in order, each one layer of a {@code torch.nn.Sequential} (so the saved
 * names are {@code 0.weight}, {@code 0.bias}, {@code 3.weight}, ...):
 *
 * <pre>
 *   cOkK[sS][pP]   Conv2d(in, O, K, stride S (1), padding P (0))
 *   pK[sS]         MaxPool2d(K, stride S (K))
 *   aK[sS]         AvgPool2d(K, stride S (K))
 *   gap            AdaptiveAvgPool2d(1) (global average pooling)
 *   bn             BatchNorm2d (after a convolution) or BatchNorm1d (after flatten)
 *   flatten        Flatten
 *   fN             Linear(in, N)
 *   dP             Dropout(P)
 *   relu, tanh, sigmoid, gelu, elu, softplus, swish    the activation
 *   CLASSES        last: the output Linear's width, or 'auto' (from the data)
 * </pre>
 *
 * Images enter as {@code [N, 1, H, W]}: the dataset's H x W features (square: 784 = 28 x 28, 64 = 8
 * x 8) are viewed as one channel. Presets: {@code convnet} (Keras' mnist_convnet: {@value
 * #CONVNET}) and {@code lenet5} (LeCun 1998 with tanh and average pooling: {@value #LENET5}).
 */
public record CnnSpec(String text, List<String> tokens, int classes) {
  public static final String CONVNET = "cnn:c32k3-relu-p2-c64k3-relu-p2-flatten-d0.5-auto";
  public static final String LENET5 =
      "cnn:c6k5p2-tanh-a2-c16k5-tanh-a2-flatten-f120-tanh-f84-tanh-auto";
  private static final Map<String, String> PRESETS = Map.of("convnet", CONVNET, "lenet5", LENET5);
  private static final String GRAMMAR =
      "tokens cOkK[sS][pP], pK[sS], aK[sS], gap, bn, flatten, fN,"
          + " dP, relu|tanh|sigmoid|gelu|elu|softplus|swish, last CLASSES or auto; presets convnet,"
          + " lenet5";
  private static final Pattern CONV = Pattern.compile("c(\\d+)k(\\d+)(?:s(\\d+))?(?:p(\\d+))?");
  private static final Pattern POOL = Pattern.compile("([pa])(\\d+)(?:s(\\d+))?");
  private static final Pattern DENSE = Pattern.compile("f(\\d+)");
  private static final Pattern DROP = Pattern.compile("d(0?\\.\\d+|0)");
  private static final List<String> ACTIVATIONS =
      List.of("relu", "tanh", "sigmoid", "gelu", "elu", "softplus", "swish");

  /** True for {@code cnn:...} and the preset names. */
  public static boolean matches(String model) {
    return model != null && (model.startsWith("cnn:") || PRESETS.containsKey(model));
  }

  /**
   * Parses a spec or preset, checking every token's form (sizes are checked by {@link #build}).
   *
   * @throws IllegalArgumentException one line naming the bad token and the grammar
   */
  public static CnnSpec parse(String model) {
    String text = PRESETS.getOrDefault(model, model);
    if (!text.startsWith("cnn:") || text.length() == 4) {
      throw new IllegalArgumentException(
          "bad --model '"
              + model
              + "': expected cnn:TOKEN-...-"
              + "CLASSES or a preset; "
              + GRAMMAR);
    }
    String[] parts = text.substring(4).split("-", -1);
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < parts.length - 1; i++) {
      String t = parts[i].trim().toLowerCase(Locale.ROOT);
      if (!(CONV.matcher(t).matches()
          || POOL.matcher(t).matches()
          || DENSE.matcher(t).matches()
          || DROP.matcher(t).matches()
          || ACTIVATIONS.contains(t)
          || t.equals("gap")
          || t.equals("bn")
          || t.equals("flatten"))) {
        throw bad(model, t, i, "is not a layer");
      }
      tokens.add(t);
    }
    String last = parts[parts.length - 1].trim();
    int classes;
    if (last.equalsIgnoreCase("auto")) {
      classes = ModelSpec.AUTO;
    } else {
      try {
        classes = Integer.parseInt(last);
      } catch (NumberFormatException e) {
        throw bad(model, last, parts.length - 1, "should be the number of classes (or 'auto')");
      }
      if (classes < 1) {
        throw bad(model, last, parts.length - 1, "should be a positive number of classes");
      }
    }
    return new CnnSpec(text, List.copyOf(tokens), classes);
  }

  private static IllegalArgumentException bad(String model, String token, int index, String why) {
    return new IllegalArgumentException(
        "bad --model '"
            + model
            + "': token '"
            + token
            + "' (#"
            + (index + 1)
            + ") "
            + why
            + "; "
            + GRAMMAR);
  }

  /**
   * The model for images of {@code inputs} = H x W pixels and {@code outputs} classes, its weights
   * drawn from {@code gen} in layer order.
   *
   * @throws IllegalArgumentException naming the token whose sizes do not fit
   */
  public Sequential build(int inputs, int outputs, Generator gen) {
    int side = (int) Math.round(Math.sqrt(inputs));
    if (side * side != inputs) {
      throw new IllegalArgumentException(
          "--model "
              + text
              + " needs square one-channel images, "
              + "but the data has "
              + inputs
              + " features per example");
    }
    int c = 1, h = side, w = side, flat = -1; // flat >= 0 once flattened
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      String t = tokens.get(i);
      try {
        Matcher m;
        if ((m = CONV.matcher(t)).matches()) {
          needImage(flat);
          int k = Integer.parseInt(m.group(2));
          int s = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
          int p = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
          Conv2d conv =
              new Conv2d(
                  c,
                  Integer.parseInt(m.group(1)),
                  new int[] {k},
                  new int[] {s},
                  new int[] {p},
                  new int[] {1},
                  1,
                  true,
                  gen);
          var g = io.myelin.backend.ConvGeometry.of(c, h, w, k, k, s, s, p, p, 1, 1);
          layers.add(conv);
          c = conv.outChannels();
          h = g.outH();
          w = g.outW();
        } else if ((m = POOL.matcher(t)).matches()) {
          needImage(flat);
          int k = Integer.parseInt(m.group(2));
          int[] s = m.group(3) == null ? null : new int[] {Integer.parseInt(m.group(3))};
          int[] o;
          if (m.group(1).equals("p")) {
            MaxPool2d pool = new MaxPool2d(new int[] {k}, s, new int[] {0}, false);
            o = pool.outputSize(h, w);
            layers.add(pool);
          } else {
            AvgPool2d pool = new AvgPool2d(new int[] {k}, s, new int[] {0}, false, true);
            o = pool.outputSize(h, w);
            layers.add(pool);
          }
          h = o[0];
          w = o[1];
        } else if (t.equals("gap")) {
          needImage(flat);
          layers.add(new AdaptiveAvgPool2d(1));
          h = 1;
          w = 1;
        } else if (t.equals("bn")) {
          layers.add(flat < 0 ? new BatchNorm2d(c) : new BatchNorm1d(flat));
        } else if (t.equals("flatten")) {
          needImage(flat);
          layers.add(new Flatten());
          flat = c * h * w;
        } else if ((m = DENSE.matcher(t)).matches()) {
          needFlat(flat);
          Linear fc = new Linear(flat, Integer.parseInt(m.group(1)), true, gen);
          layers.add(fc);
          flat = fc.outFeatures();
        } else if ((m = DROP.matcher(t)).matches()) {
          layers.add(new Dropout(Double.parseDouble(m.group(1)), gen));
        } else {
          layers.add(Activation.byName(t).layer());
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "--model "
                + text
                + ": token '"
                + t
                + "' (#"
                + (i + 1)
                + ") on input "
                + (flat < 0 ? c + "x" + h + "x" + w : "[" + flat + "]")
                + ": "
                + e.getMessage());
      }
    }
    if (flat < 0) {
      throw new IllegalArgumentException(
          "--model "
              + text
              + ": the last layer before CLASSES must"
              + " be flat (add 'flatten' or 'gap-flatten' before it)");
    }
    layers.add(new Linear(flat, outputs, true, gen));
    return new Sequential(layers).viewingInputAs(1, side, side);
  }

  private static void needImage(int flat) {
    if (flat >= 0) {
      throw new IllegalArgumentException(
          "needs an image [C, H, W] input, but the model is already" + " flat");
    }
  }

  private static void needFlat(int flat) {
    if (flat < 0) {
      throw new IllegalArgumentException(
          "a dense layer needs a flat input: add 'flatten' before it");
    }
  }
}
