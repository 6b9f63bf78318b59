package io.myelin.cli;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelFile;
import io.myelin.io.Safetensors;
import io.myelin.nn.Sequential;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --weights FILE.safetensors} and the model file beside it. */
final class WeightsArgs {
  @Option(
      names = "--weights",
      paramLabel = "FILE.safetensors",
      required = true,
      description = "Weights written by 'myelin train --save', with FILE.json beside them.")
  Path weights;

  /** The model file and the model with the saved weights, on {@code device}. */
  record Loaded(ModelFile file, Sequential model) {}

  Loaded load(Device device) throws IOException {
    ModelFile file = ModelFile.readBeside(weights);
    Sequential model = Mlp.build(file.spec(), new Generator(0));
    var state = Safetensors.load(weights);
    try {
      model.loadStateDict(state, true);
    } catch (IllegalArgumentException e) {
      throw new Errors.BadInputException(
          weights.getFileName()
              + " does not match the model "
              + file.spec().text()
              + " of "
              + ModelFile.besideWeights(weights).getFileName()
              + ": "
              + e.getMessage());
    } finally {
      state.values().forEach(Tensor::close);
    }
    model.to(device);
    model.eval();
    return new Loaded(file, model);
  }
}
