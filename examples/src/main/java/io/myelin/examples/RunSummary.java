package io.myelin.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a training run achieved: the final table of {@code myelin train} and its {@code --summary}
 * JSON.
 *
 * @param task {@code classify} or {@code regress}
 * @param device the device trained on, e.g. {@code cpu} or {@code cuda:0}
 * @param model the model spec, e.g. {@code mlp:8-20-20-2}
 * @param parameters number of trainable parameters
 * @param epochs epochs run by this process (fewer than asked when early stopping triggered; those
 *     after the checkpoint of a resumed run)
 * @param seconds wall time of the training loop only
 * @param samplesPerSecond training samples processed per second of that loop
 * @param train scores on the training set
 * @param validation scores on the validation set, or null
 * @param test scores on the test set, or null
 * @param graphs how the training steps ran: {@code captured} or {@code eager: REASON} (null for
 *     none recorded)
 */
public record RunSummary(
    String task,
    String device,
    String model,
    long parameters,
    int epochs,
    double seconds,
    double samplesPerSecond,
    Scores train,
    Scores validation,
    Scores test,
    String graphs) {

  public boolean classification() {
    return task.equals("classify");
  }

  /** The {@code --summary} JSON object, keys as documented in the README. */
  public Map<String, Object> toJson() {
    var m = new LinkedHashMap<String, Object>();
    m.put("task", task);
    m.put("device", device);
    m.put("model", model);
    m.put("parameters", parameters);
    m.put("epochs", epochs);
    m.put("seconds", finiteOrNull(seconds));
    m.put("samples_per_second", finiteOrNull(samplesPerSecond));
    if (graphs != null) {
      m.put("graphs", graphs);
    }
    m.put("train_loss", finiteOrNull(train.loss()));
    if (classification()) {
      m.put("train_accuracy", finiteOrNull(train.accuracy()));
    } else {
      m.put("train_mse", finiteOrNull(train.mse()));
    }
    if (validation != null) {
      m.put("val_loss", finiteOrNull(validation.loss()));
      m.put(
          classification() ? "val_accuracy" : "val_mse",
          finiteOrNull(classification() ? validation.accuracy() : validation.mse()));
    }
    m.put("test_loss", test == null ? null : finiteOrNull(test.loss()));
    if (classification()) {
      m.put("test_accuracy", test == null ? null : finiteOrNull(test.accuracy()));
    } else {
      m.put("test_mse", test == null ? null : finiteOrNull(test.mse()));
      m.put("test_mae", test == null ? null : finiteOrNull(test.mae()));
      m.put("test_r2", test == null ? null : finiteOrNull(test.r2()));
    }
    return m;
  }

  /** JSON has no NaN or infinity: a diverged run's loss is written as null. */
  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
