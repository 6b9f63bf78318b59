package io.myelin.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter types of every {@code extern "C" __global__} kernel declared in
 * kernels/src/main/cuda, read from the sources, as {@link KernelArgs#signature()} letters. Kernels
 * declared inside a {@code MYELIN_DEFINE_*(dn, T)} macro are expanded for f32/float and f64/double.
 * Lets a machine without a GPU check that each launch passes what the kernel takes.
 */
final class KernelDeclarations {
  private static final Path SOURCES = Path.of("..", "kernels", "src", "main", "cuda");
  private static final Pattern DECL =
      Pattern.compile(
          "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?"
              + "([A-Za-z0-9_#]+)\\s*\\(([^)]*)\\)");

  private KernelDeclarations() {}

  /** Kernel name to signature; skips the calling test where the sources are absent (a bundle). */
  static Map<String, String> load() {
    Map<String, String> out = new HashMap<>();
    forEachDeclaration((name, params, t) -> out.put(name, signature(params, t)));
    return out;
  }

  /** Kernel name to its parameter names, in order (skips like {@link #load()}). */
  static Map<String, List<String>> parameterNames() {
    Map<String, List<String>> out = new HashMap<>();
    forEachDeclaration(
        (name, params, t) -> {
          List<String> names = new ArrayList<>();
          if (!params.isEmpty()) {
            for (String raw : params.split(",")) {
              String p = raw.strip();
              names.add(p.substring(p.lastIndexOf(' ') + 1).replace("*", ""));
            }
          }
          out.put(name, names);
        });
    return out;
  }

  private interface DeclarationSink {
    /** {@code t}: the element type of a macro expansion ("float", "double"), or null. */
    void accept(String name, String params, String t);
  }

  private static void forEachDeclaration(DeclarationSink sink) {
    assumeTrue(
        Files.isDirectory(SOURCES), "kernel sources not found at " + SOURCES.toAbsolutePath());
    try (var files = Files.list(SOURCES)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".cu")).toList()) {
        String text = Files.readString(p).replace("\\\n", "\n");
        Matcher m = DECL.matcher(text);
        while (m.find()) {
          String name = m.group(1);
          String params = m.group(2).replaceAll("\\s+", " ").strip();
          if (name.contains("##")) {
            sink.accept(name.replace("##dn", "f32"), params, "float");
            sink.accept(name.replace("##dn", "f64"), params, "double");
          } else {
            sink.accept(name, params, null);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String signature(String params, String t) {
    StringBuilder sb = new StringBuilder();
    if (params.isEmpty()) {
      return "";
    }
    for (String raw : params.split(",")) {
      String p = raw.strip();
      String type = p.substring(0, p.lastIndexOf(' ')).replace("const ", "").strip();
      if (p.contains("*")) {
        sb.append('p');
      } else if (type.equals("T")) {
        sb.append(t.equals("float") ? 'f' : 'd');
      } else {
        sb.append(
            switch (type) {
              case "int", "unsigned", "uint32_t", "int32_t" -> 'i';
              case "long long", "int64_t", "uint64_t", "unsigned long long", "size_t" -> 'l';
              case "float" -> 'f';
              case "double" -> 'd';
              case "Strided" -> 's';
              default ->
                  throw new IllegalStateException(
                      "unknown kernel parameter type '" + type + "' in (" + params + ")");
            });
      }
    }
    return sb.toString();
  }
}
