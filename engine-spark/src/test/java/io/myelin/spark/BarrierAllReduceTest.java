package io.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The barrier all-reduce in Spark local mode with two tasks, against a float64 reference. */
class BarrierAllReduceTest {
  private static JavaSparkContext sc;

  @BeforeAll
  static void start() {
    sc = LocalSpark.context();
  }

  /**
   * Vector of rank r, element i: a value that differs by rank and is not a short binary fraction.
   */
  static float value(int rank, int i) {
    return (float) Math.sin(1.7 * i + 0.3 * rank) * (rank + 1);
  }

  @Test
  void everyTaskGetsTheMean() {
    int n = 1001;
    JavaRDD<Integer> ranks = sc.parallelize(List.of(0, 1), 2);
    List<String> results =
        Barrier.mapPartitions(
                ranks,
                (Iterator<Integer> it) -> {
                  BarrierTaskContext ctx = BarrierTaskContext.get();
                  BarrierAllReduce ar = new BarrierAllReduce(ctx);
                  float[] mine = new float[n];
                  for (int i = 0; i < n; i++) {
                    mine[i] = value(ar.rank(), i);
                  }
                  float[] mean = ar.mean(mine);
                  float[] fromZero = ar.broadcastFromRank0(mine);
                  List<String> out = new ArrayList<>();
                  out.add(
                      ar.rank()
                          + ":"
                          + FloatCodec.encode(mean)
                          + ":"
                          + FloatCodec.encode(fromZero)
                          + ":"
                          + ar.bytesSent());
                  return out.iterator();
                },
                String.class)
            .collect();
    assertEquals(2, results.size());
    for (String r : results) {
      String[] parts = r.split(":");
      float[] mean = FloatCodec.decode(parts[1]);
      float[] zero = FloatCodec.decode(parts[2]);
      for (int i = 0; i < n; i++) {
        assertEquals((float) (((double) value(0, i) + value(1, i)) / 2), mean[i], "i=" + i);
        assertEquals(value(0, i), zero[i], "broadcast i=" + i);
      }
      int rank = Integer.parseInt(parts[0]);
      long expectSent =
          FloatCodec.encodedLength(n)
              + (rank == 0 ? FloatCodec.encodedLength(n) : FloatCodec.encodedLength(0));
      assertEquals(expectSent, Long.parseLong(parts[3]));
    }
  }
}
