package io.myelin.cli;

import io.myelin.Device;
import io.myelin.backend.DeviceManager;
import io.myelin.examples.ModelFile;
import io.myelin.examples.OutputFiles;
import io.myelin.examples.Preprocessing;
import io.myelin.nn.FeatureScaling;
import io.myelin.nn.Layer;
import io.myelin.nn.Sequential;
import io.myelin.onnx.Onnx;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code myelin export --onnx FILE.onnx --weights FILE.safetensors}: the saved model as ONNX (IR 8,
 * opset 17, dynamic batch). The preprocessing stored in the model file (division, then
 * standardisation) becomes the graph's first operations, so the ONNX model takes the raw feature
 * rows that {@code myelin predict} takes; its output is the model's output (class scores, i.e.
 * logits, for classification: the predicted class is the largest, as {@code predict} reports).
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Write saved weights as an ONNX model, runnable by ONNX Runtime and other ONNX readers.",
      "The saved preprocessing is part of the model: it takes raw feature rows, as 'myelin predict' does,"
          + " and outputs the model's scores (logits for classification)."
    })
final class ExportCommand implements Callable<Integer> {
  @Mixin WeightsArgs weights = new WeightsArgs();

  @Option(
      names = "--onnx",
      paramLabel = "FILE.onnx",
      required = true,
      description = "Where to write the ONNX model (written atomically).")
  Path onnx;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    OutputFiles.checkWritable(onnx, "--onnx");
    Device cpu = DeviceManager.global().resolve("cpu");
    WeightsArgs.Loaded w = weights.load(cpu);
    ModelFile mf = w.file();
    Layer model = withPreprocessing(w.model(), mf.preprocessing());
    int features = mf.features().size();
    Onnx.export(model, new int[] {1, features}, onnx);
    spec.commandLine()
        .getErr()
        .println(
            "wrote "
                + onnx
                + ": input 'input' [batch, "
                + features
                + "] raw feature rows ("
                + mf.preprocessing().describe()
                + " inside the model), output 'output' [batch, "
                + mf.spec().outputs()
                + "] "
                + (mf.classification()
                    ? "class scores (logits; the largest is the prediction)"
                    : "predictions"));
    return 0;
  }

  /**
   * {@code model} behind a {@link FeatureScaling} layer for {@code prep} (none when there is
   * nothing to do).
   */
  static Layer withPreprocessing(Sequential model, Preprocessing prep) {
    if (prep.divisor() == 1 && !prep.standardized()) {
      return model;
    }
    return new Sequential(
        new FeatureScaling(
            prep.divisor(), FeatureScaling.floats(prep.mean()), FeatureScaling.floats(prep.std())),
        model);
  }
}
