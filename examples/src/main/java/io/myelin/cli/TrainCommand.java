package io.myelin.cli;

import io.myelin.Device;
import io.myelin.Generator;
import io.myelin.backend.DeviceManager;
import io.myelin.data.BatchAugmentation;
import io.myelin.data.DataLoader;
import io.myelin.examples.HistoryPlot;
import io.myelin.examples.Losses;
import io.myelin.examples.Mlp;
import io.myelin.examples.ModelFile;
import io.myelin.examples.ModelSpec;
import io.myelin.examples.OutputFiles;
import io.myelin.examples.PreparedData;
import io.myelin.examples.Report;
import io.myelin.examples.RunSummary;
import io.myelin.examples.Scoring;
import io.myelin.io.Checkpoint;
import io.myelin.io.CheckpointIO;
import io.myelin.io.Safetensors;
import io.myelin.io.internal.JsonWriter;
import io.myelin.loss.Loss;
import io.myelin.nn.ModelFiles;
import io.myelin.nn.Sequential;
import io.myelin.optim.FullBatchOptimizer;
import io.myelin.optim.Optimizer;
import io.myelin.optim.schedule.LearningRateSchedule;
import io.myelin.optim.schedule.LearningRateScheduler;
import io.myelin.train.Callback;
import io.myelin.train.ConfusionMatrix;
import io.myelin.train.EarlyStopping;
import io.myelin.train.EpochRecord;
import io.myelin.train.History;
import io.myelin.train.StepWarmup;
import io.myelin.train.Trainer;
import io.myelin.train.TrainerOptions;
import io.myelin.train.TrainingCheckpoints;
import io.myelin.train.TrainingState;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code myelin train DATASET [options]}: train an MLP, report, and write what was asked. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Train a multilayer perceptron on a dataset and report train/validation/test" + " metrics.",
      "",
      "Examples:",
      "  myelin train diabetes --model mlp:8-20-20-2 --optimizer"
          + " adam --lr 0.01 --epochs 700 --batch-size 0",
      "  myelin train mnist --plot mnist.png" + " --save mnist.safetensors",
      "  myelin train csv:heart.csv --target target" + " --standardize",
      ""
    })
final class TrainCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "DATASET",
      defaultValue = "diabetes",
      description =
          "Dataset: "
              + DataArgs.DATASETS
              + " (default: ${DEFAULT-VALUE}); "
              + DatasetDefaults.HELP
              + ".")
  String dataset;

  @Spec CommandSpec spec;

  @Mixin DataArgs data = new DataArgs();
  @Mixin ModelArgs model = new ModelArgs();
  @Mixin OptimizerArgs optim = new OptimizerArgs();
  @Mixin RunArgs run = new RunArgs();
  @Mixin SparkArgs sparkArgs = new SparkArgs();

  @Option(
      names = "--early-stopping",
      paramLabel = "PATIENCE",
      description =
          "Stop when the validation loss has not improved for PATIENCE epochs, and keep"
              + " the best weights (default: off).")
  Integer earlyStopping;

  @Option(
      names = "--log-every",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Print a line every N epochs; 0 for automatic: every epoch up to 30 epochs,"
              + " else every 10 (default: ${DEFAULT-VALUE}).")
  int logEvery;

  @Option(names = "--no-progress", description = "No progress bar (default: a bar on terminals).")
  boolean noProgress;

  @Option(
      names = "--plot",
      paramLabel = "FILE.png",
      description = "Write loss and accuracy (or MSE) curves per epoch as PNG (default: none).")
  Path plot;

  @Option(
      names = "--history",
      paramLabel = "FILE.csv",
      description =
          "Write one row per epoch: epoch, seconds, lr, train_loss, train_accuracy (or"
              + " train_mse), val_loss, val_accuracy (default: none).")
  Path history;

  @Option(
      names = "--summary",
      paramLabel = "FILE.json",
      description = "Write the final table as JSON (default: none).")
  Path summary;

  @Option(
      names = "--checkpoint",
      paramLabel = "FILE",
      description =
          "Write weights, optimizer state, epoch and RNG after every epoch, atomically"
              + " (default: none).")
  Path checkpoint;

  @Option(
      names = "--resume",
      paramLabel = "CHECKPOINT",
      description =
          "Continue the run that --checkpoint saved in CHECKPOINT, with the same dataset"
              + " and options; --epochs is the total. The final weights equal those of the"
              + " uninterrupted run, bit for bit on the CPU (default: start afresh).")
  Path resume;

  @Option(
      names = "--save",
      paramLabel = "FILE.safetensors",
      description =
          "Write the weights with PyTorch's state_dict names, and FILE.json beside them"
              + " with the model spec and preprocessing (default: none).")
  Path save;

  @Option(
      names = "--init-weights",
      paramLabel = "FILE.safetensors",
      description =
          "Start from these weights (e.g. saved from PyTorch); names and shapes must"
              + " match the model (default: random initialisation).")
  Path initWeights;

  @Override
  public Integer call() throws Exception {
    DatasetDefaults.apply(dataset, spec.commandLine().getParseResult(), model, optim, run);
    optim.validate();
    run.validate();
    if (earlyStopping != null && earlyStopping < 1) {
      throw new Errors.BadInputException(
          "--early-stopping must be at least 1, got " + earlyStopping);
    }
    if (logEvery < 0) {
      throw new Errors.BadInputException("--log-every must be >= 0, got " + logEvery);
    }
    if (resume != null && optim.fullBatch()) {
      throw new Errors.BadInputException(
          "--resume needs a per-batch optimizer: "
              + optim.name()
              + " keeps a line-search history that checkpoints do not hold");
    }
    LearningRateSchedule schedule = optim.schedule(run.epochs);
    if (schedule != null && optim.fullBatch()) {
      throw new Errors.BadInputException(
          "--lr-schedule does not apply to " + optim.name() + " (a full-batch line-search method)");
    }
    OutputFiles.checkWritable(plot, "--plot");
    OutputFiles.checkWritable(history, "--history");
    OutputFiles.checkWritable(summary, "--summary");
    OutputFiles.checkWritable(checkpoint, "--checkpoint");
    OutputFiles.checkWritable(save, "--save");
    checkDistinct();
    sparkArgs.validate();
    SparkTraining spark = null;
    if (sparkArgs.enabled()) {
      checkSparkOptions();
      spark = SparkTraining.load(); // before anything is read or written
    }
    // With --spark, --device is resolved on each executor for its replica; the driver's copy of
    // the model (scored after training) stays on the CPU.
    Device device = sparkArgs.enabled() ? Device.CPU : run.device();
    PrintStream out = System.out;
    StepWarmup warmup = null;
    if (!sparkArgs.enabled()) {
      // Before the data is read: a backend may warm its kernels up meanwhile (the CPU backend's
      // SIMD matrix product for a large model). A bad --model is reported where it is used.
      long product = 0;
      try {
        product = model.spec().largestLayerProduct();
      } catch (IllegalArgumentException e) {
        // reported below, with the data set's sizes
      }
      if (DeviceManager.global().backend(device).expectMatmul(product)) {
        warmup = stepWarmup(device);
      }
    }

    PreparedData d;
    try {
      d = data.prepare(dataset, earlyStopping != null);
    } finally {
      if (warmup != null) {
        warmup.close();
      }
    }
    BatchAugmentation augment =
        run.augmentation(dataset, d.train().cols(), d.preprocessing(), data.seed);
    ModelSpec spec = model.spec().resolve(d.train().cols(), d.source().outputs());
    Generator gen = new Generator(data.seed);
    Sequential net = Mlp.build(spec, gen);
    Map<String, String> description =
        RunDescription.of(dataset, data, spec, model.init, optim, run, earlyStopping);
    if (initWeights != null) {
      var weights = Safetensors.load(initWeights);
      try {
        net.loadStateDict(weights, true);
      } catch (IllegalArgumentException e) {
        throw new Errors.BadInputException(
            initWeights.getFileName() + " does not match " + spec.text() + ": " + e.getMessage());
      } finally {
        weights.values().forEach(io.myelin.Tensor::close);
      }
    }
    net.to(device);
    boolean classify = d.isClassification();

    out.printf("data:     %s%n", d.source().description());
    out.printf(
        "split:    %d train, %d validation, %d test (seed %d)%n",
        d.train().rows(), rows(d.validation()), rows(d.test()), data.seed);
    out.printf("prep:     %s%n", d.preprocessing().describe());
    out.printf("model:    %s, %,d parameters%n", spec.describe(), net.numParameters());
    if (initWeights != null) {
      out.printf("weights:  initial values from %s%n", initWeights);
    }
    out.printf(
        "train:    %s lr %s, %d epochs, batch %s, %s loss, device %s%n",
        optim.name(),
        Report.num(optim.learningRate()),
        run.epochs,
        run.batchSize == 0 ? "full" : Integer.toString(run.batchSize),
        classify ? "cross-entropy" : "MSE",
        device);
    if (augment != null) {
      out.printf("augment:  %s, training batches only%n", augment);
    }
    if (warmup != null) {
      out.printf(
          "warm-up:  %d steps of a throwaway copy of the model while the data loaded%n",
          warmup.steps());
    }
    if (!optim.lrSchedule.strip().equalsIgnoreCase("none")) {
      out.printf("schedule: %s (per epoch)%n", optim.lrSchedule);
    }

    Loss loss = Losses.of(classify, net, optim.l1, optim.l2);
    Loss plain = Losses.of(classify, net, 0, 0);
    List<Callback> callbacks = new ArrayList<>();
    Optimizer<?> perBatch = optim.perBatch(net.parameters());
    FullBatchOptimizer fullBatch = optim.fullBatch(net.parameters());
    // The scheduler takes its base rates from the optimizer, so it is built before a resume
    // puts the checkpoint's (scheduled) rates back.
    LearningRateScheduler scheduler =
        schedule == null ? null : new LearningRateScheduler(perBatch, schedule);
    // Its best weights and patience count are part of a checkpoint, and come back on resume.
    List<EarlyStopping> stopping =
        earlyStopping == null ? List.of() : List.of(EarlyStopping.onValidationLoss(earlyStopping));
    Trainer.Resume from = Trainer.Resume.START;
    if (resume != null) {
      from = resume(net, perBatch, gen, stopping, description);
      if (scheduler != null) {
        scheduler.setStepCount(from.epoch());
      }
      out.printf("resume:   %s at epoch %d, step %d%n", resume, from.epoch(), from.step());
    }
    if (scheduler != null) {
      callbacks.add(
          new Callback() {
            @Override
            public void onEpochEnd(TrainingState state, EpochRecord record) {
              scheduler.step();
            }
          });
    }
    callbacks.addAll(stopping);
    if (checkpoint != null) { // after early stopping: it saves what that decided this epoch
      callbacks.add(new CheckpointWriter(checkpoint, net, perBatch, gen, stopping, description));
    }
    int every = logEvery > 0 ? logEvery : run.epochs <= 30 ? 1 : 10;
    TrainerOptions options =
        TrainerOptions.defaults()
            .withEpochs(run.epochs)
            .withLogEvery(every)
            .withProgress(!noProgress)
            .withOut(out)
            .withClipNorm(optim.clipNorm)
            .withClipValue(optim.clipValue)
            .withCallbacks(callbacks)
            .withGraphs(run.graphMode());
    run.applyPrecision(device);
    Trainer trainer = new Trainer(options);

    History h;
    long t0 = System.nanoTime();
    if (sparkArgs.enabled()) { // cli-spark's SparkRun, the only class that loads Spark
      h =
          spark.train(
              sparkArgs,
              spec,
              data.seed,
              optim,
              d.train(),
              classify,
              run.batchSize,
              !run.noShuffle,
              options.withCallbacks(List.of()),
              checkpoint,
              net,
              out,
              run.device);
    } else
      try (DeviceManager.DeviceScope scope = DeviceManager.useDevice(device);
          DataLoader train = run.loader(d.train(), data.seed, device, augment);
          DataLoader val =
              d.validation() == null ? null : run.loader(d.validation(), data.seed, device)) {
        h =
            perBatch != null
                ? trainer.fit(net, loss, perBatch, train, val, from)
                : trainer.fit(net, loss, fullBatch, train, val);
      }
    double seconds = (System.nanoTime() - t0) / 1e9;
    int resumedAt = from.epoch(); // the epochs before it were trained by an earlier process
    long samples =
        h.epochs().stream()
            .filter(r -> r.epoch() > resumedAt)
            .mapToLong(EpochRecord::samples)
            .sum();

    Scoring.Result trainScore = Scoring.score(net, plain, d.train(), device);
    Scoring.Result valScore =
        d.validation() == null ? null : Scoring.score(net, plain, d.validation(), device);
    Scoring.Result testScore =
        d.test() == null ? null : Scoring.score(net, plain, d.test(), device);
    RunSummary s =
        new RunSummary(
            classify ? "classify" : "regress",
            device.toString(),
            spec.text(),
            net.numParameters(),
            h.size() - resumedAt,
            seconds,
            samples / seconds,
            trainScore.scores(),
            valScore == null ? null : valScore.scores(),
            testScore == null ? null : testScore.scores(),
            h.stepMode() == null ? null : Errors.inFlags(h.stepMode()));
    out.println();
    out.print(Report.table(s));
    if (classify) {
      var shown = testScore != null ? testScore : trainScore;
      var truth = testScore != null ? d.test().labels() : d.train().labels();
      out.println();
      out.println(
          "confusion matrix ("
              + (testScore != null ? "test" : "train")
              + "; rows: true class, columns: predicted)");
      out.print(
          ConfusionMatrix.of(truth, shown.predicted(), d.train().numClasses())
              .format(d.train().classNames()));
    }

    if (history != null) {
      h.writeCsv(history);
    }
    if (summary != null) {
      OutputFiles.writeString(summary, JsonWriter.writeIndented(s.toJson()));
    }
    if (plot != null) {
      HistoryPlot.write(
          h, dataset + " " + spec.text(), plot, testScore == null ? null : testScore.scores());
    }
    if (save != null) {
      // The architecture travels in the weights file too, so ModelFiles.load reads it alone.
      ModelFiles.save(net, save);
      new ModelFile(
              spec,
              s.task(),
              dataset,
              d.train().featureNames(),
              d.train().classNames(),
              d.preprocessing(),
              new ModelFile.Split(data.seed, data.testSplit))
          .write(ModelFile.besideWeights(save));
    }
    List<String> written = new ArrayList<>();
    for (Path p : new Path[] {history, summary, plot, save}) {
      if (p != null) {
        written.add(p.toString());
      }
    }
    if (save != null) {
      written.add(ModelFile.besideWeights(save).toString());
    }
    if (!written.isEmpty()) {
      out.println("wrote " + String.join(", ", written));
    }
    if (perBatch != null) {
      perBatch.close();
    }
    return 0;
  }

  /**
   * Throwaway steps of this model while the data loads ({@link StepWarmup}), where the spec alone
   * gives every size: an MLP with its input and output sizes written out, mini-batches and a
   * per-batch optimizer; else null. Whether the task is classification is known only from the data,
   * so the warm-up takes more than one output for classes (it decides only which loss the throwaway
   * steps compile).
   */
  private StepWarmup stepWarmup(Device device) {
    ModelSpec spec;
    try {
      spec = model.spec();
    } catch (IllegalArgumentException e) {
      return null; // reported with the data set's sizes
    }
    if (spec.cnn() != null
        || spec.inputs() == ModelSpec.AUTO
        || spec.outputs() == ModelSpec.AUTO
        || run.batchSize == 0
        || optim.fullBatch()
        || "off".equals(System.getProperty("myelin.stepWarmup"))) {
      return null;
    }
    boolean classify = spec.outputs() > 1;
    TrainerOptions options =
        TrainerOptions.defaults()
            .withClipNorm(optim.clipNorm)
            .withClipValue(optim.clipValue)
            .withGraphs(run.graphMode());
    return StepWarmup.start(
        device,
        () -> Mlp.build(spec, new Generator(StepWarmup.class.getName().hashCode())).to(device),
        net -> Losses.of(classify, net, optim.l1, optim.l2),
        optim::perBatch,
        run.batchSize,
        spec.inputs(),
        spec.outputs(),
        classify,
        options);
  }

  /** Puts the state of {@code --resume}'s checkpoint into the model, optimizer and generator. */
  private Trainer.Resume resume(
      Sequential net,
      Optimizer<?> optimizer,
      Generator gen,
      List<EarlyStopping> stopping,
      Map<String, String> description)
      throws java.io.IOException {
    Checkpoint ck = CheckpointIO.load(resume, net.parameters().getFirst().device());
    try {
      RunDescription.check(resume, ck.state().extra(), description);
      String stopped = ck.state().extra().get(CheckpointWriter.STOPPED);
      if (stopped != null) {
        throw new Errors.BadInputException(
            "--resume "
                + resume
                + ": the run ended at epoch "
                + ck.state().epoch()
                + " ("
                + stopped
                + "); nothing is left to train");
      }
      Trainer.Resume from =
          TrainingCheckpoints.restore(
              ck, net, optimizer, Map.of(CheckpointWriter.GENERATOR, gen), stopping);
      if (from.epoch() >= run.epochs) {
        throw new Errors.BadInputException(
            "--resume "
                + resume
                + " is at epoch "
                + from.epoch()
                + ": --epochs "
                + run.epochs
                + " leaves nothing to train (--epochs is the total)");
      }
      return from;
    } catch (IllegalArgumentException e) {
      throw new Errors.BadInputException("--resume " + resume + ": " + e.getMessage());
    } finally {
      ck.closeTensors();
    }
  }

  /** What {@code --spark} does not support yet, named before anything runs. */
  private void checkSparkOptions() {
    List<String> refused = new ArrayList<>();
    if (optim.fullBatch()) {
      refused.add("--optimizer " + optim.name() + " (full batch)");
    }
    if (run.batchSize == 0) {
      refused.add("--batch-size 0 (give the rows per worker and step)");
    }
    if (run.augmentShift() > 0) {
      refused.add("--augment");
    }
    if (resume != null) {
      refused.add("--resume (a retried Spark stage resumes from --checkpoint by itself)");
    }
    if (earlyStopping != null) {
      refused.add("--early-stopping");
    }
    if (optim.schedule(run.epochs) != null) {
      refused.add("--lr-schedule");
    }
    if (optim.l1 != 0 || optim.l2 != 0) {
      refused.add("--l1/--l2 (use --weight-decay)");
    }
    if (initWeights != null) {
      refused.add("--init-weights");
    }
    if (!refused.isEmpty()) {
      throw new Errors.BadInputException("--spark does not support " + String.join(", ", refused));
    }
  }

  /** Two outputs on one path would overwrite each other. */
  private void checkDistinct() {
    Path[] all = {
      plot, history, summary, checkpoint, save, save == null ? null : ModelFile.besideWeights(save)
    };
    String[] names = {
      "--plot", "--history", "--summary", "--checkpoint", "--save", "the model file of --save"
    };
    for (int i = 0; i < all.length; i++) {
      for (int j = i + 1; j < all.length; j++) {
        if (all[i] != null
            && all[j] != null
            && all[i].toAbsolutePath().normalize().equals(all[j].toAbsolutePath().normalize())) {
          throw new Errors.BadInputException(
              names[i] + " and " + names[j] + " both write " + all[i]);
        }
      }
    }
  }

  private static int rows(io.myelin.data.ArrayDataset d) {
    return d == null ? 0 : d.rows();
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
