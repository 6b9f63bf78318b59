package io.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** bom/pom.xml pins every user-facing module of the reactor, at the reactor's version. */
class BomTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  /** Reactor modules that are not artifacts a user depends on. */
  private static final List<String> NOT_FOR_USERS = List.of("bom", "cuda-emulator", "bench");

  private static String first(String xml, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(xml);
    assertTrue(m.find(), regex);
    return m.group(1);
  }

  private static List<String> all(String xml, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(xml);
    List<String> r = new ArrayList<>();
    while (m.find()) {
      r.add(m.group(1));
    }
    return r;
  }

  @Test
  void bomListsEveryModuleAtTheReactorVersion() throws IOException {
    String root = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("bom/pom.xml"));
    String version =
        first(root, "<artifactId>myelin-parent</artifactId>\\s*<version>([^<]+)</version>");
    assertEquals(
        version,
        first(bom, "<artifactId>myelin-bom</artifactId>\\s*<version>([^<]+)</version>"),
        "bump bom/pom.xml's version with the parent's");
    List<String> pinned =
        all(
            bom,
            "<artifactId>(myelin-[a-z-]+)</artifactId>\\s*<version>\\$\\{project.version}</version>");
    String modules = first(root, "<modules>(.*?)</modules>");
    for (String module : all(modules, "<module>([^<]+)</module>")) {
      if (NOT_FOR_USERS.contains(module)) {
        continue;
      }
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      String artifact = first(pom, "</parent>.*?<artifactId>([^<]+)</artifactId>");
      assertTrue(
          pinned.contains(artifact),
          "bom/pom.xml does not pin " + artifact + " (module " + module + ")");
    }
  }
}
