package io.myelin.cli;

import io.myelin.Device;
import io.myelin.backend.DeviceManager;
import io.myelin.data.ArrayDataset;
import io.myelin.data.DataLoader;
import picocli.CommandLine.Option;

/** How the training loop runs: epochs, batches, device, threads. */
final class RunArgs {
  @Option(names = "--epochs", paramLabel = "N", defaultValue = "10",
      description = "Epochs to train (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
      description = "Rows per batch, 0 for full batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--no-shuffle",
      description = "Visit the training rows in the same order every epoch (default: reshuffled"
          + " each epoch).")
  boolean noShuffle;

  @Option(names = "--device", paramLabel = "DEVICE",
      description = "auto, cpu, cuda or cuda:N; auto takes a GPU when one is usable (default:"
          + " MYELIN_DEVICE, else the myelin.device property, else auto).")
  String device;

  @Option(names = "--threads", paramLabel = "N",
      description = "CPU threads (the launcher sets MYELIN_NUM_THREADS; default: all processors).")
  Integer threads;

  void validate() {
    if (epochs < 1) {
      throw new Errors.BadInputException("--epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 0) {
      throw new Errors.BadInputException("--batch-size must be >= 0 (0 = full batch), got "
          + batchSize);
    }
    if (threads != null) {
      if (threads < 1) {
        throw new Errors.BadInputException("--threads must be at least 1, got " + threads);
      }
      String env = System.getenv("MYELIN_NUM_THREADS");
      if (env == null || !env.strip().equals(threads.toString())) {
        throw new Errors.BadInputException("--threads is applied by the ./myelin launcher; when"
            + " running the jar directly, set MYELIN_NUM_THREADS=" + threads + " instead");
      }
    }
  }

  Device device() {
    return DeviceManager.global().resolve(device);
  }

  DataLoader loader(ArrayDataset data, long seed, Device dev) {
    var o = DataLoader.Options.batches(batchSize);
    if (!noShuffle) {
      o = o.shuffled(seed);
    }
    return new DataLoader(data, o, dev);
  }
}
