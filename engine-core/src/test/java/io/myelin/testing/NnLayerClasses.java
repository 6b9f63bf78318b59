package io.myelin.testing;

import io.myelin.nn.Layer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The concrete public layer classes of {@code io.myelin.nn}, read from where {@link Layer} was
 * loaded (a classes folder or a jar), so a test can require something of every layer - including
 * the ones added after it was written.
 */
public final class NnLayerClasses {
  private static final String PACKAGE = "io/myelin/nn/";

  private NnLayerClasses() {}

  /** Every public, non-abstract, top-level subclass of {@link Layer} in {@code io.myelin.nn}. */
  public static List<Class<? extends Layer>> concrete() {
    List<Class<? extends Layer>> out = new ArrayList<>();
    for (String name : classNames()) {
      Class<?> c;
      try {
        c = Class.forName(name, false, Layer.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      if (Layer.class.isAssignableFrom(c)
          && !Modifier.isAbstract(c.getModifiers())
          && Modifier.isPublic(c.getModifiers())) {
        out.add(c.asSubclass(Layer.class));
      }
    }
    out.sort(Comparator.comparing(Class::getName));
    if (out.size() < 10) {
      throw new IllegalStateException("found only " + out + " in " + PACKAGE + ": a lookup bug");
    }
    return out;
  }

  private static List<String> classNames() {
    Path where;
    try {
      where = Path.of(Layer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<String> entries = new ArrayList<>();
    try {
      if (Files.isDirectory(where)) {
        try (Stream<Path> files = Files.list(where.resolve(PACKAGE))) {
          files.forEach(f -> entries.add(PACKAGE + f.getFileName()));
        }
      } else {
        try (JarFile jar = new JarFile(where.toFile())) {
          jar.stream().forEach(e -> entries.add(e.getName()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries.stream()
        .filter(e -> e.startsWith(PACKAGE) && e.endsWith(".class") && !e.contains("$"))
        .filter(e -> e.indexOf('/', PACKAGE.length()) < 0)
        .map(e -> e.substring(0, e.length() - 6).replace('/', '.'))
        .toList();
  }
}
