package io.myelin.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bar hides the ETA while the first epoch warms up, and shows it afterwards. */
class ProgressBarTest {
  private final AtomicLong now = new AtomicLong();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final ProgressBar bar =
      new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 3, now::get);

  private String drawAt(double seconds, int epoch, int batch) {
    now.set((long) (seconds * 1e9));
    bytes.reset();
    bar.update(epoch, batch, 100, 0.5, batch * 32L);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void noEtaDuringTheFirstSecondsOfTheFirstEpoch() {
    now.set(0);
    bar.startEpoch();
    assertTrue(drawAt(0.5, 1, 5).contains("ETA --"), bytes::toString);
    assertTrue(drawAt(1.9, 1, 20).contains("ETA --"), bytes::toString);
    assertTrue(drawAt(2.5, 1, 50).contains("ETA 2.5s"), bytes::toString);
    now.set(10_000_000_000L);
    bar.startEpoch();
    assertTrue(drawAt(10.5, 2, 50).contains("ETA 0.5s"), "a warm epoch shows it at once: " + bytes);
  }
}
