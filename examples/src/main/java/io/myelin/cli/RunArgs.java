package io.myelin.cli;

import io.myelin.Device;
import io.myelin.backend.DeviceManager;
import io.myelin.data.ArrayDataset;
import io.myelin.data.DataLoader;
import picocli.CommandLine.Option;

/** How the training loop runs: epochs, batches, device, threads. */
final class RunArgs {
  @Option(
      names = "--epochs",
      paramLabel = "N",
      defaultValue = "10",
      description = "Epochs to train (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "N",
      defaultValue = "32",
      description = "Rows per batch, 0 for full batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--no-shuffle",
      description =
          "Visit the training rows in the same order every epoch (default: reshuffled"
              + " each epoch).")
  boolean noShuffle;

  @Option(
      names = "--device",
      paramLabel = "DEVICE",
      description =
          "auto, cpu, cuda or cuda:N; auto takes a GPU when one is usable (default:"
              + " MYELIN_DEVICE, else the myelin.device property, else auto).")
  String device;

  @Option(
      names = "--graphs",
      paramLabel = "MODE",
      defaultValue = "auto",
      description =
          "Capture each training step as a graph and replay it: auto (on a GPU), on"
              + " (also on the CPU: faster for small models), off (default: ${DEFAULT-VALUE}). Either"
              + " way the loss is checked for NaN when read, at progress updates and epoch ends.")
  String graphs;

  @Option(
      names = "--no-graphs",
      description = "Issue every step eagerly, never as a graph (the same as --graphs off).")
  boolean noGraphs;

  @Option(
      names = "--tf32",
      description =
          "Let float32 GEMMs use TF32 tensor cores on the GPU (about 1e-3 relative error"
              + " in products instead of 1e-7; off by default, as in PyTorch). No effect on the CPU.")
  boolean tf32;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "CPU threads (the launcher sets MYELIN_NUM_THREADS; default: all processors).")
  Integer threads;

  /** The --graphs / --no-graphs choice. */
  io.myelin.train.TrainerOptions.Graphs graphMode() {
    if (noGraphs) {
      return io.myelin.train.TrainerOptions.Graphs.OFF;
    }
    return switch (graphs == null ? "auto" : graphs.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "auto" -> io.myelin.train.TrainerOptions.Graphs.AUTO;
      case "on" -> io.myelin.train.TrainerOptions.Graphs.ON;
      case "off" -> io.myelin.train.TrainerOptions.Graphs.OFF;
      default ->
          throw new Errors.BadInputException(
              "--graphs must be auto, on or off, got '" + graphs + "'");
    };
  }

  /** Applies --tf32 to the device's backend. */
  void applyPrecision(Device dev) {
    DeviceManager.global()
        .backend(dev)
        .setMatmulPrecision(
            tf32
                ? io.myelin.backend.MatmulPrecision.HIGH
                : io.myelin.backend.MatmulPrecision.HIGHEST);
  }

  void validate() {
    graphMode();
    if (epochs < 1) {
      throw new Errors.BadInputException("--epochs must be at least 1, got " + epochs);
    }
    if (batchSize < 0) {
      throw new Errors.BadInputException(
          "--batch-size must be >= 0 (0 = full batch), got " + batchSize);
    }
    if (threads != null) {
      if (threads < 1) {
        throw new Errors.BadInputException("--threads must be at least 1, got " + threads);
      }
      String env = System.getenv("MYELIN_NUM_THREADS");
      if (env == null || !env.strip().equals(threads.toString())) {
        throw new Errors.BadInputException(
            "--threads is applied by the ./myelin launcher; when"
                + " running the jar directly, set MYELIN_NUM_THREADS="
                + threads
                + " instead");
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
    // On a GPU the data set goes to the device once and batches are gathered there (only the
    // row indices cross per batch); the CPU batches from the host arrays as before.
    if (!dev.equals(Device.CPU)) {
      o = o.residentOnDevice();
    }
    return new DataLoader(data, o, dev);
  }
}
