package io.myelin.cli;

import io.myelin.Generator;
import io.myelin.examples.LoadedDataset;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelSpec;
import io.myelin.nn.ModelSummary;
import io.myelin.nn.Sequential;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code myelin summary DATASET --model SPEC}: the model {@code myelin train} would build for the
 * dataset, layer by layer with output shapes and parameter counts (Keras' {@code model.summary()};
 * from Java: {@link ModelSummary#of}).
 */
@Command(
    name = "summary",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Print the layers, output shapes and parameter counts of the model that 'myelin"
            + " train' would build for a dataset.")
final class SummaryCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DATASET",
      description = "Dataset: " + DataArgs.DATASETS + " (it gives the inputs and outputs).")
  String dataset;

  @Mixin ModelArgs model = new ModelArgs();
  @Mixin DataArgs data = new DataArgs();

  @Override
  public Integer call() throws Exception {
    LoadedDataset d = data.load(dataset);
    ModelSpec spec = model.spec().resolve(d.data().cols(), d.outputs());
    Sequential net = Mlp.build(spec, new Generator(data.seed));
    System.out.printf("%s: %s%n", dataset, spec.describe());
    System.out.print(ModelSummary.of(net, 1, d.data().cols()).table());
    return 0;
  }
}
