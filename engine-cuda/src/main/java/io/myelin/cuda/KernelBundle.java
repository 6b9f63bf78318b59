package io.myelin.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The compiled kernels shipped in myelin-kernels: one fatbin per op family ({@code
 * io/myelin/kernels/<family>.fatbin}), the list of its entry points ({@code <family>.kernels}) and
 * {@code kernels.properties} (the CUDA version nvcc had, which the driver must support).
 *
 * <p>Immutable once loaded; safe to share between threads.
 */
final class KernelBundle {
  static final String ROOT = "io/myelin/kernels/";

  /** The families the backend launches from, one {@code .cu} file each. */
  static final List<String> FAMILIES =
      List.of(
          "elementwise",
          "reduce",
          "softmax",
          "random",
          "gemm",
          "optim",
          "loss",
          "norm",
          "dropout",
          "gather",
          "conv",
          "pool");

  private final String cudaVersion;
  private final Map<String, byte[]> fatbins;
  private final Map<String, String> familyOfKernel;

  private KernelBundle(
      String cudaVersion, Map<String, byte[]> fatbins, Map<String, String> familyOfKernel) {
    this.cudaVersion = cudaVersion;
    this.fatbins = fatbins;
    this.familyOfKernel = familyOfKernel;
  }

  /**
   * Reads the bundle from {@code loader}'s resources.
   *
   * @throws IllegalStateException with a "kernels not built" reason when a resource is missing
   */
  static KernelBundle load(ClassLoader loader) {
    Properties props = new Properties();
    byte[] propBytes = read(loader, ROOT + "kernels.properties");
    if (propBytes == null) {
      throw notBuilt(ROOT + "kernels.properties");
    }
    try {
      props.load(new java.io.ByteArrayInputStream(propBytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, byte[]> fatbins = new LinkedHashMap<>();
    Map<String, String> families = new HashMap<>();
    for (String family : FAMILIES) {
      byte[] fatbin = read(loader, ROOT + family + ".fatbin");
      byte[] names = read(loader, ROOT + family + ".kernels");
      if (fatbin == null || names == null) {
        throw notBuilt(ROOT + family + (fatbin == null ? ".fatbin" : ".kernels"));
      }
      fatbins.put(family, fatbin);
      for (String name : new String(names, StandardCharsets.UTF_8).split("\\R")) {
        if (!name.isBlank()) {
          families.put(name.strip(), family);
        }
      }
    }
    return new KernelBundle(
        props.getProperty("cuda.version", "unknown"),
        Collections.unmodifiableMap(fatbins),
        Collections.unmodifiableMap(families));
  }

  private static IllegalStateException notBuilt(String resource) {
    return new IllegalStateException(
        "kernels not built: resource "
            + resource
            + " is missing from the class path (myelin-kernels"
            + " was built without nvcc on PATH; install the CUDA toolkit and rebuild)");
  }

  private static byte[] read(ClassLoader loader, String name) {
    try (InputStream in = loader.getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + name, e);
    }
  }

  /** The CUDA version nvcc had, e.g. {@code 13.0}. */
  String cudaVersion() {
    return cudaVersion;
  }

  /**
   * The smallest driver version ({@code cuDriverGetVersion} encoding, 1000 * major + 10 * minor)
   * that runs these kernels: PTX and SASS from CUDA X.Y need a driver of at least CUDA X.Y's major
   * version (minor-version compatibility covers the rest).
   */
  int requiredDriverVersion() {
    try {
      int major = Integer.parseInt(cudaVersion.substring(0, cudaVersion.indexOf('.')));
      return major * 1000;
    } catch (RuntimeException e) {
      return 0; // unknown: let the module load decide
    }
  }

  /** The fatbin image of {@code family}. */
  byte[] fatbin(String family) {
    byte[] b = fatbins.get(family);
    if (b == null) {
      throw new IllegalArgumentException("no kernel family " + family);
    }
    return b;
  }

  /** The family holding {@code kernel}, e.g. {@code elementwise} for {@code relu_f32}. */
  String familyOf(String kernel) {
    String f = familyOfKernel.get(kernel);
    if (f == null) {
      throw new IllegalArgumentException("no CUDA kernel named " + kernel + " in the bundle");
    }
    return f;
  }

  /** Every kernel name in the bundle. */
  java.util.Set<String> kernelNames() {
    return familyOfKernel.keySet();
  }

  /** Formats a driver version such as 12080 as {@code 12.8}. */
  static String versionText(int driverVersion) {
    return driverVersion / 1000 + "." + (driverVersion % 1000) / 10;
  }
}
