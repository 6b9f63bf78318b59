package io.myelin.spark;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Barrier execution mode from Java: {@code JavaRDD} has no {@code barrier()}, and the Scala {@code
 * RDDBarrier.mapPartitions} wants a Scala function and a {@code ClassTag}. All tasks of a barrier
 * stage start together (or the stage fails to schedule) and fail together: one failed task fails
 * and relaunches the whole stage.
 */
public final class Barrier {
  private Barrier() {}

  /** A partition function that Spark can ship to executors. */
  @FunctionalInterface
  public interface PartitionFunction<T, S> extends Serializable {
    Iterator<S> apply(Iterator<T> rows) throws Exception;
  }

  /** {@code rdd.barrier().mapPartitions(f)}, one task per partition of {@code rdd}. */
  public static <T, S> JavaRDD<S> mapPartitions(
      JavaRDD<T> rdd, PartitionFunction<T, S> f, Class<S> type) {
    ClassTag<S> tag = ClassTag$.MODULE$.apply(type);
    ScalaAdapter<T, S> adapter = new ScalaAdapter<>(f);
    return JavaRDD.fromRDD(rdd.rdd().barrier().mapPartitions(adapter, false, tag), tag);
  }

  /** The Scala-side function: converts the iterators and rethrows checked exceptions unchecked. */
  private record ScalaAdapter<T, S>(PartitionFunction<T, S> f)
      implements scala.Function1<scala.collection.Iterator<T>, scala.collection.Iterator<S>>,
          Serializable {
    @Override
    public scala.collection.Iterator<S> apply(scala.collection.Iterator<T> rows) {
      try {
        return CollectionConverters.asScala(f.apply(CollectionConverters.asJava(rows)));
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
  }
}
