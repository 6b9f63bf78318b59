package io.myelin.cpu;

import io.myelin.Device;
import io.myelin.testing.TrainerConformanceTest;
import io.myelin.train.TrainerOptions;

/**
 * The whole Trainer suite on the CPU with every eligible step captured and replayed (the CPU
 * backend records its calls): learning, early stopping, checkpoints, resume, the Pima and digits
 * accuracy targets through the graph path.
 */
class CpuGraphTrainerTest extends TrainerConformanceTest {
  @Override
  protected Device device() {
    return Device.CPU;
  }

  @Override
  protected TrainerOptions.Graphs graphs() {
    return TrainerOptions.Graphs.ON;
  }
}
