package io.myelin.bench;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import io.myelin.loss.FusedLosses;
import io.myelin.optim.FullBatchOptimizer;
import io.myelin.optim.LBFGS;
import io.myelin.optim.NewtonCG;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Newton-CG against L-BFGS on the problems of NewtonCGConformanceTest (issue 16): Rosenbrock from
 * (-1.2, 1) and the 300 x 6 two-class logistic regression with L2 0.01, the same options and
 * tolerances as the test. Prints per optimizer the iterations, function evaluations, Hessian-vector
 * products (Newton-CG) and the median wall time of a whole minimisation over {@code --reps} runs,
 * the two optimizers interleaved run by run after {@code --warmup} unmeasured runs of each.
 *
 * <pre>
 * NewtonCGBenchmark --device cpu --reps 5 --warmup 200
 * </pre>
 */
public final class NewtonCGBenchmark {
  private NewtonCGBenchmark() {}

  public static void main(String[] args) {
    String device = "cpu";
    int reps = 5;
    int warmup = 200;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--device" -> device = args[i + 1];
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + "; expected --device, --reps, --warmup");
      }
    }
    Device dev = Device.parse(device);
    try (var scope = DeviceManager.useDevice(dev)) {
      compare(
          "rosenbrock from (-1.2, 1)",
          () -> Tensor.of(dev, new double[] {-1.2, 1}, 2),
          NewtonCGBenchmark::rosenbrock,
          1e-10,
          1e-14,
          reps,
          warmup);
      Function<Tensor, Tensor> logistic = logisticProblem(dev);
      compare(
          "logistic regression 300x6, 2 classes",
          () -> Tensor.of(dev, new double[14], 14),
          logistic,
          1e-9,
          1e-15,
          reps,
          warmup);
    }
  }

  private record Run(FullBatchOptimizer.Result result, long hvps, double ms) {}

  private static void compare(
      String problem,
      Supplier<Tensor> start,
      Function<Tensor, Tensor> loss,
      double gradTol,
      double changeTol,
      int reps,
      int warmup) {
    Run[] newton = new Run[reps];
    Run[] lbfgs = new Run[reps];
    for (int r = -warmup; r < reps; r++) {
      Run n = run(true, start, loss, gradTol, changeTol);
      Run l = run(false, start, loss, gradTol, changeTol);
      if (r >= 0) {
        newton[r] = n;
        lbfgs[r] = l;
      }
    }
    System.out.println(problem + ":");
    print("Newton-CG", newton);
    print("L-BFGS", lbfgs);
  }

  private static void print(String name, Run[] runs) {
    double[] ms = Arrays.stream(runs).mapToDouble(Run::ms).sorted().toArray();
    FullBatchOptimizer.Result r = runs[0].result();
    System.out.println(
        String.format(
            Locale.ROOT,
            "  %-9s iterations %3d  evaluations %3d  hvps %4d  loss %.12g  %s  median %.2f ms"
                + " (min %.2f, max %.2f, %d runs)",
            name,
            r.iterations(),
            r.evaluations(),
            runs[0].hvps(),
            r.loss(),
            r.reason(),
            ms[ms.length / 2],
            ms[0],
            ms[ms.length - 1],
            ms.length));
  }

  private static Run run(
      boolean newtonCg,
      Supplier<Tensor> start,
      Function<Tensor, Tensor> loss,
      double gradTol,
      double changeTol) {
    Tensor x = start.get().requiresGrad(true);
    long t0 = System.nanoTime();
    NewtonCG newton = null;
    FullBatchOptimizer opt;
    if (newtonCg) {
      newton =
          new NewtonCG(
              List.of(x),
              NewtonCG.Options.defaults()
                  .withMaxIterations(200)
                  .withTolerances(gradTol, changeTol));
      opt = newton;
    } else {
      opt =
          new LBFGS(
              List.of(x),
              LBFGS.Options.defaults().withMaxIterations(200).withTolerances(gradTol, changeTol));
    }
    FullBatchOptimizer.Result r =
        opt.step(
            () -> {
              Tensor l = loss.apply(x);
              l.backward();
              return l.item();
            });
    double ms = (System.nanoTime() - t0) / 1e6;
    return new Run(r, newton == null ? 0 : newton.hessianVectorProducts(), ms);
  }

  private static Tensor rosenbrock(Tensor x) {
    Tensor x0 = x.narrow(0, 0, 1);
    Tensor x1 = x.narrow(0, 1, 1);
    return x1.sub(x0.square()).square().mul(100.0).add(x0.rsub(1.0).square()).sum();
  }

  /** The test's data: 300 samples, 6 features, labels from a noisy linear rule (seed 17). */
  private static Function<Tensor, Tensor> logisticProblem(Device dev) {
    Generator gen = new Generator(17);
    Tensor features = Tensor.normal(dev, DType.FLOAT64, gen, 0, 1, 300, 6).persist();
    Tensor trueW =
        Tensor.of(
            dev, new double[] {1.5, -2, 0.5, 0, 1, -0.7, 0.3, -0.3, 0.8, -1.1, 0.2, 0.4}, 6, 2);
    Tensor noise = Tensor.normal(dev, DType.FLOAT64, gen, 0, 0.5, 300, 2);
    int[] labels = new int[300];
    double[] score = features.matmul(trueW).add(noise).toDoubleArray();
    for (int i = 0; i < 300; i++) {
      labels[i] = score[2 * i] > score[2 * i + 1] ? 0 : 1;
    }
    Tensor y = Tensor.of(dev, labels, 300).persist();
    return params -> {
      Tensor w = params.narrow(0, 0, 12).reshape(6, 2);
      Tensor b = params.narrow(0, 12, 2);
      Tensor ce = FusedLosses.crossEntropy(features.matmul(w).add(b), y, null, -100, 0, true);
      return ce.add(w.square().sum().mul(0.005));
    };
  }
}
