package io.myelin.bench;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.Backend;
import io.myelin.backend.DeviceManager;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.train.TrainingStep;
import java.util.Locale;
import java.util.Map;

/**
 * The first training steps of an MLP in a fresh JVM, one by one: where a first epoch's JIT warm-up
 * goes (issue 18's first-epoch target). Same model, data and step as {@link StepBenchmark}; prints
 * the wall time of chosen steps and the cumulative time at chosen step counts.
 *
 * <pre>
 * FirstSteps --model 784-512-256-10 --batch 128 --steps 470 --graphs true --load-ms 1000
 * </pre>
 *
 * <p>Output: {@code step i ms} for steps 0-9, 19, 49, 99, ... and {@code cumulative n s} after 1,
 * 10, 100 and all steps, then {@code steady_ms}: the median of the last fifth of the steps.
 *
 * <p>{@code --dry-steps N} (with {@code --load-ms}): during the load time, a second thread runs N
 * steps of a throwaway copy of the model (its own weights, data and optimizer), so that the JIT
 * compiles the step's code before the timed steps: an experiment for a warm-up made of real steps
 * (bench/RESULTS.md, round 5). The timed steps wait for it. {@code timed steps start at epoch ms}
 * lets a JFR recording be split at the first timed step.
 */
public final class FirstSteps {
  private FirstSteps() {}

  public static void main(String[] args) {
    Map<String, String> opt = StepBenchmark.parse(args);
    int[] sizes = StepBenchmark.parseSizes(opt.getOrDefault("model", "784-512-256-10"));
    int batch = Integer.parseInt(opt.getOrDefault("batch", "128"));
    int steps = Integer.parseInt(opt.getOrDefault("steps", "470"));
    boolean graphs = Boolean.parseBoolean(opt.getOrDefault("graphs", "true"));
    Device device = DeviceManager.global().resolve(opt.getOrDefault("device", "cpu"));
    Backend backend = DeviceManager.global().backend(device);
    // As `train` does before it reads the data (Backend.expectMatmul); --load-ms stands for the
    // time the data takes to load, during which a backend may warm up (0: no hint, no wait).
    long loadMs = Long.parseLong(opt.getOrDefault("load-ms", "0"));
    if (loadMs > 0) {
      long largest = 0;
      for (int i = 0; i + 1 < sizes.length; i++) {
        largest = Math.max(largest, (long) sizes[i] * sizes[i + 1]);
      }
      backend.expectMatmul(largest);
      int dry = Integer.parseInt(opt.getOrDefault("dry-steps", "0"));
      Thread dryRun = null;
      if (dry > 0) {
        dryRun =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try (var scope = DeviceManager.useDevice(device)) {
                        Sequential net = StepBenchmark.mlp(sizes, new Generator(1));
                        int classes = sizes[sizes.length - 1];
                        try (Tensor x =
                                Tensor.of(
                                        StepBenchmark.features(batch, sizes[0], classes),
                                        batch,
                                        sizes[0])
                                    .persist();
                            Tensor y =
                                Tensor.ofInts(StepBenchmark.labels(batch, classes), batch)
                                    .persist();
                            Adam adam =
                                new Adam(net.parameters(), Adam.Options.defaults().withLr(1e-3));
                            TrainingStep step =
                                TrainingStep.create(net, new CrossEntropyLoss(), adam, graphs)) {
                          long t0 = System.nanoTime();
                          for (int i = 0; i < dry; i++) {
                            step.run(x, y);
                          }
                          backend.synchronize();
                          System.out.printf(
                              Locale.ROOT,
                              "dry run: %d steps in %.3f s%n",
                              dry,
                              (System.nanoTime() - t0) / 1e9);
                        }
                      }
                    });
      }
      try {
        Thread.sleep(loadMs);
        if (dryRun != null) {
          dryRun.join();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    System.out.printf(
        Locale.ROOT, "timed steps start at epoch ms %d%n", System.currentTimeMillis());
    double[] ms = new double[steps];
    long[] startUptime = new long[steps];
    var runtime = java.lang.management.ManagementFactory.getRuntimeMXBean();
    try (var scope = DeviceManager.useDevice(device)) {
      Sequential net = StepBenchmark.mlp(sizes, new Generator(0));
      int classes = sizes[sizes.length - 1];
      try (Tensor x =
              Tensor.of(StepBenchmark.features(batch, sizes[0], classes), batch, sizes[0])
                  .persist();
          Tensor y = Tensor.ofInts(StepBenchmark.labels(batch, classes), batch).persist();
          Adam adam = new Adam(net.parameters(), Adam.Options.defaults().withLr(1e-3));
          TrainingStep step = TrainingStep.create(net, new CrossEntropyLoss(), adam, graphs)) {
        for (int i = 0; i < steps; i++) {
          startUptime[i] = runtime.getUptime();
          long t0 = System.nanoTime();
          step.run(x, y);
          backend.synchronize();
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    double total = 0;
    for (int i = 0; i < steps; i++) {
      total += ms[i];
      if (i < 10 || (i + 1) % 50 == 0 || i + 1 == 20) {
        System.out.printf(
            Locale.ROOT,
            "step %d %.2f ms (cumulative %.3f s, started at JVM uptime %d ms)%n",
            i,
            ms[i],
            total / 1e3,
            startUptime[i]);
      }
    }
    double[] tail = java.util.Arrays.copyOfRange(ms, steps - steps / 5, steps);
    java.util.Arrays.sort(tail);
    System.out.printf(
        Locale.ROOT,
        "total %.3f s, steady_ms %.3f, total/steady-epoch %.2fx%n",
        total / 1e3,
        StepBenchmark.quantile(tail, 0.5),
        total / (StepBenchmark.quantile(tail, 0.5) * steps));
  }
}
