package io.myelin.cli;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.Functional;
import io.myelin.autograd.GradCheck;
import io.myelin.examples.Losses;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelSpec;
import io.myelin.nn.Sequential;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code myelin gradcheck --model SPEC}: compares the analytic gradients of a random model's
 * cross-entropy loss with central differences, in float64 on the CPU, and prints the largest error
 * per parameter.
 */
@Command(
    name = "gradcheck",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Check a random model's gradients against central differences (float64, CPU).")
final class GradcheckCommand implements Callable<Integer> {
  @Mixin ModelArgs model = new ModelArgs();

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "5",
      description = "Random input rows (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description = "Seed of the weights and inputs (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--tolerance",
      paramLabel = "X",
      defaultValue = "1e-6",
      description = "Largest acceptable error (default: ${DEFAULT-VALUE}).")
  double tolerance;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      defaultValue = "reverse",
      description =
          "reverse: backward against central differences per element; forward: jvp"
              + " along random directions against central differences and the backward's gradient;"
              + " both (default: ${DEFAULT-VALUE}).")
  String mode;

  /** Random directions per parameter in the forward check. */
  private static final int DIRECTIONS = 3;

  @Override
  public Integer call() {
    String m = mode.toLowerCase(Locale.ROOT).strip();
    if (!List.of("reverse", "forward", "both").contains(m)) {
      throw new Errors.BadInputException(
          "--mode must be forward, reverse or both, got '" + mode + "'");
    }
    if (batch < 2) {
      throw new Errors.BadInputException("--batch must be at least 2, got " + batch);
    }
    ModelSpec given = model.spec();
    if (given.dropout() > 0) {
      throw new Errors.BadInputException(
          "--dropout draws a new mask per evaluation, so central"
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
    System.out.printf(
        "gradcheck %s, batch %d, float64, eps %g, tolerance %g%n",
        spec.describe(), batch, GradCheck.DEFAULT_EPS, tolerance);
    double worst = 0;
    Supplier<Tensor> lossFn = () -> Losses.crossEntropy(net.forward(x), y);
    if (!m.equals("reverse")) {
      System.out.println("forward mode (jvp along " + DIRECTIONS + " random directions):");
      worst = Math.max(worst, checkForward(net, lossFn, gen));
    }
    if (!m.equals("forward")) {
      System.out.println("reverse mode (backward per element):");
      worst = Math.max(worst, checkReverse(net, lossFn));
    }
    boolean ok = worst <= tolerance;
    System.out.printf(Locale.ROOT, "max error %.3e: %s%n", worst, ok ? "passed" : "FAILED");
    return ok ? 0 : 1;
  }

  /**
   * For each parameter and random direction v: the jvp d loss [v] against the central difference
   * (loss(p + h v) - loss(p - h v)) / 2h and against grad . v from reverse mode; the error is |a -
   * b| / max(1, |a|, |b|). Returns the largest.
   */
  private double checkForward(Sequential net, Supplier<Tensor> lossFn, Generator gen) {
    double worst = 0;
    double h = GradCheck.DEFAULT_EPS;
    for (var e : net.namedParameters().entrySet()) {
      Tensor p = e.getValue();
      double paramWorst = 0;
      for (int k = 0; k < DIRECTIONS; k++) {
        Tensor v = Tensor.uniform(p.device(), p.dtype(), gen, -1, 1, p.shape());
        double jvp = Functional.jvpOfParameters(lossFn, List.of(p), List.of(v)).tangent().item();
        p.zeroGrad();
        lossFn.get().backward();
        double reverse = p.grad().mul(v).sum().item();
        p.zeroGrad();
        double plus = lossAt(p, v, h, lossFn);
        double minus = lossAt(p, v, -h, lossFn);
        double numeric = (plus - minus) / (2 * h);
        paramWorst = Math.max(paramWorst, Math.max(scaled(jvp, numeric), scaled(jvp, reverse)));
      }
      worst = Math.max(worst, paramWorst);
      print(e.getKey(), p, paramWorst, paramWorst <= tolerance ? "ok" : "FAILED");
    }
    return worst;
  }

  /** The loss with {@code p} moved by {@code step * v}, then restored. */
  private static double lossAt(Tensor p, Tensor v, double step, Supplier<Tensor> lossFn) {
    Tensor saved;
    try (var ignored = Autograd.noGrad()) {
      saved = p.copy();
      p.assign(p.add(v.mul(step)));
    }
    double value;
    try (var ignored = Autograd.noGrad()) {
      value = lossFn.get().item();
      p.assign(saved);
    }
    return value;
  }

  private static double scaled(double a, double b) {
    return Math.abs(a - b) / Math.max(1, Math.max(Math.abs(a), Math.abs(b)));
  }

  private void print(String name, Tensor p, double error, String verdict) {
    System.out.printf(
        Locale.ROOT,
        "  %-22s %-10s max error %.3e  %s%n",
        name,
        java.util.Arrays.toString(p.shape()).replace(" ", ""),
        error,
        verdict);
  }

  private double checkReverse(Sequential net, Supplier<Tensor> lossFn) {
    double worst = 0;
    for (var e : net.namedParameters().entrySet()) {
      GradCheck.Result r =
          GradCheck.checkParameters(
              lossFn, List.of(e.getValue()), GradCheck.DEFAULT_EPS, tolerance);
      worst = Math.max(worst, r.maxError());
      print(
          e.getKey(),
          e.getValue(),
          r.maxError(),
          r.maxError() <= tolerance ? "ok" : "FAILED at " + r.worst());
    }
    return worst;
  }
}
