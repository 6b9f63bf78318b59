package io.myelin.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Generator;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.loss.KLDivLoss;
import io.myelin.loss.Penalty;
import io.myelin.loss.Reduction;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Command-line names and argument validation: no backend needed. */
class NnNamesAndValidationTest {

  @Test
  void everyCliActivationNameResolves() {
    List<String> names =
        List.of(
            "step",
            "sign",
            "identity",
            "piecewise",
            "sigmoid",
            "tanh",
            "hardtanh",
            "relu",
            "leaky-relu",
            "elu",
            "softplus",
            "swish",
            "gelu",
            "maxout");
    for (String n : names) {
      assertEquals(n, Activation.byName(n).cliName());
    }
    assertEquals(Activation.LEAKY_RELU, Activation.byName("Leaky_ReLU"));
    assertEquals(Activation.SWISH, Activation.byName("silu"));
    assertEquals(0.01, Activation.LEAKY_RELU.defaultParameter());
    assertEquals(1.0, Activation.ELU.defaultParameter());
    assertTrue(Activation.MAXOUT.isLayer());
    var e = assertThrows(IllegalArgumentException.class, () -> Activation.byName("swishy"));
    assertTrue(e.getMessage().contains("leaky-relu"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new ActivationLayer(Activation.MAXOUT));
    assertEquals("LeakyReLU(0.2)", new ActivationLayer(Activation.LEAKY_RELU, 0.2).toString());
  }

  @Test
  void everyCliInitNameResolves() {
    for (String n :
        List.of(
            "xavier-uniform",
            "xavier-normal",
            "he-uniform",
            "he-normal",
            "lecun",
            "uniform",
            "normal",
            "zeros")) {
      assertEquals(n, InitScheme.byName(n).cliName());
    }
    assertEquals(InitScheme.LECUN, InitScheme.byName("lecun-normal"));
    var e = assertThrows(IllegalArgumentException.class, () -> InitScheme.byName("glorot"));
    assertTrue(e.getMessage().contains("xavier-uniform"), e.getMessage());
  }

  @Test
  void fansAsPyTorch() {
    assertEquals(new Init.Fans(7, 3), Init.fans(new int[] {3, 7}));
    assertEquals(new Init.Fans(2 * 9, 4 * 9), Init.fans(new int[] {4, 2, 3, 3}));
    assertThrows(IllegalArgumentException.class, () -> Init.fans(new int[] {5}));
  }

  @Test
  void hyperparametersAreValidated() {
    for (double p : new double[] {-0.1, 1, 1.5, Double.NaN}) {
      var e = assertThrows(IllegalArgumentException.class, () -> new Dropout(p, new Generator(1)));
      assertTrue(e.getMessage().contains("[0, 1)"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Penalty.l2(-1));
    assertThrows(
        IllegalArgumentException.class, () -> new CrossEntropyLoss().withLabelSmoothing(1.5));
    assertThrows(
        IllegalArgumentException.class,
        () -> new CrossEntropyLoss().withReduction(Reduction.BATCHMEAN));
    assertEquals(Reduction.BATCHMEAN, new KLDivLoss(Reduction.BATCHMEAN).reduction());
  }
}
