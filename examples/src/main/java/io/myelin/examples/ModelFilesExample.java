package io.myelin.examples;

import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.data.ArrayDataset;
import io.myelin.data.StandardScaler;
import io.myelin.data.Synthetic;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.FeatureScaling;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.ModelFiles;
import io.myelin.nn.Sequential;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** The README's save/load example: a whole model, preprocessing included, in one file. */
public final class ModelFilesExample {
  private ModelFilesExample() {}

  /** Saves a model into {@code dir}, loads it back, and says whether both give the same outputs. */
  public static boolean run(Path dir) throws IOException {
    ArrayDataset data = Synthetic.moons(200, 0.1, 1);
    Tensor rows = Tensor.of(data.features(), data.rows(), data.cols());
    // spotless:off (the README shows this block verbatim, aligned comments included)
    // README-EXAMPLE-START
    StandardScaler scaler = StandardScaler.fit(data.features(), data.cols());
    Layer model = new Sequential(
        FeatureScaling.of(scaler),                 // preprocessing travels as the first layer
        new Linear(2, 16), ActivationLayer.relu(), new Linear(16, 2));
    // ... train it ...
    Path file = dir.resolve("moons.safetensors");
    ModelFiles.save(model, file);                  // architecture + weights + modes, one file
    Layer loaded = ModelFiles.load(file);          // rebuilt from the file alone
    // README-EXAMPLE-END
    // spotless:on
    try (var noGrad = Autograd.noGrad()) {
      return Arrays.equals(model.forward(rows).toFloatArray(), loaded.forward(rows).toFloatArray());
    }
  }

  public static void main(String[] args) throws IOException {
    System.out.println(run(Path.of(".")) ? "same outputs" : "outputs differ");
  }
}
