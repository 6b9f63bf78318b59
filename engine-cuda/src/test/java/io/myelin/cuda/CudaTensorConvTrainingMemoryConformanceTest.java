package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.ConvTrainingMemoryConformanceTest;

/**
 * Memory flatness of a convolutional training run on cuda:0 (skipped without a GPU): the caching
 * allocator's statistics, system allocations included, stay flat after the first epoch.
 */
class CudaTensorConvTrainingMemoryConformanceTest extends ConvTrainingMemoryConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }

  @Override
  protected boolean allocatorCaches() {
    return true;
  }
}
