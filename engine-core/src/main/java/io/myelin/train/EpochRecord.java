package io.myelin.train;

/**
 * What one epoch of training measured. Validation figures are NaN when there was no validation set
 * ({@link #hasValidation()}), as Keras' history simply has no {@code val_*} entries then.
 *
 * <p>Read the score by its name: {@link #trainAccuracy()} / {@link #validationAccuracy()} for
 * classification, {@link #trainMse()} / {@link #validationMse()} for regression. Asking a
 * regression record for its accuracy (or the reverse) throws, naming the accessor to use, rather
 * than return a number of the other kind. {@link #trainMetric()} and {@link #validationMetric()}
 * give the score whatever its kind, for code that handles both (with {@link #metric()} saying
 * which).
 *
 * @param epoch 1-based epoch number
 * @param seconds wall time of the epoch
 * @param learningRate learning rate at the end of the epoch (first parameter group)
 * @param trainLoss mean training loss over the epoch's batches
 * @param trainMetric training accuracy or MSE over the epoch, as {@code metric} says
 * @param validationLoss loss on the validation set after the epoch
 * @param validationMetric validation accuracy or MSE after the epoch, as {@code metric} says
 * @param samples training samples processed in the epoch
 * @param metric which score {@code trainMetric} and {@code validationMetric} hold; null only in
 *     records read from a checkpoint written before the kind was recorded (the Trainer sets it when
 *     it resumes from one)
 */
public record EpochRecord(
    int epoch,
    double seconds,
    double learningRate,
    double trainLoss,
    double trainMetric,
    double validationLoss,
    double validationMetric,
    long samples,
    Metric metric) {

  public boolean hasValidation() {
    return !Double.isNaN(validationLoss);
  }

  /**
   * Training accuracy over the epoch, in [0, 1].
   *
   * @throws IllegalStateException if the run was a regression (use {@link #trainMse()})
   */
  public double trainAccuracy() {
    return score(Metric.ACCURACY, trainMetric, "trainAccuracy()", "trainMse()");
  }

  /**
   * Validation accuracy after the epoch, in [0, 1]; NaN without a validation set.
   *
   * @throws IllegalStateException if the run was a regression (use {@link #validationMse()})
   */
  public double validationAccuracy() {
    return score(Metric.ACCURACY, validationMetric, "validationAccuracy()", "validationMse()");
  }

  /**
   * Training mean squared error over the epoch.
   *
   * @throws IllegalStateException if the run was a classification (use {@link #trainAccuracy()})
   */
  public double trainMse() {
    return score(Metric.MSE, trainMetric, "trainMse()", "trainAccuracy()");
  }

  /**
   * Validation mean squared error after the epoch; NaN without a validation set.
   *
   * @throws IllegalStateException if the run was a classification (use {@link
   *     #validationAccuracy()})
   */
  public double validationMse() {
    return score(Metric.MSE, validationMetric, "validationMse()", "validationAccuracy()");
  }

  /** This record with {@code metric} as its kind (the scores unchanged). */
  public EpochRecord withMetric(Metric metric) {
    return new EpochRecord(
        epoch,
        seconds,
        learningRate,
        trainLoss,
        trainMetric,
        validationLoss,
        validationMetric,
        samples,
        metric);
  }

  private double score(Metric wanted, double value, String asked, String other) {
    if (metric == wanted) {
      return value;
    }
    if (metric == null) {
      throw new IllegalStateException(
          asked
              + ": this epoch record does not say whether it scored accuracy or MSE (read from an"
              + " old checkpoint); use trainMetric()/validationMetric()");
    }
    throw new IllegalStateException(
        asked
            + ": the run was a "
            + (metric == Metric.MSE
                ? "regression, scored by MSE"
                : "classification, scored by accuracy")
            + "; use "
            + other);
  }
}
