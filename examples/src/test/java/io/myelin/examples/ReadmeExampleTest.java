package io.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The README's code examples are this module's example classes verbatim, and they run and learn.
 */
class ReadmeExampleTest {

  private static List<String> between(List<String> lines, String start, String end) {
    int s = -1;
    int e = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(start)) {
        s = i + 1;
      } else if (lines.get(i).contains(end) && s >= 0) {
        e = i;
        break;
      }
    }
    assertTrue(s >= 0 && e > s, "markers " + start + " / " + end + " not found");
    return lines.subList(s, e).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  /**
   * Each README block between {@code <!-- NAME:start -->} and {@code <!-- NAME:end -->} is its
   * example class's code between README-EXAMPLE-START and README-EXAMPLE-END, verbatim.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "example, LogisticRegressionExample",
    "trainer-example, TrainerExample",
    "model-files-example, ModelFilesExample",
    "datasets-example, DatasetsExample"
  })
  void readmeShowsTheExampleVerbatim(String block, String exampleClass) throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> readme = Files.readAllLines(root.resolve("README.md"));
    List<String> source =
        Files.readAllLines(Path.of("src/main/java/io/myelin/examples/" + exampleClass + ".java"));
    assertEquals(
        between(source, "README-EXAMPLE-START", "README-EXAMPLE-END"),
        between(readme, "<!-- " + block + ":start -->", "<!-- " + block + ":end -->").stream()
            .filter(l -> !l.startsWith("```"))
            .toList(),
        "README.md's " + block + " block differs from " + exampleClass + ".java: copy it over");
  }

  @Test
  void theModelFilesExampleLoadsTheSameModel(@TempDir Path dir) throws IOException {
    assertTrue(ModelFilesExample.run(dir));
  }

  @Test
  void theDatasetsExampleLearns() {
    double accuracy = DatasetsExample.run();
    assertTrue(accuracy > 0.9, "validation accuracy " + accuracy);
  }

  @Test
  void theTrainerExampleLearns() {
    double accuracy = TrainerExample.run();
    assertTrue(accuracy > 0.95, "accuracy " + accuracy);
  }

  @Test
  void theExampleLearns() {
    double accuracy = LogisticRegressionExample.run();
    assertTrue(accuracy > 0.95, "accuracy " + accuracy);
  }
}
