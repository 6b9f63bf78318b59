package io.myelin.cli;

import io.myelin.Device;
import io.myelin.backend.DeviceManager;
import io.myelin.data.ArrayDataset;
import io.myelin.examples.ModelFile;
import io.myelin.examples.OutputFiles;
import io.myelin.examples.PredictInput;
import io.myelin.examples.Scoring;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code myelin predict --weights FILE --input FILE.csv [--output FILE.csv]}: one output row per
 * input row: the predicted class and each class's probability, or the predicted value(s).
 */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Predict with saved weights on the rows of a CSV file (raw values, as in the"
          + " training data; the saved preprocessing is applied).",
      "Columns are matched to the features by header name, or by position when the file has one"
          + " column per feature."
    })
final class PredictCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin WeightsArgs weights = new WeightsArgs();

  @Option(
      names = "--input",
      paramLabel = "FILE.csv",
      required = true,
      description = "Rows to predict on (plain or gzip CSV).")
  Path input;

  @Option(
      names = "--output",
      paramLabel = "FILE.csv",
      description = "Where to write the predictions (default: standard output).")
  Path output;

  @Option(
      names = "--unseen",
      paramLabel = "POLICY",
      defaultValue = "warn",
      description =
          "A category never seen in training: warn (on stderr, once per column and value;"
              + " its one-hot group is all zeros) or error (default: ${DEFAULT-VALUE}).")
  String unseen;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      description = "auto, cpu, cuda or cuda:N (default: MYELIN_DEVICE, else auto).")
  String device;

  @Override
  public Integer call() throws Exception {
    OutputFiles.checkWritable(output, "--output");
    Device dev = DeviceManager.global().resolve(device);
    WeightsArgs.Loaded w = weights.load(dev);
    ModelFile mf = w.file();
    List<String> features = mf.features();
    if (!unseen.equals("warn") && !unseen.equals("error")) {
      throw new Errors.BadInputException("--unseen must be warn or error, got '" + unseen + "'");
    }
    float[] x =
        PredictInput.read(
            input,
            features,
            unseen.equals("error"),
            warning -> spec.commandLine().getErr().println("myelin predict: warning: " + warning));
    mf.preprocessing().applyToRaw(x, features.size());
    int rows = x.length / Math.max(1, features.size());
    ArrayDataset data =
        new ArrayDataset(x, rows, features.size(), features, null, List.of(), null, 0);
    float[] out = Scoring.outputs(w.model(), data, dev);
    int k = rows == 0 ? 0 : out.length / rows;
    StringBuilder sb = new StringBuilder();
    if (mf.classification()) {
      sb.append("prediction");
      for (String c : mf.classes()) {
        sb.append(",probability_").append(csvField(c));
      }
      sb.append('\n');
      for (int i = 0; i < rows; i++) {
        double max = Double.NEGATIVE_INFINITY;
        int best = 0;
        for (int j = 0; j < k; j++) {
          if (out[i * k + j] > max) {
            max = out[i * k + j];
            best = j;
          }
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
          sum += Math.exp(out[i * k + j] - max);
        }
        sb.append(csvField(mf.classes().get(best)));
        for (int j = 0; j < k; j++) {
          sb.append(String.format(Locale.ROOT, ",%.6f", Math.exp(out[i * k + j] - max) / sum));
        }
        sb.append('\n');
      }
    } else {
      for (int j = 0; j < k; j++) {
        sb.append(j > 0 ? "," : "").append(k == 1 ? "prediction" : "prediction_" + j);
      }
      sb.append('\n');
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < k; j++) {
          sb.append(j > 0 ? "," : "").append(String.format(Locale.ROOT, "%.6g", out[i * k + j]));
        }
        sb.append('\n');
      }
    }
    if (output == null) {
      System.out.print(sb);
    } else {
      OutputFiles.writeString(output, sb.toString());
      System.err.println("wrote " + rows + " predictions to " + output);
    }
    return 0;
  }

  private static String csvField(String s) {
    return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
