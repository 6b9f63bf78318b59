package io.myelin.spark;

import io.myelin.Device;
import io.myelin.Tensor;
import io.myelin.autograd.Autograd;
import io.myelin.backend.DeviceManager;
import io.myelin.loss.Loss;
import io.myelin.nn.Layer;
import io.myelin.optim.GradClip;
import io.myelin.optim.Optimizer;
import io.myelin.train.Metrics;
import io.myelin.train.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.BarrierTaskContext;

/**
 * One barrier task: a model replica and its training loop over the task's partition. Every rank
 * runs the same sequence of collective calls (one opening round: step count, resume checkpoint,
 * initial parameters; then one exchange per step, or per K steps and at each epoch's end, which
 * also carries the epoch's loss, metric and sample sums), decided only by values all ranks share,
 * so no rank ever waits at a barrier the others skip.
 *
 * <p>The replica (model, batches, optimizer state) lives on the task's device ({@link
 * ReplicaDevice}), which is also the thread's default device while the task runs; what crosses the
 * exchange is host float32 ({@link Flat}, {@link FloatCodec}) whatever the device. A rank whose
 * device cannot be used sends its reason in the opening round instead of its batch count; then
 * every rank returns that reason without training (a deterministic refusal, so the task does not
 * fail: Spark would only retry the stage and bury the reason).
 */
final class ReplicaLoop {
  /** Starts an opening message that carries a refusal (a normal one starts with a digit). */
  private static final String REFUSED = "!";

  private final TrainingPlan plan;
  private final BarrierTaskContext ctx;
  private final BarrierAllReduce ar;
  private final List<Sample> shard;
  private final Device device;

  private ReplicaLoop(
      TrainingPlan plan, BarrierTaskContext ctx, List<Sample> shard, Device device) {
    this.plan = plan;
    this.ctx = ctx;
    this.ar = new BarrierAllReduce(ctx);
    this.shard = shard;
    this.device = device;
  }

  static Iterator<TaskResult> run(
      Iterator<Sample> rows,
      TrainingPlan plan,
      ReplicaFactories.ModelFactory mf,
      ReplicaFactories.OptimizerFactory of,
      ReplicaFactories.LossFactory lf) {
    List<Sample> shard = new ArrayList<>();
    rows.forEachRemaining(shard::add);
    BarrierTaskContext ctx = BarrierTaskContext.get();
    Device device;
    try {
      device = ReplicaDevice.choose(plan.device(), ctx.partitionId(), DeviceManager.global());
      if (ctx.partitionId() == plan.refuseRank()) {
        throw new IllegalArgumentException(
            "the replica of partition "
                + ctx.partitionId()
                + " cannot use device '"
                + device
                + "': refused by a test hook");
      }
    } catch (IllegalArgumentException e) { // the opening round, with the reason instead
      String[] opening = new BarrierAllReduce(ctx).gatherRaw(REFUSED + e.getMessage());
      return List.of(refused(ctx, opening)).iterator();
    }
    try (DeviceManager.DeviceScope ignored = DeviceManager.useDevice(device)) {
      return List.of(new ReplicaLoop(plan, ctx, shard, device).train(mf, of, lf)).iterator();
    }
  }

  private TaskResult train(
      ReplicaFactories.ModelFactory mf,
      ReplicaFactories.OptimizerFactory of,
      ReplicaFactories.LossFactory lf) {
    int rank = ar.rank();
    int b = plan.batchSize();
    Layer model = SparkTrainer.build(mf);
    model.to(device); // before the optimizer is built, so that its state lives there too
    model.train();
    List<Tensor> params = model.parameters();
    Optimizer<?> opt = of.create(params);
    Loss loss = lf.create();
    ReplicaCheckpoints ckpt = new ReplicaCheckpoints(plan, ar);
    // One opening round (each round costs up to a second): every shard's batch count, and from rank
    // 0 the
    // checkpoint to resume from (if any) and its initial parameters.
    String mine =
        (shard.size() + b - 1) / b
            + ";"
            + (rank == 0 ? ckpt.readLast() + ";" + FloatCodec.encode(Flat.values(params)) : ";");
    String[] opening = ar.gatherRaw(mine);
    if (refusal(opening) != null) {
      return refused(ctx, opening);
    }
    // All ranks must reach every barrier: each epoch runs the smallest shard's batch count
    // (the driver has checked that no shard is empty).
    int steps = Integer.MAX_VALUE;
    for (String o : opening) {
      steps = Math.min(steps, Integer.parseInt(o.substring(0, o.indexOf(';'))));
    }
    String[] fromRank0 = opening[0].split(";", -1);
    ReplicaCheckpoints.Restored restored = ckpt.restore(fromRank0[1], model, opt);
    Trainer.Resume from;
    double[] partial = {0, 0, 0}; // this rank's loss sum, metric sum, samples in the epoch
    if (restored == null) {
      Flat.setValues(params, FloatCodec.decode(fromRank0[2]));
      from = Trainer.Resume.START;
    } else {
      from = restored.resume();
      if (rank == 0) { // the global sums up to the checkpoint, counted once
        partial = restored.partialSums();
      }
    }
    List<double[]> epochs = new ArrayList<>();
    for (var r : from.history()) {
      epochs.add(
          new double[] {
            r.epoch(), r.seconds(), r.learningRate(), r.trainLoss(), r.trainMetric(), r.samples()
          });
    }
    long step = from.step();
    long sentPerStep = 0;
    for (int epoch = from.epoch() + 1; epoch <= plan.epochs(); epoch++) {
      long t0 = System.nanoTime();
      int[] order = order(epoch, rank);
      int first = epoch == from.epoch() + 1 ? from.batch() : 0;
      int sinceAverage = 0;
      boolean localNonFinite = false;
      double[] totals = null; // the global sums as of the last exchange
      for (int s = first; s < steps; s++) {
        if (rank == plan.failRank() && step == plan.failStep() && ctx.stageAttemptNumber() == 0) {
          throw new IllegalStateException(
              "injected fault (test hook) on rank " + rank + " before step " + step);
        }
        int from0 = s * b;
        int to = Math.min(shard.size(), from0 + b);
        double l;
        try (Tensor x = features(order, from0, to);
            Tensor y = targets(order, from0, to)) {
          opt.zeroGrad();
          Tensor out = model.forward(x);
          Tensor value = loss.forward(out, y);
          l = value.item();
          value.backward();
          try (var ignored = Autograd.noGrad()) {
            partial[1] += metricSum(out, y);
          }
        }
        partial[0] += l * (to - from0);
        partial[2] += to - from0;
        localNonFinite |= !Double.isFinite(l);
        long before = ar.bytesSent();
        float flag = localNonFinite ? Float.NaN : 0f;
        float shared = 0;
        if (plan.mode() == SparkTrainer.Mode.SYNCHRONOUS) {
          BarrierAllReduce.Reduced r = ar.meanAndSum(withFlag(Flat.grads(params), flag), partial);
          float[] mean = r.mean();
          totals = r.sums();
          shared = mean[mean.length - 1];
          Flat.setGrads(params, Arrays.copyOf(mean, mean.length - 1));
          clip(params);
          if (Float.isFinite(shared)) {
            opt.step();
          }
        } else {
          clip(params);
          opt.step();
          if (++sinceAverage == plan.averageEvery() || s == steps - 1) {
            BarrierAllReduce.Reduced r =
                ar.meanAndSum(withFlag(Flat.values(params), flag), partial);
            float[] mean = r.mean();
            totals = r.sums();
            shared = mean[mean.length - 1];
            Flat.setValues(params, Arrays.copyOf(mean, mean.length - 1));
            sinceAverage = 0;
          }
        }
        sentPerStep = Math.max(sentPerStep, ar.bytesSent() - before);
        if (!Float.isFinite(shared)) { // every rank sees the same flag and stops together
          return new TaskResult(
              rank,
              ctx.stageAttemptNumber(),
              null,
              null,
              sentPerStep,
              steps,
              restored == null ? -1 : from.step(),
              "non-finite loss in epoch "
                  + epoch
                  + ", step "
                  + (step + 1)
                  + " on at least one worker; learning rate "
                  + opt.learningRate(0)
                  + " (lower the learning rate, clip gradients with clipNorm, or check the inputs)",
              device.toString(),
              null);
        }
        step++;
        if (ckpt.enabled()
            && plan.checkpointEvery() > 0
            && step % plan.checkpointEvery() == 0
            && s + 1 < steps
            && sinceAverage == 0) {
          ckpt.save(epoch - 1, step, s + 1, model, opt, epochs, totals);
        }
      }
      // The epoch's last step always exchanges, so totals hold the whole epoch.
      double seconds = (System.nanoTime() - t0) / 1e9;
      epochs.add(
          new double[] {
            epoch,
            seconds,
            opt.learningRate(0),
            totals[0] / totals[2],
            totals[1] / totals[2],
            totals[2]
          });
      partial = new double[] {0, 0, 0};
      if (ckpt.enabled()) {
        ckpt.save(epoch, step, 0, model, opt, epochs, null);
      }
    }
    opt.zeroGrad();
    return new TaskResult(
        rank,
        ctx.stageAttemptNumber(),
        rank == 0 ? Flat.values(params) : null,
        epochs.toArray(double[][]::new),
        sentPerStep,
        steps,
        restored == null ? -1 : from.step(),
        null,
        device.toString(),
        null);
  }

  /** The first rank's reason for refusing its device, or null when every rank has one. */
  private static String refusal(String[] opening) {
    for (String o : opening) {
      if (o.startsWith(REFUSED)) {
        return o.substring(REFUSED.length());
      }
    }
    return null;
  }

  private static TaskResult refused(BarrierTaskContext ctx, String[] opening) {
    return new TaskResult(
        ctx.partitionId(),
        ctx.stageAttemptNumber(),
        null,
        null,
        0,
        0,
        -1,
        null,
        null,
        refusal(opening));
  }

  private static float[] withFlag(float[] v, float flag) {
    float[] out = Arrays.copyOf(v, v.length + 1);
    out[v.length] = flag;
    return out;
  }

  private void clip(List<Tensor> params) {
    if (plan.clipValue() > 0) {
      GradClip.clipValue(params, plan.clipValue());
    }
    if (plan.clipNorm() > 0) {
      GradClip.clipNorm(params, plan.clipNorm());
    }
  }

  /**
   * The epoch's visiting order of this shard: a permutation from (seed, epoch, rank), or 0..n-1.
   */
  private int[] order(int epoch, int rank) {
    int[] order = new int[shard.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (plan.shuffleSeed() != null) {
      SplittableRandom r =
          new SplittableRandom(plan.shuffleSeed() * 1_000_003L + epoch * 8191L + rank);
      for (int i = order.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  private Tensor features(int[] order, int from, int to) {
    int d = shard.get(order[from]).features().length;
    float[] x = new float[(to - from) * d];
    for (int r = from; r < to; r++) {
      float[] row = shard.get(order[r]).features();
      if (row.length != d) {
        throw new IllegalArgumentException(
            "row "
                + order[r]
                + " of partition "
                + ar.rank()
                + " has "
                + row.length
                + " features, the others "
                + d);
      }
      System.arraycopy(row, 0, x, (r - from) * d, d);
    }
    return Tensor.of(device, x, to - from, d);
  }

  private Tensor targets(int[] order, int from, int to) {
    if (plan.classIndices()) {
      int[] y = new int[to - from];
      for (int r = from; r < to; r++) {
        y[r - from] = (int) shard.get(order[r]).target()[0];
      }
      return Tensor.of(device, y, to - from);
    }
    int d = shard.get(order[from]).target().length;
    float[] y = new float[(to - from) * d];
    for (int r = from; r < to; r++) {
      System.arraycopy(shard.get(order[r]).target(), 0, y, (r - from) * d, d);
    }
    return Tensor.of(device, y, to - from, d);
  }

  /** Correct predictions (class indices), or squared error per target element summed over rows. */
  private double metricSum(Tensor out, Tensor y) {
    if (plan.classIndices()) {
      int[] predicted = Metrics.predictedClasses(out);
      int[] truth = y.toIntArray();
      int correct = 0;
      for (int i = 0; i < truth.length; i++) {
        correct += predicted[i] == truth[i] ? 1 : 0;
      }
      return correct;
    }
    float[] o = out.toFloatArray();
    float[] t = y.toFloatArray();
    int rows = y.size(0);
    double sum = 0;
    for (int i = 0; i < t.length; i++) {
      double d = (double) o[i] - t[i];
      sum += d * d;
    }
    return sum / (t.length / Math.max(rows, 1));
  }
}
