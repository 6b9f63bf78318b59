package io.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.myelin.data.Task;
import io.myelin.io.internal.Json;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
  static final Path FASHION = Path.of("../../shared/data/fashion-mnist");

  private static LoadedDataset load(String name) throws Exception {
    return Datasets.load(name, DataOptions.defaults());
  }

  @Test
  void diabetesIsRawPima() throws Exception {
    LoadedDataset d = load("diabetes");
    assertEquals(768, d.data().rows());
    assertEquals(8, d.data().cols());
    assertEquals(2, d.outputs());
    assertEquals(148f, d.data().feature(0, 1)); // Glucose of the first row, unscaled
    assertEquals("none", d.preprocessing().describe());
  }

  @Test
  void digitsAreScaledBy16() throws Exception {
    LoadedDataset d = load("digits");
    assertEquals(1797, d.data().rows());
    assertEquals(64, d.data().cols());
    assertEquals(10, d.outputs());
    float max = 0;
    for (float v : d.data().features()) {
      max = Math.max(max, v);
    }
    assertEquals(1f, max);
    assertEquals(16, d.preprocessing().divisor());
  }

  @Test
  void mnistSampleIsShuffledAndScaled() throws Exception {
    LoadedDataset d = load("mnist");
    assertEquals(10000, d.data().rows());
    assertEquals(784, d.data().cols());
    int[] y = d.data().labels();
    int changes = 0;
    for (int i = 1; i < 100; i++) {
      changes += y[i] != y[i - 1] ? 1 : 0;
    }
    assertTrue(changes > 50, "the file is grouped by label; the loader must shuffle");
    assertEquals(255, d.preprocessing().divisor());
    PreparedData p = PreparedData.of(d, 0.2, 0, 0);
    assertEquals(8000, p.train().rows());
    assertEquals(2000, p.test().rows());
  }

  @Test
  void fashionMnistFromAFolderKeepsItsTestSet() throws Exception {
    assumeTrue(Files.isDirectory(FASHION), "no " + FASHION);
    LoadedDataset d = Datasets.load("fashion-mnist", DataOptions.defaults().withDataDir(FASHION));
    assertEquals(60000, d.data().rows());
    assertEquals(10000, d.fixedTest().rows());
    assertEquals("T-shirt/top", d.data().classNames().getFirst());
    PreparedData p = PreparedData.of(d, 0.2, 0.1, 0);
    assertEquals(10000, p.test().rows());
    assertEquals(6000, p.validation().rows());
  }

  @Test
  void fashionMnistMissingSaysHowToGetIt() {
    var e =
        assertThrows(
            FileNotFoundException.class,
            () ->
                Datasets.load(
                    "fashion-mnist",
                    DataOptions.defaults().withDataDir(Path.of("/nonexistent/fashion"))));
    assertTrue(e.getMessage().contains("apt-get install dataset-fashion-mnist"), e.getMessage());
    assertTrue(e.getMessage().contains("--data DIR"), e.getMessage());
  }

  @Test
  void syntheticSetsFollowSamplesAndNoise() throws Exception {
    for (String name : List.of("moons", "circles", "blobs", "xor", "spirals", "quantiles")) {
      LoadedDataset d = Datasets.load(name, DataOptions.defaults().withSamples(300, Double.NaN));
      assertEquals(300, d.data().rows(), name);
      assertEquals(2, d.data().cols(), name);
      assertTrue(d.outputs() >= 2, name);
    }
    var a = Datasets.load("moons", DataOptions.defaults().withSamples(100, 0.0)).data();
    var b = Datasets.load("moons", DataOptions.defaults().withSamples(100, 0.3)).data();
    assertTrue(a.feature(0, 0) != b.feature(0, 0) || a.feature(1, 1) != b.feature(1, 1));
  }

  @Test
  void csvWithTargetTaskAndStandardize(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("t.csv");
    Files.writeString(f, "y,a,color\n1.5,1,red\n2.5,2,blue\n3.5,3,red\n4.5,4,blue\n5.5,5,red\n");
    LoadedDataset d =
        Datasets.load("csv:" + f, DataOptions.defaults().withCsv("y", Task.AUTO, true));
    assertTrue(d.data().isRegression());
    assertEquals(List.of("a", "color=blue", "color=red"), d.data().featureNames());
    PreparedData p = PreparedData.of(d, 0.4, 0, 0);
    assertTrue(p.preprocessing().standardized());
    double mean = 0;
    for (int i = 0; i < p.train().rows(); i++) {
      mean += p.train().feature(i, 0);
    }
    assertEquals(0, mean / p.train().rows(), 1e-5);
    LoadedDataset byNumber =
        Datasets.load("csv:" + f, DataOptions.defaults().withCsv("2", Task.CLASSIFY, false));
    assertEquals(5, byNumber.outputs());
  }

  @Test
  void splitsAreStratifiedAndSeeded() throws Exception {
    LoadedDataset d = load("diabetes");
    PreparedData a = PreparedData.of(d, 0.2, 0.1, 3);
    PreparedData b = PreparedData.of(d, 0.2, 0.1, 3);
    assertEquals(154, a.test().rows());
    assertEquals(77, a.validation().rows());
    int pos = 0;
    for (int y : a.test().labels()) {
      pos += y;
    }
    assertEquals(Math.round(154 * 268 / 768.0), pos, 1.0);
    assertEquals(a.test().feature(0, 0), b.test().feature(0, 0));
    assertNull(PreparedData.of(d, 0, 0, 0).test());
  }

  @Test
  void unknownNameListsTheKnownOnes() {
    var e = assertThrows(IllegalArgumentException.class, () -> load("minst"));
    assertTrue(e.getMessage().contains("mnist") && e.getMessage().contains("csv:PATH"));
  }

  @Test
  void modelSpecParsing() {
    assertEquals(
        List.of(ModelSpec.AUTO, 128, ModelSpec.AUTO), ModelSpec.parseSizes("mlp:auto-128-auto"));
    assertEquals(List.of(8, 20, 20, 2), ModelSpec.parseSizes("mlp:8-20-20-2"));
    for (String bad :
        List.of("mlp:", "mlp:8", "mlp:8-x-2", "mlp:8-0-2", "mlp:8-auto-2", "cnn:8-2", "mlp:8--2")) {
      assertThrows(IllegalArgumentException.class, () -> ModelSpec.parseSizes(bad), bad);
    }
    var spec = new ModelSpec(ModelSpec.parseSizes("mlp:auto-4-auto"), "relu", false, 0, "default");
    assertEquals("mlp:8-4-2", spec.resolve(8, 2).text());
    var fixed = new ModelSpec(ModelSpec.parseSizes("mlp:5-4-2"), "relu", false, 0, "default");
    var e = assertThrows(IllegalArgumentException.class, () -> fixed.resolve(8, 2));
    assertTrue(e.getMessage().contains("8 features"), e.getMessage());
  }

  @Test
  void largestLayerProductIsTheSizeHintBeforeTheData() {
    assertEquals(
        400,
        new ModelSpec(List.of(8, 20, 20, 2), "relu", false, 0, "default").largestLayerProduct());
    assertEquals(
        512 * 256,
        new ModelSpec(ModelSpec.parseSizes("mlp:auto-512-256-auto"), "relu", false, 0, "default")
            .largestLayerProduct());
    assertEquals(Long.MAX_VALUE, ModelSpec.cnn("lenet5", "default").largestLayerProduct());
  }

  @Test
  void jsonRoundTrip() {
    var spec = new ModelSpec(List.of(3, 4, 2), "leaky-relu", true, 0.25, "he-normal");
    var pre = new Preprocessing(16, new double[] {1, 2, 3}, new double[] {0.5, 1, 2});
    var mf =
        new ModelFile(spec, "classify", "digits", List.of("a", "b", "c"), List.of("x", "y"), pre);
    var back = Json.parseObject(mf.toJson(), "m.json");
    assertEquals("myelin.model", back.get("format"));
    assertThrows(IllegalArgumentException.class, () -> Json.parseObject("{\"a\": [1, 2", "x.json"));
  }
}
