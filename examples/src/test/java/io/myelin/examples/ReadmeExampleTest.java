package io.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's code example is this module's example verbatim, and it runs and learns. */
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

  @Test
  void readmeShowsTheExampleVerbatim() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> readme = Files.readAllLines(root.resolve("README.md"));
    List<String> source =
        Files.readAllLines(
            Path.of("src/main/java/io/myelin/examples/LogisticRegressionExample.java"));
    assertEquals(
        between(source, "README-EXAMPLE-START", "README-EXAMPLE-END"),
        between(readme, "<!-- example:start -->", "<!-- example:end -->").stream()
            .filter(l -> !l.startsWith("```"))
            .toList(),
        "README.md's example differs from LogisticRegressionExample.java: copy it over");
  }

  @Test
  void readmeShowsTheTrainerExampleVerbatim() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> readme = Files.readAllLines(root.resolve("README.md"));
    List<String> source =
        Files.readAllLines(Path.of("src/main/java/io/myelin/examples/TrainerExample.java"));
    assertEquals(
        between(source, "README-EXAMPLE-START", "README-EXAMPLE-END"),
        between(readme, "<!-- trainer-example:start -->", "<!-- trainer-example:end -->").stream()
            .filter(l -> !l.startsWith("```"))
            .toList(),
        "README.md's Trainer example differs from TrainerExample.java: copy it over");
  }

  @Test
  void readmeShowsTheModelFilesExampleVerbatim() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> readme = Files.readAllLines(root.resolve("README.md"));
    List<String> source =
        Files.readAllLines(Path.of("src/main/java/io/myelin/examples/ModelFilesExample.java"));
    assertEquals(
        between(source, "README-EXAMPLE-START", "README-EXAMPLE-END"),
        between(readme, "<!-- model-files-example:start -->", "<!-- model-files-example:end -->")
            .stream()
            .filter(l -> !l.startsWith("```"))
            .toList(),
        "README.md's ModelFiles example differs from ModelFilesExample.java: copy it over");
  }

  @Test
  void theModelFilesExampleLoadsTheSameModel(@TempDir Path dir) throws IOException {
    assertTrue(ModelFilesExample.run(dir));
  }

  @Test
  void readmeShowsTheDatasetsExampleVerbatim() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> readme = Files.readAllLines(root.resolve("README.md"));
    List<String> source =
        Files.readAllLines(Path.of("src/main/java/io/myelin/examples/DatasetsExample.java"));
    assertEquals(
        between(source, "README-EXAMPLE-START", "README-EXAMPLE-END"),
        between(readme, "<!-- datasets-example:start -->", "<!-- datasets-example:end -->").stream()
            .filter(l -> !l.startsWith("```"))
            .toList(),
        "README.md's data-set example differs from DatasetsExample.java: copy it over");
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
