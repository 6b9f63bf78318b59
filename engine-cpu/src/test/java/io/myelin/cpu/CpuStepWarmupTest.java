package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.Tensor;
import io.myelin.backend.DeviceManager;
import io.myelin.backend.MemoryStats;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.loss.Loss;
import io.myelin.nn.ActivationLayer;
import io.myelin.nn.Layer;
import io.myelin.nn.Linear;
import io.myelin.nn.Sequential;
import io.myelin.optim.Adam;
import io.myelin.train.StepWarmup;
import io.myelin.train.TrainerOptions;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@link StepWarmup} on the CPU backend, the one that asks for it: the throwaway steps run, leave
 * the default random stream and the backend's memory as they found them, and a failing step only
 * ends the warm-up.
 */
class CpuStepWarmupTest {
  private static final long TIMEOUT_NANOS = 60_000_000_000L;

  private static Sequential mlp(Generator g) {
    Sequential net = new Sequential();
    net.add(new Linear(16, 32, true, g));
    net.add(ActivationLayer.relu());
    net.add(new Linear(32, 4, true, g));
    return net;
  }

  private static StepWarmup start(AtomicReference<Layer> made, Function<Layer, Loss> loss) {
    return StepWarmup.start(
        Device.CPU,
        () -> {
          Layer net = mlp(new Generator(99));
          made.set(net);
          return net;
        },
        loss,
        params -> new Adam(params, Adam.Options.defaults().withLr(1e-3)),
        8,
        16,
        4,
        true,
        TrainerOptions.defaults());
  }

  @Test
  void runsStepsOfACopyAndLeavesNothingBehind() throws Exception {
    MemoryStats before = DeviceManager.global().backend(Device.CPU).memoryStats();
    Generator.manualSeed(7);
    long expectedSeed = Generator.fromDefault().seed();
    Generator.manualSeed(7);
    AtomicReference<Layer> made = new AtomicReference<>();
    StepWarmup w = start(made, net -> new CrossEntropyLoss());
    long t0 = System.nanoTime();
    while (w.steps() < 5 && System.nanoTime() - t0 < TIMEOUT_NANOS) {
      Thread.sleep(1);
    }
    w.close();
    assertTrue(w.steps() >= 5, "steps run: " + w.steps());
    for (Tensor p : made.get().parameters()) {
      assertTrue(p.isClosed(), "the copy's parameters are released");
    }
    assertEquals(
        expectedSeed, Generator.fromDefault().seed(), "the default stream is left as it was");
    MemoryStats after = DeviceManager.global().backend(Device.CPU).memoryStats();
    assertEquals(before.liveBlocks(), after.liveBlocks(), "blocks live before and after");
    assertEquals(before.allocatedBytes(), after.allocatedBytes(), "bytes allocated");
  }

  @Test
  void stopsByItselfAfterItsLastStep() throws Exception {
    AtomicReference<Layer> made = new AtomicReference<>();
    StepWarmup w = start(made, net -> new CrossEntropyLoss());
    long t0 = System.nanoTime();
    while (w.steps() < StepWarmup.MAX_STEPS && System.nanoTime() - t0 < TIMEOUT_NANOS) {
      Thread.sleep(1);
    }
    w.close();
    assertEquals(StepWarmup.MAX_STEPS, w.steps());
  }

  @Test
  void aFailingStepOnlyEndsTheWarmUp() {
    AtomicReference<Layer> made = new AtomicReference<>();
    StepWarmup w =
        start(
            made,
            net -> {
              throw new IllegalStateException("a loss that cannot be built");
            });
    w.close(); // returns, and throws nothing
    assertEquals(0, w.steps());
  }
}
