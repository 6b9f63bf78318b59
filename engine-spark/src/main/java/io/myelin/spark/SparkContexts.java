package io.myelin.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Opens the {@link JavaSparkContext} a training job runs on, after checking the master: a
 * standalone master ({@code spark://host:port[,host:port...]}) that does not answer a TCP
 * connection within the timeout is refused at once, where Spark itself would retry registering for
 * a minute and then leave a context whose jobs never start.
 */
public final class SparkContexts {
  private static final Pattern LOCAL =
      Pattern.compile("local(\\[(\\*|[1-9][0-9]*)(,[1-9][0-9]*)?\\])?");
  private static final Pattern HOST_PORT = Pattern.compile("\\[?([^\\]]+?)\\]?:([0-9]{1,5})");

  private SparkContexts() {}

  /**
   * A context for {@code master} with the UI off.
   *
   * @param master {@code local}, {@code local[N]}, {@code local[N,F]} (F attempts per task, so a
   *     failed barrier stage is retried), {@code local[*]}, {@code spark://host:port}, or any other
   *     master Spark knows (yarn, k8s://...; not probed)
   * @throws IllegalArgumentException naming the master when it is malformed or cannot be reached
   */
  public static JavaSparkContext open(String master, String appName, Duration connectTimeout) {
    checkReachable(master, connectTimeout);
    return new JavaSparkContext(
        new SparkConf().setMaster(master).setAppName(appName).set("spark.ui.enabled", "false"));
  }

  /** The check {@link #open} makes before it creates anything. */
  public static void checkReachable(String master, Duration timeout) {
    if (master == null || master.isBlank()) {
      throw new IllegalArgumentException(
          "no Spark master given: use local[N] or spark://host:port");
    }
    if (master.startsWith("local")) {
      if (!LOCAL.matcher(master).matches()) {
        throw new IllegalArgumentException(
            "bad Spark master '"
                + master
                + "': expected local,"
                + " local[N], local[N,F] (F attempts per task) or local[*]");
      }
      return;
    }
    if (!master.startsWith("spark://")) {
      return; // yarn, k8s://, mesos: Spark's own client reports those
    }
    String list = master.substring("spark://".length());
    IOException last = null;
    for (String hp : list.split(",")) {
      Matcher m = HOST_PORT.matcher(hp.strip());
      if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
        throw new IllegalArgumentException(
            "bad Spark master '" + master + "': expected" + " spark://host:port[,host:port...]");
      }
      try (Socket s = new Socket()) {
        s.connect(
            new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))),
            (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        return; // one live master of the list is enough
      } catch (IOException e) {
        last = e;
      }
    }
    throw new IllegalArgumentException(
        "cannot reach Spark master "
            + master
            + " within "
            + timeout.toMillis()
            + " ms ("
            + last
            + "); check the address and that the master is"
            + " running, or use a local[N] master");
  }
}
