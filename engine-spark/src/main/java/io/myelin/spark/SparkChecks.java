package io.myelin.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * What the driver checks before a barrier stage starts, so that bad input gets one message instead
 * of tasks failing (and being retried) on the executors, and no checkpoint is written.
 */
final class SparkChecks {
  private SparkChecks() {}

  /**
   * The rows with exactly {@code workers} partitions: merged in order when there are more, refused
   * when there are fewer; all partitions when {@code workers} is 0.
   */
  static <T> JavaRDD<T> partitionsForWorkers(JavaRDD<T> rows, int workers) {
    int parts = rows.getNumPartitions();
    if (workers == 0 || parts == workers) {
      return rows;
    }
    if (parts < workers) {
      throw new IllegalArgumentException(
          workers
              + " workers need at least "
              + workers
              + " partitions of the rows, which have "
              + parts
              + ": repartition the rows (e.g."
              + " sc.parallelize(rows, "
              + workers
              + ")) or use at most "
              + parts
              + " workers");
    }
    return rows.coalesce(workers, false);
  }

  /**
   * A barrier stage needs all its tasks running at once; with more tasks than slots Spark would
   * retry scheduling for minutes before failing.
   */
  static void taskSlots(JavaSparkContext sc, int tasks) {
    int slots;
    try {
      slots =
          sc.sc().maxNumConcurrentTasks(sc.sc().resourceProfileManager().defaultResourceProfile());
    } catch (RuntimeException | LinkageError e) {
      return; // not knowable on this cluster manager: Spark checks when it schedules
    }
    if (slots > 0 && tasks > slots) {
      throw new IllegalArgumentException(
          tasks
              + " workers need "
              + tasks
              + " task slots at once"
              + " (barrier mode), but "
              + sc.master()
              + " has "
              + slots
              + ": use at most "
              + slots
              + " workers or give the cluster more cores");
    }
  }

  /** Every partition must hold rows; counts them in one small job. */
  static <T> void rowsPerPartition(JavaRDD<T> rows, int batchSize) {
    List<Long> counts =
        rows.mapPartitions(
                (Iterator<T> it) -> {
                  long n = 0;
                  while (it.hasNext()) {
                    it.next();
                    n++;
                  }
                  return List.of(n).iterator();
                })
            .collect();
    long total = counts.stream().mapToLong(Long::longValue).sum();
    for (int p = 0; p < counts.size(); p++) {
      if (counts.get(p) == 0) {
        throw new IllegalArgumentException(
            "partition "
                + p
                + " of "
                + counts.size()
                + " has no rows ("
                + total
                + " rows in all): use at most "
                + Math.max(1, counts.stream().filter(c -> c > 0).count())
                + " workers, or spread the rows over"
                + " every partition");
      }
    }
  }
}
