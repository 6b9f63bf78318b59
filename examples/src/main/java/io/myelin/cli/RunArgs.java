package io.myelin.cli;

import io.myelin.Device;
import io.myelin.backend.DeviceManager;
import io.myelin.data.ArrayDataset;
import io.myelin.data.BatchAugmentation;
import io.myelin.data.DataLoader;
import io.myelin.data.RandomShift;
import io.myelin.examples.Preprocessing;
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
      names = "--augment",
      paramLabel = "SPEC",
      defaultValue = "none",
      description =
          "Augment the training batches of an image dataset (mnist, fashion-mnist, digits):"
              + " none, or shift:N (each image moves by whole pixels, dy and dx uniform in [-N, N],"
              + " the pixels entering filled with blank background, as torchvision's"
              + " RandomCrop(size, padding=N)); the shifts follow the seed, per epoch and batch;"
              + " validation and test data are never augmented (default: ${DEFAULT-VALUE}).")
  String augment;

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
          "Capture each training step as a graph and replay it: auto (where the device does by"
              + " default: the GPU and the CPU), on, off (default: ${DEFAULT-VALUE}). Either"
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
    augmentShift();
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

  /** The datasets whose rows are square one-channel images (the CNN models' inputs). */
  private static final java.util.Set<String> IMAGE_DATASETS =
      java.util.Set.of("mnist", "fashion-mnist", "digits");

  /** The largest shift of --augment shift:N, 0 for none; a bad spec is refused naming it. */
  int augmentShift() {
    String s = augment == null ? "none" : augment.strip().toLowerCase(java.util.Locale.ROOT);
    if (s.equals("none")) {
      return 0;
    }
    String usage = "bad --augment '" + augment + "': expected none or shift:N with N >= 1";
    if (!s.startsWith("shift:")) {
      throw new Errors.BadInputException(usage);
    }
    try {
      int n = Integer.parseInt(s.substring("shift:".length()));
      if (n < 1) {
        throw new Errors.BadInputException(usage);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new Errors.BadInputException(usage);
    }
  }

  /**
   * The training batches' augmentation, or null for none: a {@link RandomShift} of the square
   * one-channel images of {@code dataset}, empty pixels holding what a raw 0 (blank background)
   * becomes after {@code prep}.
   */
  BatchAugmentation augmentation(String dataset, int cols, Preprocessing prep, long seed) {
    int shift = augmentShift();
    if (shift == 0) {
      return null;
    }
    int side = (int) Math.round(Math.sqrt(cols));
    if (!IMAGE_DATASETS.contains(dataset) || side * side != cols) {
      throw new Errors.BadInputException(
          "--augment "
              + augment
              + " needs an image dataset (mnist, fashion-mnist or digits), got "
              + dataset);
    }
    float[] blank = new float[cols];
    prep.applyToRaw(blank, cols);
    return new RandomShift(shift, 1, side, side, blank, seed);
  }

  Device device() {
    return DeviceManager.global().resolve(device);
  }

  DataLoader loader(ArrayDataset data, long seed, Device dev) {
    return loader(data, seed, dev, null);
  }

  /** The loader of {@code data}, its batches rewritten by {@code augment} (null: none). */
  DataLoader loader(ArrayDataset data, long seed, Device dev, BatchAugmentation augment) {
    var o = DataLoader.Options.batches(batchSize);
    if (!noShuffle) {
      o = o.shuffled(seed);
    }
    if (augment != null) {
      // Augmentation rewrites host batches, so the data set is not made resident on a GPU.
      return new DataLoader(data, o.augmented(augment), dev);
    }
    // On a GPU the data set goes to the device once and batches are gathered there (only the
    // row indices cross per batch); the CPU batches from the host arrays as before.
    if (!dev.equals(Device.CPU)) {
      o = o.residentOnDevice();
    }
    return new DataLoader(data, o, dev);
  }
}
