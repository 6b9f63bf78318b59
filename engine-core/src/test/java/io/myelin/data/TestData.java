package io.myelin.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared real data sets ({@code shared/data} beside or above the checkout). */
public final class TestData {
  private TestData() {}

  /**
   * The data folder, or a skipped test when it is absent. Looks in {@code -Dmyelin.data}, then for
   * {@code shared/data} in the working directory and each of its parents (surefire runs in the
   * module folder, one level below the checkout).
   */
  public static Path dir(String sub) {
    String prop = System.getProperty("myelin.data");
    Path found = prop != null ? Path.of(prop) : null;
    for (Path p = Path.of("").toAbsolutePath(); found == null && p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("shared/data/README.md"))) {
        found = p.resolve("shared/data");
      }
    }
    assumeTrue(
        found != null && Files.isDirectory(found.resolve(sub)),
        "real data set '"
            + sub
            + "' not found "
            + (found != null
                ? "in " + found
                : "in shared/data above " + Path.of("").toAbsolutePath())
            + " (set -Dmyelin.data to the data folder to run these tests)");
    return found.resolve(sub);
  }
}
