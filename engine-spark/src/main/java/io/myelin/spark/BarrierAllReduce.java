package io.myelin.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;

/**
 * The all-reduce of one barrier stage: every task contributes a float32 vector, every task gets
 * the element-wise mean of all of them. One {@link BarrierTaskContext#allGather} round: each task
 * sends its vector Base64-encoded ({@link FloatCodec}) and decodes all N messages, which Spark
 * returns ordered by partition id, so every task sums in the same order and gets the same bits.
 *
 * <p>Volume per call and task: sends {@code 4P * 4/3} bytes for P floats, receives N times that
 * (a gather, not a ring: fine for the few workers barrier mode is used with; see
 * docs/design/spark.md for the model). {@link #bytesSent()} counts what this task sent.
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

  /** One raw allGather round of short control text (sizes, flags), not counted as payload. */
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
