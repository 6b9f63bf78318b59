package io.myelin.bench;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.Backend;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.MatmulPrecision;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.train.TrainingStep;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training-step time of an MLP (Linear + ReLU, cross-entropy, Adam lr 1e-3) on random data that
 * lives on the device, driven by {@link TrainingStep}: the Myelin half of {@code
 * bench/scripts/gpu_step.sh}, whose PyTorch half is {@code bench/scripts/step_torch.py} with the
 * same columns.
 *
 * <pre>
 * StepBenchmark --device cuda --model 784-512-256-10 --batch 128 --steps 200 --warmup 50 --graphs true
 * </pre>
 *
 * <p>Prints one CSV line ({@link #HEADER}; {@code --header true} prints the header first):
 *
 * <ul>
 *   <li>{@code median_ms, p10_ms, p90_ms}: time per step. A step is issued without waiting for the
 *       device, so timing each step between two synchronisations would measure its latency (launch,
 *       run, drain) and not the throughput of a training loop, where the host issues step i+1 while
 *       the device still runs step i. The timed steps therefore run in blocks of {@code --block} K
 *       steps (default 20, made smaller so that there are at least 10 blocks): the device is
 *       synchronised, the host clock read, K steps issued, the device synchronised and the clock
 *       read again; each block gives one per-step time (its time / K), and the columns are the
 *       median and the 10th/90th percentiles (linear interpolation) over blocks. The step count is
 *       rounded up to whole blocks and reported in {@code steps}.
 *   <li>{@code host_cpu_ms_per_step}: CPU time of the issuing thread ({@link
 *       ThreadMXBean#getCurrentThreadCpuTime}) while it issues the timed steps, the
 *       synchronisations left out (a driver may spin while it waits). On the CPU backend the worker
 *       threads of a parallel kernel are not counted: this is the calling thread only.
 *   <li>{@code device_peak_bytes}: the backend's {@code memoryStats().peakAllocatedBytes()}, a
 *       high-water mark since the backend was created: model, optimizer state, data and the step's
 *       temporaries. Run one configuration per JVM for a per-configuration peak (the script does).
 *   <li>{@code note}: graph replays during the timed steps (a graph run that fell back to eager
 *       shows here), the mean loss of the timed steps (a finite number is the sanity check), the
 *       matmul precision.
 * </ul>
 *
 * <p>Data: one batch, created once on the device before the clock starts, on which every step
 * trains (the work of a loop over a device-resident data set, without the gather). Features are
 * seeded N(0, 1) rows, each repeated once per class, the copies labelled 0, 1, ..., classes - 1
 * ({@code [batch, in]} and {@code [batch]}; the last group is cut short where the batch is not a
 * multiple of the class count). No model can fit such a batch: the loss stays near ln(classes) and
 * every row keeps a gradient of order one. With independent random labels, a model this size
 * memorises one batch in a few dozen steps; the softmax then rounds to exactly one, the gradients
 * of most rows become exact zeros, and the timing would be of arithmetic on zeros (which runs
 * faster than on real data on a GPU). With graphs, TrainingStep copies the batch into the graph's
 * input buffers before every replay (step_torch.py's graph mode does the same).
 */
public final class StepBenchmark {
  /** The CSV columns, shared with step_torch.py. */
  public static final String HEADER =
      "model,batch,device,mode,steps,median_ms,p10_ms,p90_ms,host_cpu_ms_per_step,device_peak_bytes,note";

  private StepBenchmark() {}

  /** One configuration: what to train and how to time it. */
  record Config(
      String device,
      int[] sizes,
      int batch,
      int warmup,
      int block,
      int blocks,
      boolean graphs,
      MatmulPrecision precision) {
    String model() {
      return String.join("-", Arrays.stream(sizes).mapToObj(Integer::toString).toList());
    }

    String mode() {
      return graphs ? "myelin-graphs" : "myelin-eager";
    }
  }

  public static void main(String[] args) {
    Map<String, String> opt = parse(args);
    int steps = positive(opt, "steps", 200);
    int block = positive(opt, "block", 20);
    // At least 10 blocks: a median over fewer says little about the spread.
    if (steps < 10 * block) {
      block = Math.max(1, steps / 10);
    }
    var config =
        new Config(
            opt.getOrDefault("device", "cpu"),
            parseSizes(opt.getOrDefault("model", "784-512-256-10")),
            positive(opt, "batch", 128),
            nonNegative(opt, "warmup", 50),
            block,
            (steps + block - 1) / block,
            Boolean.parseBoolean(opt.getOrDefault("graphs", "false")),
            MatmulPrecision.valueOf(
                opt.getOrDefault("precision", "highest").toUpperCase(Locale.ROOT)));
    if (Boolean.parseBoolean(opt.getOrDefault("header", "false"))) {
      System.out.println(HEADER);
    }
    try {
      System.out.println(run(config));
    } catch (RuntimeException | Error e) {
      // Still a row, so that the table shows which configuration broke and why.
      e.printStackTrace();
      String why =
          (e.getClass().getSimpleName() + ": " + e.getMessage()).replaceAll("[,\\r\\n]", ";");
      System.out.printf(
          Locale.ROOT,
          "%s,%d,%s,%s,0,,,,,,failed: %s%n",
          config.model(),
          config.batch(),
          config.device().replaceAll(":.*", ""),
          config.mode(),
          why);
      System.exit(1);
    }
  }

  /** Trains {@code c} and returns its CSV row. */
  static String run(Config c) {
    Device device = DeviceManager.global().resolve(c.device());
    Backend backend = DeviceManager.global().backend(device);
    backend.setMatmulPrecision(c.precision());
    ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    int[] sizes = c.sizes();
    try (var scope = DeviceManager.useDevice(device)) {
      Generator g = new Generator(0);
      Sequential net = mlp(sizes, g);
      int classes = sizes[sizes.length - 1];
      Tensor x = Tensor.of(features(c.batch(), sizes[0], classes), c.batch(), sizes[0]).persist();
      Tensor y = Tensor.ofInts(labels(c.batch(), classes), c.batch()).persist();
      try (Adam adam = new Adam(net.parameters(), Adam.Options.defaults().withLr(1e-3));
          TrainingStep step = TrainingStep.create(net, new CrossEntropyLoss(), adam, c.graphs())) {
        // With graphs, TrainingStep runs step 1 eagerly and captures step 2: replays start at 3.
        int warmup = c.graphs() ? Math.max(3, c.warmup()) : c.warmup();
        for (int i = 0; i < warmup; i++) {
          step.run(x, y);
        }
        backend.synchronize();
        step.resetRunningLoss();
        long replays0 = step.replays();
        double[] perStepMs = new double[c.blocks()];
        long cpuNanos = 0;
        for (int b = 0; b < c.blocks(); b++) {
          long t0 = System.nanoTime();
          long c0 = bean.getCurrentThreadCpuTime();
          for (int k = 0; k < c.block(); k++) {
            step.run(x, y);
          }
          cpuNanos += bean.getCurrentThreadCpuTime() - c0;
          backend.synchronize();
          perStepMs[b] = (System.nanoTime() - t0) / 1e6 / c.block();
        }
        long replays = step.replays() - replays0;
        double loss = step.runningLoss();
        long peak = backend.memoryStats().peakAllocatedBytes();
        int timed = c.blocks() * c.block();
        Arrays.sort(perStepMs);
        String note =
            String.format(
                Locale.ROOT,
                "replays=%d/%d; loss=%.4f; precision=%s; block=%d",
                replays,
                timed,
                loss,
                c.precision().name().toLowerCase(Locale.ROOT),
                c.block());
        return String.format(
            Locale.ROOT,
            "%s,%d,%s,%s,%d,%.4f,%.4f,%.4f,%.4f,%d,%s",
            c.model(),
            c.batch(),
            device.type(),
            c.mode(),
            timed,
            quantile(perStepMs, 0.5),
            quantile(perStepMs, 0.1),
            quantile(perStepMs, 0.9),
            cpuNanos / 1e6 / timed,
            peak,
            note);
      } finally {
        x.close();
        y.close();
      }
    }
  }

  /** {@code in-h1-...-out}: Linear layers with a ReLU between consecutive ones, as PyTorch's. */
  static Sequential mlp(int[] sizes, Generator g) {
    Sequential net = new Sequential();
    for (int i = 0; i + 1 < sizes.length; i++) {
      net.add(new Linear(sizes[i], sizes[i + 1], true, g));
      if (i + 2 < sizes.length) {
        net.add(ActivationLayer.relu());
      }
    }
    return net;
  }

  /**
   * Row i is the seeded N(0, 1) row i / classes: each row repeats once per label (see class doc).
   */
  static float[] features(int rows, int inputs, int classes) {
    var random = new SplittableRandom(1);
    float[] x = new float[rows * inputs];
    for (int i = 0; i < rows; i++) {
      if (i % classes == 0) {
        for (int j = 0; j < inputs; j++) {
          x[i * inputs + j] = (float) random.nextGaussian();
        }
      } else {
        System.arraycopy(x, (i - 1) * inputs, x, i * inputs, inputs);
      }
    }
    return x;
  }

  /** Label i is i mod classes: the copies of one row carry every label once. */
  static int[] labels(int rows, int classes) {
    int[] y = new int[rows];
    for (int i = 0; i < rows; i++) {
      y[i] = i % classes;
    }
    return y;
  }

  /** Linear interpolation between order statistics of a sorted array (numpy's default). */
  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }

  static int[] parseSizes(String text) {
    String[] parts = text.split("-");
    if (parts.length < 2) {
      throw new IllegalArgumentException(
          "--model: expected sizes like 784-512-256-10, got " + text);
    }
    int[] sizes = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      sizes[i] = Integer.parseInt(parts[i].trim());
      if (sizes[i] < 1) {
        throw new IllegalArgumentException("--model: sizes must be positive, got " + text);
      }
    }
    return sizes;
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + a);
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      out.put(name, value);
    }
    return out;
  }

  private static int positive(Map<String, String> opt, String name, int fallback) {
    int v = Integer.parseInt(opt.getOrDefault(name, Integer.toString(fallback)));
    if (v < 1) {
      throw new IllegalArgumentException("--" + name + " must be at least 1, got " + v);
    }
    return v;
  }

  private static int nonNegative(Map<String, String> opt, String name, int fallback) {
    int v = Integer.parseInt(opt.getOrDefault(name, Integer.toString(fallback)));
    if (v < 0) {
      throw new IllegalArgumentException("--" + name + " must be >= 0, got " + v);
    }
    return v;
  }
}
