package io.myelin.cli;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.GradCheck;
import io.myelin.examples.Losses;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelSpec;
import io.myelin.nn.Sequential;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code myelin gradcheck --model SPEC}: compares the analytic gradients of a random model's
 * cross-entropy loss with central differences, in float64 on the CPU, and prints the largest
 * error per parameter.
 */
@Command(name = "gradcheck", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Check a random model's gradients against central differences (float64, CPU).")
final class GradcheckCommand implements Callable<Integer> {
  @Mixin ModelArgs model = new ModelArgs();

  @Option(names = "--batch", paramLabel = "N", defaultValue = "5",
      description = "Random input rows (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "0",
      description = "Seed of the weights and inputs (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--tolerance", paramLabel = "X", defaultValue = "1e-6",
      description = "Largest acceptable error (default: ${DEFAULT-VALUE}).")
  double tolerance;

  @Override
  public Integer call() {
    if (batch < 2) {
      throw new Errors.BadInputException("--batch must be at least 2, got " + batch);
    }
    ModelSpec given = model.spec();
    if (given.dropout() > 0) {
      throw new Errors.BadInputException("--dropout draws a new mask per evaluation, so central"
          + " differences cannot check it: leave it out");
    }
    int in = given.inputs() == ModelSpec.AUTO ? 4 : given.inputs();
    int out = given.outputs() == ModelSpec.AUTO ? 3 : given.outputs();
    ModelSpec spec = given.resolve(in, out);
    Generator gen = new Generator(seed);
    Sequential net = Mlp.build(spec, gen);
    net.to(Device.CPU);
    net.to(DType.FLOAT64);
    Tensor x = Tensor.randn(gen, batch, in).to(DType.FLOAT64);
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = i % out;
    }
    Tensor y = Tensor.ofInts(labels, batch);
    System.out.printf("gradcheck %s, batch %d, float64, eps %g, tolerance %g%n", spec.describe(),
        batch, GradCheck.DEFAULT_EPS, tolerance);
    double worst = 0;
    for (var e : net.namedParameters().entrySet()) {
      GradCheck.Result r = GradCheck.checkParameters(
          () -> Losses.crossEntropy(net.forward(x), y), List.of(e.getValue()), GradCheck.DEFAULT_EPS,
          tolerance);
      worst = Math.max(worst, r.maxError());
      System.out.printf(Locale.ROOT, "  %-22s %-10s max error %.3e  %s%n", e.getKey(),
          java.util.Arrays.toString(e.getValue().shape()).replace(" ", ""), r.maxError(),
          r.maxError() <= tolerance ? "ok" : "FAILED at " + r.worst());
    }
    boolean ok = worst <= tolerance;
    System.out.printf(Locale.ROOT, "max error %.3e: %s%n", worst, ok ? "passed" : "FAILED");
    return ok ? 0 : 1;
  }
}
