package io.myelin.examples;

import io.myelin.train.Metrics;

/**
 * A model's figures on one part of the data: the loss, and accuracy (classification) or MSE, MAE
 * and R-squared (regression); NaN for those that do not apply.
 */
public record Scores(
    double loss, double accuracy, double mse, double mae, double r2, long samples) {

  /** Classification scores from true and predicted labels. */
  public static Scores classification(double loss, int[] truth, int[] predicted) {
    return new Scores(
        loss, Metrics.accuracy(truth, predicted), Double.NaN, Double.NaN, Double.NaN, truth.length);
  }

  /** Regression scores from true and predicted values. */
  public static Scores regression(double loss, float[] truth, float[] predicted, int rows) {
    return new Scores(
        loss,
        Double.NaN,
        Metrics.mse(truth, predicted),
        Metrics.mae(truth, predicted),
        Metrics.r2(truth, predicted),
        rows);
  }
}
