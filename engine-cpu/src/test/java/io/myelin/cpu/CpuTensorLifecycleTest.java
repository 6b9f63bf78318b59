package io.myelin.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.Tensor;
import io.myelin.memory.MemoryStatistics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 9's tensor lifecycle: a tensor forgotten outside any scope is returned by the Cleaner and
 * counted; with {@code -Dmyelin.debug=true} a use after close names where the tensor was made (a
 * fresh JVM, since the flag is read once at class initialisation).
 */
class CpuTensorLifecycleTest {

  @Test
  void aForgottenTensorIsReleasedByTheCleanerAndCounted() throws InterruptedException {
    long before = MemoryStatistics.cleanerReleased();
    forget();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (MemoryStatistics.cleanerReleased() == before && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertTrue(
        MemoryStatistics.cleanerReleased() > before,
        "the Cleaner counted no released tensor within 10 s");
  }

  private static void forget() {
    Tensor.ones(1000).persist(); // out of every scope, and no reference kept
  }

  /** Run by the test below in a JVM with -Dmyelin.debug=true. */
  public static void main(String[] args) {
    Tensor t = madeHere();
    t.close();
    try {
      t.add(1.0);
      System.out.println("no exception");
    } catch (IllegalStateException e) {
      System.out.println("message: " + e.getMessage());
      for (StackTraceElement s : e.getCause().getStackTrace()) {
        System.out.println("created at " + s.getMethodName());
      }
    }
  }

  private static Tensor madeHere() {
    return Tensor.zeros(2, 3);
  }

  @Test
  void useAfterCloseNamesTheCreationSiteInDebugMode() throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Path out = Files.createTempFile("debug", ".txt");
    try {
      Process p =
          new ProcessBuilder(
                  java,
                  "-Dmyelin.debug=true",
                  "--add-modules",
                  "jdk.incubator.vector",
                  "-cp",
                  System.getProperty("java.class.path"),
                  CpuTensorLifecycleTest.class.getName())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the debug JVM did not finish");
      List<String> lines = Files.readAllLines(out);
      assertEquals(0, p.exitValue(), String.join("\n", lines));
      assertTrue(
          lines.stream()
              .anyMatch(
                  l ->
                      l.startsWith("message: ")
                          && l.contains("[2, 3]")
                          && l.contains("used after close")),
          String.join("\n", lines));
      assertTrue(lines.contains("created at madeHere"), String.join("\n", lines));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
