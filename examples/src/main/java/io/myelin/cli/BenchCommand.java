package io.myelin.cli;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import io.myelin.examples.Losses;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelSpec;
import io.myelin.memory.MemoryScope;
import io.myelin.nn.Sequential;
import io.myelin.optim.SGD;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code myelin bench}: square float32 GEMM throughput at a few sizes, then training-step
 * throughput of an MLP on random data, on the chosen device.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Measure GEMM GFLOP/s and MLP training-step throughput on a device.")
final class BenchCommand implements Callable<Integer> {
  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      description = "auto, cpu, cuda or cuda:N (default: MYELIN_DEVICE, else auto).")
  String device;

  @Option(
      names = "--sizes",
      paramLabel = "N,N,..",
      split = ",",
      defaultValue = "256,512,1024",
      description = "Square GEMM sizes (default: ${DEFAULT-VALUE}).")
  int[] sizes;

  @Option(
      names = "--model",
      paramLabel = "SPEC",
      defaultValue = "mlp:784-256-128-10",
      description = "Model of the training-step benchmark (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "128",
      description = "Rows per training step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "50",
      description = "Timed training steps, after 5 warm-up steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Override
  public Integer call() {
    if (batchSize < 1 || steps < 1) {
      throw new Errors.BadInputException("--batch-size and --steps must be at least 1");
    }
    Device dev = DeviceManager.global().resolve(device);
    ModelSpec spec = new ModelSpec(ModelSpec.parseSizes(model), "relu", false, 0, "default");
    if (spec.inputs() == ModelSpec.AUTO || spec.outputs() == ModelSpec.AUTO) {
      throw new Errors.BadInputException("--model needs explicit sizes, e.g. mlp:784-256-128-10");
    }
    Generator gen = new Generator(0);
    System.out.println("device " + dev);
    try (var scope = DeviceManager.useDevice(dev)) {
      for (int n : sizes) {
        if (n < 1) {
          throw new Errors.BadInputException("--sizes must be positive, got " + n);
        }
        try (MemoryScope s = MemoryScope.open()) {
          Tensor a = Tensor.randn(gen, n, n).to(dev);
          Tensor b = Tensor.randn(gen, n, n).to(dev);
          a.matmul(b).sum().item(); // warm-up
          int reps = 0;
          long t0 = System.nanoTime();
          double elapsed;
          do {
            try (MemoryScope inner = MemoryScope.open()) {
              a.matmul(b).narrow(0, 0, 1).sum().item();
            }
            reps++;
            elapsed = (System.nanoTime() - t0) / 1e9;
          } while (elapsed < 1.0 && reps < 1000);
          System.out.printf(
              Locale.ROOT,
              "gemm %5d x %-5d %8.1f GFLOP/s  (%d runs, %.2f ms each)%n",
              n,
              n,
              2.0 * n * n * n * reps / elapsed / 1e9,
              reps,
              elapsed * 1e3 / reps);
        }
      }
      Sequential net = Mlp.build(spec, gen);
      net.to(dev);
      var opt = new SGD(net.parameters(), SGD.Options.of(0.01));
      int[] labels = new int[batchSize];
      for (int i = 0; i < batchSize; i++) {
        labels[i] = i % spec.outputs();
      }
      Tensor x = Tensor.randn(gen, batchSize, spec.inputs()).to(dev);
      Tensor y = Tensor.ofInts(labels, batchSize).to(dev);
      long t0 = 0;
      for (int i = 0; i < steps + 5; i++) {
        if (i == 5) {
          t0 = System.nanoTime();
        }
        try (MemoryScope s = MemoryScope.open()) {
          Tensor loss = Losses.crossEntropy(net.forward(x), y);
          loss.backward();
          opt.step();
          opt.zeroGrad();
          loss.item();
        }
      }
      double sec = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "train %s batch %d: %.2f ms/step, %,.0f samples/s%n",
          spec.text(),
          batchSize,
          sec * 1e3 / steps,
          steps * (double) batchSize / sec);
      opt.close();
    }
    return 0;
  }
}
