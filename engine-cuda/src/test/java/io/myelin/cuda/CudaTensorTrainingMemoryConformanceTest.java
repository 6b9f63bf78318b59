package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.TrainingMemoryConformanceTest;

/**
 * Memory flatness of a training run on cuda:0 (skipped without a GPU): the caching allocator's
 * statistics, system allocations included, stay flat after the first epoch.
 */
class CudaTensorTrainingMemoryConformanceTest extends TrainingMemoryConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }

  @Override
  protected boolean allocatorCaches() {
    return true;
  }
}
