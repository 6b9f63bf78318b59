package io.myelin.train;

/**
 * What a training run scores besides the loss: accuracy for classification (integer class labels),
 * mean squared error for regression (float targets). The Trainer picks it from the training set's
 * targets, as Keras' {@code metrics=["accuracy"]} or {@code ["mse"]} would be chosen by hand.
 */
public enum Metric {
  /** Fraction of rows whose largest logit is the label, in [0, 1]; higher is better. */
  ACCURACY("accuracy"),
  /** Mean over rows and target columns of the squared error; lower is better. */
  MSE("mse");

  private final String columnName;

  Metric(String columnName) {
    this.columnName = columnName;
  }

  /** The name in history CSV columns and logs: {@code accuracy} or {@code mse}. */
  public String columnName() {
    return columnName;
  }

  /**
   * The metric named {@code accuracy} or {@code mse}.
   *
   * @throws IllegalArgumentException for any other name
   */
  public static Metric named(String name) {
    for (Metric m : values()) {
      if (m.columnName.equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown metric '" + name + "'; expected accuracy or mse");
  }
}
