package io.myelin.train;

/**
 * What one epoch of training measured. Validation figures are NaN when there was no validation set;
 * the metric is accuracy for classification, MSE for regression.
 *
 * @param epoch 1-based epoch number
 * @param seconds wall time of the epoch
 * @param learningRate learning rate at the end of the epoch (first parameter group)
 * @param trainLoss mean training loss over the epoch's batches
 * @param trainMetric training accuracy or MSE over the epoch
 * @param validationLoss loss on the validation set after the epoch
 * @param validationMetric validation accuracy or MSE after the epoch
 * @param samples training samples processed in the epoch
 */
public record EpochRecord(
    int epoch,
    double seconds,
    double learningRate,
    double trainLoss,
    double trainMetric,
    double validationLoss,
    double validationMetric,
    long samples) {

  public boolean hasValidation() {
    return !Double.isNaN(validationLoss);
  }
}
