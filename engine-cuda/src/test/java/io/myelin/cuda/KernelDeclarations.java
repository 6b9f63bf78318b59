package io.myelin.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter types of every {@code extern "C" __global__} kernel declared in
 * kernels/src/main/cuda, read from the sources, as {@link KernelArgs#signature()} letters. Kernels
 * declared inside a {@code MYELIN_DEFINE_*(dn, T)} macro are expanded for f32/float and
 * f64/double. Lets a machine without a GPU check that each launch passes what the kernel takes.
 */
final class KernelDeclarations {
  private static final Path SOURCES = Path.of("..", "kernels", "src", "main", "cuda");
  private static final Pattern DECL = Pattern.compile(
      "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\s*\\([^)]*\\)\\s+)?"
          + "([A-Za-z0-9_#]+)\\s*\\(([^)]*)\\)");

  private KernelDeclarations() {}

  /** Kernel name to signature; skips the calling test where the sources are absent (a bundle). */
  static Map<String, String> load() {
    assumeTrue(Files.isDirectory(SOURCES), "kernel sources not found at " + SOURCES.toAbsolutePath());
    Map<String, String> out = new HashMap<>();
    try (var files = Files.list(SOURCES)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".cu")).toList()) {
        String text = Files.readString(p).replace("\\\n", "\n");
        Matcher m = DECL.matcher(text);
        while (m.find()) {
          String name = m.group(1);
          String params = m.group(2).replaceAll("\\s+", " ").strip();
          if (name.contains("##")) {
            out.put(name.replace("##dn", "f32"), signature(params, "float"));
            out.put(name.replace("##dn", "f64"), signature(params, "double"));
          } else {
            out.put(name, signature(params, null));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
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
        sb.append(switch (type) {
          case "int", "unsigned", "uint32_t", "int32_t" -> 'i';
          case "long long", "int64_t", "uint64_t", "unsigned long long", "size_t" -> 'l';
          case "float" -> 'f';
          case "double" -> 'd';
          case "Strided" -> 's';
          default -> throw new IllegalStateException("unknown kernel parameter type '" + type
              + "' in (" + params + ")");
        });
      }
    }
    return sb.toString();
  }
}
