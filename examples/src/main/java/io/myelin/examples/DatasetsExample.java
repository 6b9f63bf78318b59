package io.myelin.examples;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.backend.DeviceManager;
import io.myelin.data.ArrayDataset;
import io.myelin.data.DataLoader;
import io.myelin.data.Split;
import io.myelin.data.Splits;
import io.myelin.datasets.EmbeddedDatasets;
import io.myelin.loss.CrossEntropyLoss;
import io.myelin.nn.*;
import io.myelin.optim.Adam;
import io.myelin.train.History;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;

/** The README's data-set example: the embedded digits, split, trained and validated. */
public final class DatasetsExample {
  private DatasetsExample() {}

  /** Trains and returns the last epoch's validation accuracy. */
  public static double run() {
    // spotless:off (the README shows this block verbatim, aligned comments included)
    // README-EXAMPLE-START
    Generator.manualSeed(0);
    ArrayDataset digits = EmbeddedDatasets.digits();          // [1797, 64] in [0, 1], labels 0..9
    Split split = Splits.stratified(digits.labels(), 0.2, 0.0, 42);
    Layer model = new Sequential(
        new Linear(64, 64), ActivationLayer.relu(), new Linear(64, 10));
    Device device = DeviceManager.global().defaultDevice();
    model.to(device);
    History history;
    try (DataLoader train = new DataLoader(digits.select(split.train()),
             DataLoader.Options.batches(32).shuffled(1), device);
         DataLoader validation = new DataLoader(digits.select(split.validation()),
             DataLoader.Options.batches(256), device)) {
      history = new Trainer(TrainerOptions.defaults().withEpochs(20).withProgress(false))
          .fit(model, new CrossEntropyLoss(), new Adam(model.parameters(), 0.01), train, validation);
    }
    System.out.printf("validation accuracy %.3f%n", history.last().validationAccuracy());
    // README-EXAMPLE-END
    // spotless:on
    return history.last().validationAccuracy();
  }

  public static void main(String[] args) {
    run();
  }
}
