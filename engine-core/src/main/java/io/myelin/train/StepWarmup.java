package io.myelin.train;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import io.myelin.loss.Loss;
import io.myelin.nn.Layer;
import io.myelin.optim.Optimizer;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Training steps of a throwaway copy of a model, run on a second thread while a command still reads
 * its data: the JIT then sees the real step's code (every kernel, branch and call a step of this
 * model, loss and optimizer takes) before the first epoch instead of during it. A backend that
 * compiles at run time says whether this pays ({@code Backend.expectMatmul}); the command line
 * starts one for such models and {@linkplain #close() stops} it once the data is in.
 *
 * <p>It changes no result: the copy has its own weights (its own {@link Generator}, never the
 * default stream), optimizer state and random data, and nothing of it outlives {@link #close()}.
 * The steps are the trainer's own ({@link TrainingStep} with the trainer's metric, capture choice
 * and step options), on seeded random inputs of the real batch shape. A failure in them (out of
 * memory, say) only ends the warm-up: the real training reports its own errors.
 */
public final class StepWarmup implements AutoCloseable {
  /** An upper bound on the steps: C2 takes a kernel after ~100-250 calls. */
  public static final int MAX_STEPS = 200;

  private Thread thread;
  private volatile boolean stop;
  private volatile int steps;

  private StepWarmup() {}

  /**
   * Starts the steps on a new thread.
   *
   * @param device where the model will train
   * @param model builds the throwaway copy (with its own generator)
   * @param loss the loss for a model
   * @param optimizer the per-batch optimizer for a model's parameters
   * @param batch rows of a batch
   * @param inputs features per row
   * @param outputs classes (classification) or target columns (regression)
   * @param classification labels and the accuracy metric, else float targets and squared error
   * @param options the trainer's options (capture, clipping, accumulation)
   */
  public static StepWarmup start(
      Device device,
      Supplier<Layer> model,
      Function<Layer, Loss> loss,
      Function<List<Tensor>, Optimizer<?>> optimizer,
      int batch,
      int inputs,
      int outputs,
      boolean classification,
      TrainerOptions options) {
    StepWarmup w = new StepWarmup();
    w.thread =
        Thread.ofPlatform()
            .daemon()
            .name("myelin-step-warmup")
            .unstarted(
                () -> {
                  try (var scope = DeviceManager.useDevice(device)) {
                    Layer net = model.get();
                    Generator data = new Generator(1);
                    try (Optimizer<?> opt = optimizer.apply(net.parameters());
                        Tensor x = Tensor.randn(data, batch, inputs).persist();
                        Tensor y = targets(data, batch, outputs, classification);
                        TrainingStep step =
                            TrainingStep.create(
                                net,
                                loss.apply(net),
                                opt,
                                classification
                                    ? Trainer::correctOnDevice
                                    : Trainer::squaredErrorOnDevice,
                                Trainer.eagerReason(options, net) == null,
                                TrainingStep.Options.of(options))) {
                      while (!w.stop && w.steps < MAX_STEPS) {
                        step.run(x, y, false);
                        w.steps++;
                      }
                      DeviceManager.global().backend(device).synchronize();
                    } finally {
                      net.parameters().forEach(Tensor::close);
                    }
                  } catch (RuntimeException | OutOfMemoryError e) {
                    // Only the warm-up ends: the real steps report their own errors.
                  }
                });
    w.thread.start();
    return w;
  }

  /** Labels in [0, outputs) or standard-normal targets, on the current device. */
  private static Tensor targets(Generator g, int batch, int outputs, boolean classification) {
    if (!classification) {
      return Tensor.randn(g, batch, outputs).persist();
    }
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = i % outputs;
    }
    return Tensor.ofInts(labels, batch).persist();
  }

  /** Steps run so far. */
  public int steps() {
    return steps;
  }

  /** Stops after the step in progress and waits for it; the copy's memory is released. */
  @Override
  public void close() {
    stop = true;
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
