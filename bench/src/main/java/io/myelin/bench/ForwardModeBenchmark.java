package io.myelin.bench;

import io.myelin.DType;
import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.autograd.ForwardAD;
import io.myelin.autograd.Functional;
import io.myelin.backend.DeviceManager;
import io.myelin.loss.FusedLosses;
import io.myelin.memory.MemoryScope;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The cost of forward mode on the MNIST-shape MLP (784-128-10, ReLU, fused cross-entropy, float32,
 * batch 128 by default): medians over repetitions of
 *
 * <ul>
 *   <li>{@code forward}: the loss, gradients off;
 *   <li>{@code jvp}: the loss and its directional derivative along a random v over all parameters
 *       ({@link Functional#jvpOfParameters}), gradients off; target {@code jvp / forward <= 3};
 *   <li>{@code gradient}: the loss and {@code backward()};
 *   <li>{@code hvp}: the loss, its gradient and {@code H v} by forward over reverse ({@link
 *       Functional#hvp(Supplier, List, List)}); target {@code hvp / gradient <= 5};
 *   <li>{@code forward/gradient, level on another thread}: the same while a dual level is live on a
 *       different thread, so every op takes the slow path of the "is forward mode on?" check (a
 *       thread-local read) instead of the one volatile read of the fast path: the overhead of
 *       forward mode on code that does not use it is at most the difference to the plain ones.
 * </ul>
 *
 * <pre>
 * ForwardModeBenchmark --device cpu --model 784-128-10 --batch 128 --reps 200 --warmup 50
 * </pre>
 */
public final class ForwardModeBenchmark {
  private ForwardModeBenchmark() {}

  public static void main(String[] args) throws Exception {
    String device = "cpu";
    int[] sizes = {784, 128, 10};
    int batch = 128;
    int reps = 200;
    int warmup = 50;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--device" -> device = args[i + 1];
        case "--model" ->
            sizes = Arrays.stream(args[i + 1].split("-")).mapToInt(Integer::parseInt).toArray();
        case "--batch" -> batch = Integer.parseInt(args[i + 1]);
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
                    + "; expected --device, --model, --batch, --reps, --warmup");
      }
    }
    Device dev = Device.parse(device);
    try (var scope = DeviceManager.useDevice(dev)) {
      run(dev, sizes, batch, reps, warmup);
    }
  }

  private static void run(Device dev, int[] sizes, int batch, int reps, int warmup)
      throws Exception {
    Generator gen = new Generator(7);
    Tensor x = Tensor.normal(dev, DType.FLOAT32, gen, 0, 1, batch, sizes[0]);
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = i % sizes[sizes.length - 1];
    }
    Tensor y = Tensor.of(dev, labels, batch);
    Tensor[] params = new Tensor[2 * (sizes.length - 1)];
    Tensor[] vs = new Tensor[params.length];
    for (int l = 0; l + 1 < sizes.length; l++) {
      double bound = 1 / Math.sqrt(sizes[l]);
      params[2 * l] =
          Tensor.uniform(dev, DType.FLOAT32, gen, -bound, bound, sizes[l + 1], sizes[l])
              .persist()
              .requiresGrad(true);
      params[2 * l + 1] =
          Tensor.uniform(dev, DType.FLOAT32, gen, -bound, bound, sizes[l + 1])
              .persist()
              .requiresGrad(true);
    }
    for (int i = 0; i < params.length; i++) {
      vs[i] = Tensor.normal(dev, DType.FLOAT32, gen, 0, 1, params[i].shape()).persist();
    }
    List<Tensor> ps = List.of(params);
    List<Tensor> v = List.of(vs);
    Supplier<Tensor> loss =
        () -> {
          Tensor h = x;
          for (int l = 0; l < params.length / 2; l++) {
            h = h.matmul(params[2 * l].t()).add(params[2 * l + 1]);
            if (l + 1 < params.length / 2) {
              h = h.relu();
            }
          }
          return FusedLosses.crossEntropy(h, y, null, -100, 0, true);
        };
    Runnable forward =
        () -> {
          try (var ng = Autograd.noGrad()) {
            loss.get().item();
          }
        };
    Runnable jvp =
        () -> {
          try (var ng = Autograd.noGrad()) {
            Functional.jvpOfParameters(loss, ps, v).tangent().item();
          }
        };
    Runnable gradient =
        () -> {
          for (Tensor p : params) {
            p.zeroGrad();
          }
          loss.get().backward();
          params[0].grad().sum().item();
        };
    Runnable hvp = () -> Functional.hvp(loss, ps, v).products()[0].sum().item();
    String model = String.join("-", Arrays.stream(sizes).mapToObj(Integer::toString).toList());
    // The variants run interleaved, one repetition of each per round, so that the machine's
    // drift (other load, frequency) reaches all of them alike; the "level on another thread" ones
    // open a dual level on a helper thread for their repetition only.
    String[] names = {
      "forward",
      "jvp",
      "gradient",
      "hvp",
      "forward, level on another thread",
      "gradient, level on another thread"
    };
    Runnable[] bodies = {forward, jvp, gradient, hvp, forward, gradient};
    boolean[] otherLevel = {false, false, false, false, true, true};
    double[][] ms = new double[names.length][reps];
    try (LevelOnAnotherThread other = new LevelOnAnotherThread()) {
      for (int r = -warmup; r < reps; r++) {
        for (int k = 0; k < names.length; k++) {
          if (otherLevel[k]) {
            other.open();
          }
          long t0 = System.nanoTime();
          try (MemoryScope s = MemoryScope.open()) {
            bodies[k].run();
          }
          long t1 = System.nanoTime();
          if (otherLevel[k]) {
            other.release();
          }
          if (r >= 0) {
            ms[k][r] = (t1 - t0) / 1e6;
          }
        }
      }
    }
    double[] med = new double[names.length];
    for (int k = 0; k < names.length; k++) {
      med[k] = median(ms[k]);
    }
    int[] baseOf = {-1, 0, -1, 2, 0, 2};
    System.out.println("model,batch,device,what,reps,median_ms,ratio,of");
    for (int k = 0; k < names.length; k++) {
      System.out.printf(
          Locale.ROOT,
          "%s,%d,%s,\"%s\",%d,%.4f,%s,%s%n",
          model,
          batch,
          dev,
          names[k],
          reps,
          med[k],
          baseOf[k] < 0 ? "" : String.format(Locale.ROOT, "%.3f", med[k] / med[baseOf[k]]),
          baseOf[k] < 0 ? "" : names[baseOf[k]]);
    }
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** A helper thread that holds a dual level between {@link #open} and {@link #release}. */
  private static final class LevelOnAnotherThread implements AutoCloseable {
    private final java.util.concurrent.SynchronousQueue<Boolean> commands =
        new java.util.concurrent.SynchronousQueue<>();
    private final java.util.concurrent.SynchronousQueue<Boolean> acks =
        new java.util.concurrent.SynchronousQueue<>();
    private final Thread thread;

    LevelOnAnotherThread() {
      thread =
          new Thread(
              () -> {
                try {
                  while (commands.take()) {
                    try (var level = ForwardAD.dualLevel()) {
                      acks.put(true);
                      commands.take();
                    }
                    acks.put(true);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      thread.setDaemon(true);
      thread.start();
    }

    void open() throws InterruptedException {
      commands.put(true);
      acks.take();
    }

    void release() throws InterruptedException {
      commands.put(true);
      acks.take();
    }

    @Override
    public void close() {
      try {
        commands.put(false);
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
