package io.myelin.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The one Spark context of the module's test JVM (a context takes seconds to start, and a JVM holds
 * one at a time): local[2,2], two task slots and two attempts per task, so a failed barrier stage
 * is retried. Stopped when the JVM exits.
 */
final class LocalSpark {
  private static JavaSparkContext sc;

  private LocalSpark() {}

  static synchronized JavaSparkContext context() {
    if (sc == null) {
      sc =
          new JavaSparkContext(
              new SparkConf()
                  .setMaster("local[2,2]")
                  .setAppName("myelin-spark-tests")
                  .set("spark.ui.enabled", "false")
                  .set("spark.driver.memory", "512m"));
      JavaSparkContext started = sc;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
    }
    return sc;
  }
}
