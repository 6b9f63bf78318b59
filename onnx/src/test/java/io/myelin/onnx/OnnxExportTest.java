package io.myelin.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.nn.Activation;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.BatchNorm1d;
import io.myelin.nn.Dropout;
import io.myelin.nn.Flatten;
import io.myelin.nn.LayerNorm;
import io.myelin.nn.Linear;
import io.myelin.nn.Maxout;
import io.myelin.nn.Module;
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
    Module m = new Sequential(new Linear(5, 7, true, new Generator(1)), kind.module(),
        new Linear(7, 3, true, new Generator(2)));
    // Scale 3 reaches both sides of every kink (HardTanh's +-1, piecewise's +-1/2); batch 13 != example's 1.
    OrtCheck.assertAgrees(m, random(kind.ordinal(), 13 * 5, 3), 13, 5);
  }

  @Test
  void activationParametersTravel() throws Exception {
    for (Module act : new Module[] {ActivationLayer.leakyRelu(0.3), ActivationLayer.elu(0.7)}) {
      Module m = new Sequential(new Linear(4, 6, true, new Generator(3)), act);
      OrtCheck.assertAgrees(m, random(4, 9 * 4, 2), 9, 4);
    }
  }

  @Test
  void linearWithoutBiasDropoutSoftmaxLogSoftmax() throws Exception {
    OrtCheck.assertAgrees(new Sequential(new Linear(6, 4, false, new Generator(5)), new Dropout(0.5), Softmax.of(1)),
        random(6, 7 * 6, 1), 7, 6);
    OrtCheck.assertAgrees(new Sequential(new Linear(6, 4, true, new Generator(6)), Softmax.log(-1)),
        random(7, 3 * 6, 1), 3, 6);
  }

  @Test
  void batchNormWithTrainedStatisticsLayerNormMaxout() throws Exception {
    BatchNorm1d bn = new BatchNorm1d(6);
    Module m = new Sequential(new Linear(4, 6, true, new Generator(11)), bn, ActivationLayer.relu(),
        new LayerNorm(6), new Maxout(6, 3, 4, new Generator(12)));
    // A few training-mode passes move the running statistics and affine parameters off their defaults.
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
    Module m = new Sequential(new Flatten(), new Linear(2 * 3 * 4, 5, true, new Generator(8)), ActivationLayer.tanh());
    OrtCheck.assertAgrees(m, random(9, 6 * 24, 1), 6, 2, 3, 4);
  }

  @Test
  void aLayerWithoutOnnxFormIsNamedAndNothingIsWritten(@TempDir Path dir) {
    Module m = new Sequential(new Linear(4, 4), new BatchNorm1d(4, 1e-5, 0.1, true, false));
    Path file = dir.resolve("m.onnx");
    var e = assertThrows(UnsupportedLayerException.class, () -> Onnx.export(m, new int[] {1, 4}, file));
    assertTrue(e.getMessage().contains("'1'") && e.getMessage().contains("BatchNorm"), e.getMessage());
    assertFalse(Files.exists(file));
  }

  @Test
  void exportWritesTheSameBytesAtomically(@TempDir Path dir) throws Exception {
    Module m = new Sequential(new Linear(3, 2, true, new Generator(10)), ActivationLayer.relu());
    Path file = dir.resolve("m.onnx");
    Onnx.export(m, new int[] {1, 3}, file);
    assertArrayEquals(Onnx.toBytes(m, new int[] {1, 3}), Files.readAllBytes(file));
    try (var list = Files.list(dir)) {
      assertTrue(list.allMatch(p -> p.equals(file)), "no temporary file left");
    }
    assertTrue(m.isTraining(), "the module's mode is restored");
  }
}
