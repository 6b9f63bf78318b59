package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's build holds no Spark: neither Spark nor myelin-spark is on this module's class
 * path (the test class path includes the runtime one the launcher uses), so building the CLI
 * downloads none of Spark's jars. {@code --spark} without the cli-spark add-on is one message.
 */
class CliClassPathTest {

  @Test
  void noSparkClassIsOnTheCommandLinesClassPath() {
    for (String name :
        new String[] {
          "org.apache.spark.SparkContext",
          "org.apache.spark.api.java.JavaSparkContext",
          "io.myelin.spark.SparkTrainer",
          SparkTraining.IMPLEMENTATION
        }) {
      assertThrows(
          ClassNotFoundException.class,
          () -> Class.forName(name, false, getClass().getClassLoader()),
          name + " is on the plain CLI's class path: Spark belongs to module cli-spark");
    }
  }

  @Test
  void sparkWithoutTheAddOnIsOneMessageAndWritesNothing(@TempDir Path dir) {
    Path summary = dir.resolve("s.json");
    Cli r =
        Cli.run(
            "train",
            "digits",
            "--spark",
            "local[2]",
            "--epochs",
            "1",
            "--summary",
            summary.toString());
    assertEquals(Errors.BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--spark needs the Spark add-on (module cli-spark"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(!Files.exists(summary), "a summary was written for a refused run");
  }
}
