package io.myelin.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;

/**
 * The all-reduce of one barrier stage: every task contributes a float32 vector, every task gets the
 * element-wise mean of all of them. One {@link BarrierTaskContext#allGather} round: each task sends
 * its vector Base64-encoded ({@link FloatCodec}) and decodes all N messages, which Spark returns
 * ordered by partition id, so every task sums in the same order and gets the same bits.
 *
 * <p>Volume per call and task: sends {@code 4P * 4/3} bytes for P floats, receives N times that (a
 * gather, not a ring: fine for the few workers barrier mode is used with; see docs/design/spark.md
 * for the model). {@link #bytesSent()} counts what this task sent.
 */
public final class BarrierAllReduce {
  private final BarrierTaskContext context;
  private long bytesSent;
  private long bytesReceived;

  public BarrierAllReduce(BarrierTaskContext context) {
    this.context = context;
  }

  /** This task's rank: its partition id, 0..N-1. */
  public int rank() {
    return context.partitionId();
  }

  /** The mean of every task's {@code values}; all tasks must call it the same number of times. */
  public float[] mean(float[] values) {
    List<float[]> all = gather(values);
    return Averaging.mean(all);
  }

  /** What {@link #meanAndSum} returns: the mean vector and the summed counters. */
  public record Reduced(float[] mean, double[] sums) {}

  /**
   * {@link #mean} of {@code values} and, in the same round, the sum over ranks of a few doubles
   * (running loss, metric and sample counts), sent as exact decimal text ({@link Double#toString}
   * reads back bit for bit) and added in rank order, so every rank gets the same bits. The counters
   * ride along the step's one message instead of costing a round of their own (a round costs up to
   * a second in Spark 4.2, see {@link #gatherRaw}).
   */
  public Reduced meanAndSum(float[] values, double[] sums) {
    StringBuilder sb = new StringBuilder(FloatCodec.encode(values)).append('|');
    for (int i = 0; i < sums.length; i++) {
      sb.append(i == 0 ? "" : ",").append(sums[i]);
    }
    String mine = sb.toString();
    bytesSent += mine.length();
    String[] messages = context.allGather(mine);
    List<float[]> vectors = new ArrayList<>(messages.length);
    double[] total = new double[sums.length];
    for (String m : messages) {
      bytesReceived += m.length();
      int bar = m.indexOf('|');
      vectors.add(FloatCodec.decode(m.substring(0, bar)));
      String[] f = m.substring(bar + 1).split(",");
      for (int i = 0; i < total.length; i++) {
        total[i] += Double.parseDouble(f[i]);
      }
    }
    return new Reduced(Averaging.mean(vectors), total);
  }

  /** Rank 0's {@code values} on every task (what the others pass is ignored but must be sent). */
  public float[] broadcastFromRank0(float[] values) {
    return gather(rank() == 0 ? values : new float[0]).getFirst();
  }

  private List<float[]> gather(float[] values) {
    String mine = FloatCodec.encode(values);
    bytesSent += mine.length();
    String[] messages = context.allGather(mine);
    List<float[]> out = new ArrayList<>(messages.length);
    for (String m : messages) {
      bytesReceived += m.length();
      out.add(FloatCodec.decode(m));
    }
    return out;
  }

  /**
   * One raw allGather round of control text (sizes, the resume checkpoint), not counted as payload.
   * Spark 4.2's {@code BarrierTaskContext} polls for the coordinator's answer with a one-second
   * sleep: a task whose answer is not there at the first check waits a whole second, whatever the
   * size.
   */
  public String[] gatherRaw(String message) {
    return context.allGather(message);
  }

  /** Characters (bytes on the wire, before Spark's framing) this task has sent so far. */
  public long bytesSent() {
    return bytesSent;
  }

  /** Characters this task has received so far (its own message included). */
  public long bytesReceived() {
    return bytesReceived;
  }
}
