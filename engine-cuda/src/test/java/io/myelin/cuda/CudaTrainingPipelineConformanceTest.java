package io.myelin.cuda;

import io.myelin.Device;
import io.myelin.testing.TrainingPipelineConformanceTest;

/**
 * The training-pipeline equality suite on cuda:0: every option combination bit-identical with CUDA
 * graphs on and off and to the hand-written loop (skipped without a GPU).
 */
class CudaTrainingPipelineConformanceTest extends TrainingPipelineConformanceTest {
  @Override
  protected Device device() {
    return CudaTestDevice.get();
  }

  @Override
  protected boolean supportsCapture() {
    return true;
  }
}
