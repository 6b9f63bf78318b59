package io.myelin.spark;

import io.myelin.Tensor;
import io.myelin.loss.Loss;
import io.myelin.nn.Module;
import io.myelin.optim.Optimizer;
import io.myelin.train.TrainerOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Data-parallel training on Spark: one barrier task per partition of the rows, each holding a
 * model replica on the CPU and training on its partition's rows in their order.
 *
 * <h2>Modes</h2>
 * <ul>
 *   <li>{@link Mode#SYNCHRONOUS}: every step each replica computes the gradient of the mean loss
 *       over its batch of B rows; the gradients are averaged ({@link BarrierAllReduce}) and every
 *       replica applies the same update with its own optimizer (any optimizer: their states stay
 *       identical because their inputs are). With equal batches this is one process training on
 *       batches of N*B rows: batch k = the k-th B rows of partition 0, then of partition 1, ...
 *   <li>{@link Mode#PARAMETER_AVERAGING}: each replica steps on its own gradients; every K steps
 *       (and at the end of each epoch) the parameters are averaged. For plain SGD with K = 1 this
 *       equals the synchronous mode (the update is linear in the gradient).
 * </ul>
 *
 * <p>Initial parameters are rank 0's, broadcast. Each epoch runs {@code min over ranks of
 * ceil(rows_r / B)} steps so that all replicas reach every barrier; rows of a larger partition
 * past that are not used (a warning-free rule stated here: partition the data evenly).
 */
public final class SparkTrainer {
  /** How the replicas are kept in step. */
  public enum Mode { SYNCHRONOUS, PARAMETER_AVERAGING }

  /** What the driver gets back: the trained model (rank 0's parameters) and per-epoch losses. */
  public record Result(Module model, double[] epochLoss, long bytesSentPerStepRank0, int steps) {}

  /** The training plan shipped to every task. */
  record Plan(int batchSize, int epochs, Mode mode, int averageEvery, boolean classIndices)
      implements Serializable {}

  private final JavaSparkContext sc;
  private final ReplicaFactories.ModelFactory modelFactory;
  private final ReplicaFactories.OptimizerFactory optimizerFactory;
  private final ReplicaFactories.LossFactory lossFactory;

  public SparkTrainer(JavaSparkContext sc, ReplicaFactories.ModelFactory modelFactory,
      ReplicaFactories.OptimizerFactory optimizerFactory,
      ReplicaFactories.LossFactory lossFactory) {
    this.sc = sc;
    this.modelFactory = modelFactory;
    this.optimizerFactory = optimizerFactory;
    this.lossFactory = lossFactory;
  }

  /**
   * Trains on {@code rows}, one worker per partition.
   *
   * @param batchSize per-worker batch B
   * @param averageEvery K for {@link Mode#PARAMETER_AVERAGING}, ignored otherwise
   * @param classIndices targets are one class index each (stored as a float) for losses such as
   *     cross-entropy; otherwise target rows
   * @throws IllegalArgumentException for a batch size below 1, an empty partition, or a model
   *     factory that fails on the driver (checked before any task starts)
   */
  public Result fit(JavaRDD<Sample> rows, TrainerOptions options, int batchSize, Mode mode,
      int averageEvery, boolean classIndices) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
    }
    if (mode == Mode.PARAMETER_AVERAGING && averageEvery < 1) {
      throw new IllegalArgumentException("averageEvery must be at least 1, got " + averageEvery);
    }
    Module probe = build(modelFactory);
    Plan plan = new Plan(batchSize, options.epochs(), mode, averageEvery, classIndices);
    ReplicaFactories.ModelFactory mf = modelFactory;
    ReplicaFactories.OptimizerFactory of = optimizerFactory;
    ReplicaFactories.LossFactory lf = lossFactory;
    List<String> out = Barrier.mapPartitions(rows,
        (Iterator<Sample> it) -> List.of(Worker.run(it, plan, mf, of, lf)).iterator(),
        String.class).collect();
    String rank0 = out.getFirst();
    String[] parts = rank0.split(";");
    Flat.setValues(probe.parameters(), FloatCodec.decode(parts[0]));
    String[] losses = parts[1].isEmpty() ? new String[0] : parts[1].split(",");
    double[] epochLoss = new double[losses.length];
    for (int i = 0; i < losses.length; i++) {
      epochLoss[i] = Double.longBitsToDouble(Long.parseLong(losses[i]));
    }
    return new Result(probe, epochLoss, Long.parseLong(parts[2]), Integer.parseInt(parts[3]));
  }

  static Module build(ReplicaFactories.ModelFactory f) {
    try {
      Module m = f.create();
      if (m == null) {
        throw new IllegalArgumentException("the model factory returned null");
      }
      return m;
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException("the model factory failed: " + e, e);
    }
  }

  /** One task's replica and loop. */
  static final class Worker {
    private Worker() {}

    static String run(Iterator<Sample> it, Plan plan, ReplicaFactories.ModelFactory mf,
        ReplicaFactories.OptimizerFactory of, ReplicaFactories.LossFactory lf) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      BarrierAllReduce ar = new BarrierAllReduce(ctx);
      List<Sample> shard = new ArrayList<>();
      it.forEachRemaining(shard::add);
      int myBatches = (shard.size() + plan.batchSize() - 1) / plan.batchSize();
      // Everyone learns every shard's size in one gather round (a 1-float vector each).
      float[] counts = gatherMin(ar, myBatches);
      int steps = (int) counts[0];
      if (steps == 0) {
        throw new IllegalArgumentException("partition " + ctx.partitionId()
            + " has no rows (" + ctx.getTaskInfos().length + " workers): use at most as many"
            + " workers as partitions with rows");
      }
      Module model = build(mf);
      model.train();
      List<Tensor> params = model.parameters();
      Flat.setValues(params, ar.broadcastFromRank0(Flat.values(params)));
      Optimizer<?> opt = of.create(params);
      Loss loss = lf.create();
      StringBuilder losses = new StringBuilder();
      long sentBefore = 0;
      long sentPerStep = 0;
      int sinceAverage = 0;
      for (int epoch = 0; epoch < plan.epochs(); epoch++) {
        double lossSum = 0;
        for (int s = 0; s < steps; s++) {
          int from = s * plan.batchSize();
          int to = Math.min(shard.size(), from + plan.batchSize());
          double l;
          try (Tensor x = features(shard, from, to);
              Tensor y = targets(shard, from, to, plan.classIndices())) {
            opt.zeroGrad();
            Tensor value = loss.forward(model.forward(x), y);
            l = value.item();
            value.backward();
          }
          sentBefore = ar.bytesSent();
          if (plan.mode() == Mode.SYNCHRONOUS) {
            Flat.setGrads(params, ar.mean(Flat.grads(params)));
            opt.step();
          } else {
            opt.step();
            if (++sinceAverage == plan.averageEvery() || s == steps - 1) {
              Flat.setValues(params, ar.mean(Flat.values(params)));
              sinceAverage = 0;
            }
          }
          sentPerStep = Math.max(sentPerStep, ar.bytesSent() - sentBefore);
          lossSum += l;
        }
        // The epoch loss: the mean over steps and ranks of the batch losses.
        float[] mean = ar.mean(new float[] {(float) (lossSum / steps)});
        if (epoch > 0) {
          losses.append(',');
        }
        losses.append(Double.doubleToLongBits(mean[0]));
        sinceAverage = 0;
      }
      opt.zeroGrad();
      return FloatCodec.encode(Flat.values(params)) + ";" + losses + ";" + sentPerStep + ";"
          + steps;
    }

    private static float[] gatherMin(BarrierAllReduce ar, int value) {
      String[] all = ar.gatherRaw(Integer.toString(value));
      int min = Integer.MAX_VALUE;
      for (String a : all) {
        min = Math.min(min, Integer.parseInt(a));
      }
      return new float[] {min};
    }

    private static Tensor features(List<Sample> rows, int from, int to) {
      int d = rows.get(from).features().length;
      float[] x = new float[(to - from) * d];
      for (int r = from; r < to; r++) {
        System.arraycopy(rows.get(r).features(), 0, x, (r - from) * d, d);
      }
      return Tensor.of(x, to - from, d);
    }

    private static Tensor targets(List<Sample> rows, int from, int to, boolean classIndices) {
      if (classIndices) {
        int[] y = new int[to - from];
        for (int r = from; r < to; r++) {
          y[r - from] = (int) rows.get(r).target()[0];
        }
        return Tensor.ofInts(y, to - from);
      }
      int d = rows.get(from).target().length;
      float[] y = new float[(to - from) * d];
      for (int r = from; r < to; r++) {
        System.arraycopy(rows.get(r).target(), 0, y, (r - from) * d, d);
      }
      return Tensor.of(y, to - from, d);
    }
  }
}
