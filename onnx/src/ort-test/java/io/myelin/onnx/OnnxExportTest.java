package io.myelin.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.nn.Activation;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.AdaptiveAvgPool2d;
import io.myelin.nn.AvgPool2d;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.Conv2d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Dropout2d;
import io.myelin.nn.Flatten;
import io.myelin.nn.Layer;
import io.myelin.nn.LayerNorm;
import io.myelin.nn.Linear;
import io.myelin.nn.MaxPool2d;
import io.myelin.nn.Maxout;
import io.myelin.nn.Sequential;
import io.myelin.nn.Softmax;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every exportable layer kind, run by ONNX Runtime against Myelin's eval-mode forward. */
class OnnxExportTest {
  private static float[] random(long seed, int n, double scale) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (r.nextGaussian() * scale);
    }
    return x;
  }

  @ParameterizedTest
  @EnumSource(value = Activation.class, names = "MAXOUT", mode = EnumSource.Mode.EXCLUDE)
  void everyActivationBetweenTwoLinears(Activation kind) throws Exception {
    Layer m =
        new Sequential(
            new Linear(5, 7, true, new Generator(1)),
            kind.layer(),
            new Linear(7, 3, true, new Generator(2)));
    // Scale 3 reaches both sides of every kink (HardTanh's +-1, piecewise's +-1/2); batch 13 !=
    // example's 1.
    OrtCheck.assertAgrees(m, random(kind.ordinal(), 13 * 5, 3), 13, 5);
  }

  @Test
  void activationParametersTravel() throws Exception {
    for (Layer act : new Layer[] {ActivationLayer.leakyRelu(0.3), ActivationLayer.elu(0.7)}) {
      Layer m = new Sequential(new Linear(4, 6, true, new Generator(3)), act);
      OrtCheck.assertAgrees(m, random(4, 9 * 4, 2), 9, 4);
    }
  }

  @Test
  void linearWithoutBiasDropoutSoftmaxLogSoftmax() throws Exception {
    OrtCheck.assertAgrees(
        new Sequential(new Linear(6, 4, false, new Generator(5)), new Dropout(0.5), Softmax.of(1)),
        random(6, 7 * 6, 1),
        7,
        6);
    OrtCheck.assertAgrees(
        new Sequential(new Linear(6, 4, true, new Generator(6)), Softmax.log(-1)),
        random(7, 3 * 6, 1),
        3,
        6);
  }

  @Test
  void batchNormWithTrainedStatisticsLayerNormMaxout() throws Exception {
    BatchNorm1d bn = new BatchNorm1d(6);
    Layer m =
        new Sequential(
            new Linear(4, 6, true, new Generator(11)),
            bn,
            ActivationLayer.relu(),
            new LayerNorm(6),
            new Maxout(6, 3, 4, new Generator(12)));
    // A few training-mode passes move the running statistics and affine parameters off their
    // defaults.
    for (int i = 0; i < 3; i++) {
      m.train();
      try (var x = io.myelin.Tensor.of(random(20 + i, 16 * 4, 2), 16, 4)) {
        m.forward(x);
      }
    }
    OrtCheck.assertAgrees(m, random(30, 5 * 4, 2), 5, 4);
    var ln = new LayerNorm(new int[] {2, 3}, 1e-3, false);
    OrtCheck.assertAgrees(new Sequential(ln), random(31, 4 * 6, 2), 4, 2, 3);
  }

  @Test
  void batchNorm2dOnImages() throws Exception {
    var bn = new io.myelin.nn.BatchNorm2d(3);
    bn.train();
    try (var x = io.myelin.Tensor.of(random(40, 4 * 3 * 5 * 5, 3), 4, 3, 5, 5)) {
      bn.forward(x);
    }
    OrtCheck.assertAgrees(new Sequential(bn, new Flatten()), random(41, 2 * 75, 1), 2, 3, 5, 5);
  }

  @Test
  void flattenOfImageShapedInput() throws Exception {
    Layer m =
        new Sequential(
            new Flatten(),
            new Linear(2 * 3 * 4, 5, true, new Generator(8)),
            ActivationLayer.tanh());
    OrtCheck.assertAgrees(m, random(9, 6 * 24, 1), 6, 2, 3, 4);
  }

  @Test
  void aLayerWithoutOnnxFormIsNamedAndNothingIsWritten(@TempDir Path dir) {
    Layer m = new Sequential(new Linear(4, 4), new BatchNorm1d(4, 1e-5, 0.1, true, false));
    Path file = dir.resolve("m.onnx");
    var e =
        assertThrows(UnsupportedLayerException.class, () -> Onnx.export(m, new int[] {1, 4}, file));
    assertTrue(
        e.getMessage().contains("'1'") && e.getMessage().contains("BatchNorm"), e.getMessage());
    assertFalse(Files.exists(file));
  }

  @Test
  void exportWritesTheSameBytesAtomically(@TempDir Path dir) throws Exception {
    Layer m = new Sequential(new Linear(3, 2, true, new Generator(10)), ActivationLayer.relu());
    Path file = dir.resolve("m.onnx");
    Onnx.export(m, new int[] {1, 3}, file);
    assertArrayEquals(Onnx.toBytes(m, new int[] {1, 3}), Files.readAllBytes(file));
    try (var list = Files.list(dir)) {
      assertTrue(list.allMatch(p -> p.equals(file)), "no temporary file left");
    }
    assertTrue(m.isTraining(), "the module's mode is restored");
  }

  // ---- convolution and pooling (issue 19 after the CNN layers) ----------------------------------

  private static Conv2d conv(
      int in, int out, int[] k, int[] s, int[] p, int[] d, int groups, boolean bias, long seed) {
    return new Conv2d(in, out, k, s, p, d, groups, bias, new Generator(seed));
  }

  @Test
  void conv2dPaddingStrideDilationGroupsAndNoBias() throws Exception {
    // Square, unpadded (the defaults).
    OrtCheck.assertAgrees(
        new Sequential(new Conv2d(3, 5, 3, new Generator(20))),
        random(20, 4 * 3 * 7 * 8, 1),
        4,
        3,
        7,
        8);
    // Rectangular kernel, separate strides, paddings and dilations, groups, no bias; odd sizes.
    OrtCheck.assertAgrees(
        new Sequential(
            conv(
                4,
                6,
                new int[] {3, 2},
                new int[] {2, 1},
                new int[] {1, 2},
                new int[] {1, 2},
                2,
                false,
                21)),
        random(21, 3 * 4 * 9 * 11, 1),
        3,
        4,
        9,
        11);
    // Depthwise, stride 3, padding 2, batch 1 != other than the example's below via batch 6.
    OrtCheck.assertAgrees(
        new Sequential(
            conv(3, 3, new int[] {3}, new int[] {3}, new int[] {2}, new int[] {1}, 3, true, 22),
            ActivationLayer.relu()),
        random(22, 6 * 3 * 10 * 10, 2),
        6,
        3,
        10,
        10);
  }

  @Test
  void maxAndAveragePoolingWithPaddingStrideAndCeilMode() throws Exception {
    // The defaults (stride = kernel), then kernel 3 stride 2 padding 1 with and without ceil_mode
    // on 12 x 13 (where ceil_mode adds a window, which ONNX and PyTorch both keep).
    OrtCheck.assertAgrees(
        new Sequential(new MaxPool2d(2), new AvgPool2d(2)),
        random(23, 5 * 2 * 8 * 9, 2),
        5,
        2,
        8,
        9);
    for (boolean ceil : new boolean[] {false, true}) {
      for (boolean countPad : new boolean[] {false, true}) {
        if (ceil && countPad) {
          continue; // refused where ceil_mode adds a window (below); checked on a size where it
          // adds none
        }
        Layer m =
            new Sequential(
                new MaxPool2d(new int[] {3}, new int[] {2}, new int[] {1}, ceil),
                new AvgPool2d(
                    new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, ceil, countPad));
        OrtCheck.assertAgrees(m, random(24, 3 * 2 * 12 * 13, 2), 3, 2, 12, 13);
        // Average pooling straight on the input, where the padding meets non-negative data.
        OrtCheck.assertAgrees(
            new Sequential(
                new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, ceil, countPad)),
            random(25, 4 * 2 * 12 * 13, 2),
            4,
            2,
            12,
            13);
      }
    }
  }

  @Test
  void globalAveragePoolDropout2dAndAWholeCnnOnFlatRows() throws Exception {
    var bn = new io.myelin.nn.BatchNorm2d(4);
    Sequential cnn =
        new Sequential(
                new Conv2d(
                    1,
                    4,
                    new int[] {3},
                    new int[] {1},
                    new int[] {1},
                    new int[] {1},
                    1,
                    true,
                    new Generator(26)),
                bn,
                ActivationLayer.relu(),
                new MaxPool2d(2),
                new Dropout2d(0.3),
                conv(4, 6, new int[] {3}, new int[] {1}, new int[] {1}, new int[] {1}, 2, true, 27),
                ActivationLayer.relu(),
                new AdaptiveAvgPool2d(1),
                new Flatten(),
                new Linear(6, 3, true, new Generator(28)))
            .viewingInputAs(1, 8, 10);
    cnn.train();
    try (var x = io.myelin.Tensor.of(random(29, 16 * 80, 1), 16, 80)) {
      cnn.forward(x);
    }
    // Flat rows [N, 80] in, as `myelin predict` takes them.
    OrtCheck.assertAgrees(cnn, random(30, 7 * 80, 1), 7, 80);
  }

  @Test
  void averagePoolingCeilModeCountingPaddingWhereNoWindowIsAdded() throws Exception {
    // 11 x 13 with kernel 3, stride 2, padding 1: the windows fit exactly, ceil_mode adds none.
    OrtCheck.assertAgrees(
        new Sequential(new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, true)),
        random(26, 3 * 2 * 11 * 13, 2),
        3,
        2,
        11,
        13);
  }

  @Test
  void poolingOnnxCannotSayIsRefusedNamingTheLayer() {
    // kernel 2 stride 2 padding 1 on 5 rows: PyTorch's ceil_mode drops the window starting in the
    // right padding, ONNX's keeps it.
    Layer ceil =
        new Sequential(
            ActivationLayer.relu(),
            new MaxPool2d(new int[] {2}, new int[] {2}, new int[] {1}, true));
    var e =
        assertThrows(
            UnsupportedLayerException.class, () -> Onnx.toBytes(ceil, new int[] {1, 1, 5, 6}));
    assertTrue(
        e.getMessage().contains("'1'")
            && e.getMessage().contains("MaxPool2d")
            && e.getMessage().contains("ceil_mode"),
        e.getMessage());
    // ceil_mode and count_include_pad: ONNX Runtime divides the extra window by the whole kernel.
    Layer avg =
        new Sequential(new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, true));
    e =
        assertThrows(
            UnsupportedLayerException.class, () -> Onnx.toBytes(avg, new int[] {1, 2, 12, 13}));
    assertTrue(
        e.getMessage().contains("'0'") && e.getMessage().contains("count_include_pad"),
        e.getMessage());
    Layer adaptive = new Sequential(new AdaptiveAvgPool2d(2, 3));
    e =
        assertThrows(
            UnsupportedLayerException.class, () -> Onnx.toBytes(adaptive, new int[] {1, 2, 6, 6}));
    assertTrue(
        e.getMessage().contains("'0'")
            && e.getMessage().contains("AdaptiveAvgPool2d")
            && e.getMessage().contains("1x1"),
        e.getMessage());
  }
}
