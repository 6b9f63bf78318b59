package io.myelin.examples;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.backend.DeviceManager;
import io.myelin.data.ArrayDataset;
import io.myelin.data.DataLoader;
import io.myelin.data.Synthetic;
import io.myelin.loss.CrossEntropyLoss;
// The wildcard is on purpose: it is how users write it, and it must not clash with java.lang
// (the base class is Layer, not Module, for that reason).
import io.myelin.nn.*;
import io.myelin.optim.Adam;
import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;

/** The README's library example: a Sequential model trained by the Trainer. */
public final class TrainerExample {
  private TrainerExample() {}

  /** Trains and returns the last epoch's training accuracy. */
  public static double run() {
    // spotless:off (the README shows this block verbatim, aligned comments included)
    // README-EXAMPLE-START
    Generator.manualSeed(0);                                  // reproducible weights
    ArrayDataset moons = Synthetic.moons(1000, 0.1, 1);       // two interleaved half-moons
    Layer model = new Sequential(
        new Linear(2, 32), ActivationLayer.relu(), new Linear(32, 2));
    Device device = DeviceManager.global().defaultDevice();   // a GPU if there is one, else the CPU
    model.to(device);
    History history;
    try (DataLoader train = new DataLoader(moons, DataLoader.Options.batches(32).shuffled(2), device)) {
      history = new Trainer(TrainerOptions.defaults().withEpochs(30).withProgress(false))
          .fit(model, new CrossEntropyLoss(), new Adam(model.parameters(), 0.01), train);
    }
    EpochRecord last = history.last();
    System.out.printf("loss %.4f  accuracy %.3f%n", last.trainLoss(), last.trainAccuracy());
    // README-EXAMPLE-END
    // spotless:on
    return last.trainAccuracy();
  }

  public static void main(String[] args) {
    run();
  }
}
