package io.myelin.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import io.myelin.Tensor;
import io.myelin.io.Safetensors;
import io.myelin.io.SafetensorsFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors through real tensors on the device under test: round trips of every Myelin dtype with
 * awkward shapes, strided views, PyTorch layouts, in-place loading and atomic replacement. (Header
 * validation and fuzzing run without a backend in {@code io.myelin.io}.)
 */
public abstract class SafetensorsConformanceTest extends DeviceTestBase {
  @TempDir Path dir;

  static final int[][] SHAPES = {{}, {0, 3}, {1}, {7}, {3, 5, 2}, {2, 0, 4}, {13, 1}};

  static Tensor sample(DType dtype, long seed, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    SplittableRandom r = new SplittableRandom(seed);
    Object data =
        switch (dtype) {
          case FLOAT32 -> randomFloats(seed, n, -3, 3);
          case FLOAT64 -> randomDoubles(seed, n, -1e6, 1e6);
          case INT32 -> r.ints(n).toArray();
        };
    // Tensor.of treats an empty shape as 1-D; build scalars as a [1] viewed as [].
    return shape.length == 0
        ? Tensor.of(Tensor.defaultDevice(), data, 1).reshape()
        : Tensor.of(Tensor.defaultDevice(), data, shape);
  }

  static void assertSameTensor(Tensor expected, Tensor actual, String what) {
    assertEquals(expected.dtype(), actual.dtype(), what + " dtype");
    assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
    switch (expected.dtype()) {
      case FLOAT32 -> assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), what);
      case FLOAT64 -> assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), what);
      case INT32 -> assertArrayEquals(expected.toIntArray(), actual.toIntArray(), what);
    }
  }

  @Test
  void roundTripsEveryDtypeAndAwkwardShapesBitForBit() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    long seed = 1;
    for (DType t : DType.values()) {
      for (int[] s : SHAPES) {
        tensors.put("layer" + seed + "." + t.shortName(), sample(t, seed++, s));
      }
    }
    Map<String, String> meta = Map.of("format", "pt", "epoch", "3", "note", "é \"quoted\"");
    Path p = dir.resolve("all.safetensors");
    Safetensors.save(p, tensors, meta);

    Safetensors.Contents back = Safetensors.read(p, device());
    assertEquals(meta, back.metadata());
    assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.tensors().keySet()), "order kept");
    for (var e : tensors.entrySet()) {
      Tensor t = back.tensors().get(e.getKey());
      assertEquals(device(), t.device());
      assertSameTensor(e.getValue(), t, e.getKey());
    }
    assertEquals(0, back.tensors().values().iterator().next().rank(), "a scalar stays rank 0");
  }

  @Test
  void stridedViewsAreSavedRowMajorInTheirOwnShape() throws IOException {
    Tensor base = sample(DType.FLOAT32, 5, 4, 6);
    Tensor transposed = base.t(); // [6, 4], non-contiguous
    Tensor narrowed = base.narrow(1, 2, 3); // [4, 3], offset view
    Path p = dir.resolve("views.safetensors");
    Safetensors.save(p, Map.of("t", transposed, "n", narrowed));
    var back = Safetensors.load(p);
    assertSameTensor(transposed, back.get("t"), "transposed");
    assertSameTensor(narrowed, back.get("n"), "narrowed");
  }

  /**
   * A file laid out by hand as PyTorch's {@code save_file(Linear(3, 2).state_dict())} writes it:
   * weight {@code [out, in] = [2, 3]}, bias {@code [2]}, names as given. Loading must keep the
   * layout, so {@code x @ W^T + b} gives PyTorch's answer.
   */
  @Test
  void readsPyTorchLinearLayoutWithoutTransposing() throws IOException {
    float[] w = {1, 2, 3, 4, 5, 6};
    float[] b = {0.5f, -1};
    String header =
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + h.length + 32).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(h.length).put(h);
    for (float v : b) {
      file.putFloat(v);
    }
    for (float v : w) {
      file.putFloat(v);
    }
    Path p = dir.resolve("linear.safetensors");
    Files.write(p, file.array());

    var sd = Safetensors.load(p, device());
    assertArrayEquals(new int[] {2, 3}, sd.get("weight").shape());
    Tensor x = Tensor.of(new float[] {1, 0, -1}, 1, 3);
    Tensor y = x.matmul(sd.get("weight").t()).add(sd.get("bias"));
    // Row 0 of W is (1, 2, 3): 1 - 3 + 0.5; row 1 is (4, 5, 6): 4 - 6 - 1.
    assertArrayEquals(new float[] {-1.5f, -3f}, y.toFloatArray());
  }

  @Test
  void halfPrecisionFilesLoadAsFloat32() throws IOException {
    String header =
        "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
            + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
            + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + h.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(h.length).put(h);
    file.putShort((short) 0x3C00).putShort((short) 0xC100); // F16 1.0, -2.5
    file.putShort((short) 0x3F80).putShort((short) 0x4049); // BF16 1.0, 3.140625
    file.putLong(1234); // BatchNorm's num_batches_tracked
    Path p = dir.resolve("half.safetensors");
    Files.write(p, file.array());
    var t = Safetensors.load(p);
    assertEquals(DType.FLOAT32, t.get("h").dtype());
    assertArrayEquals(new float[] {1f, -2.5f}, t.get("h").toFloatArray());
    assertArrayEquals(new float[] {1f, 3.140625f}, t.get("bf").toFloatArray());
    assertEquals(1234.0, t.get("n").item());
    assertEquals(DType.INT32, t.get("n").dtype());
  }

  @Test
  void loadIntoWritesParametersInPlaceOnlyWhenEverythingMatches() throws IOException {
    Tensor w = sample(DType.FLOAT32, 1, 3, 2);
    Tensor steps = sample(DType.INT32, 2, 1);
    Path p = dir.resolve("sd.safetensors");
    Safetensors.save(p, Map.of("w", w, "steps", steps), Map.of("k", "v"));

    Tensor targetW = Tensor.zeros(3, 2).requiresGrad(true);
    Tensor targetSteps = Tensor.zeros(DType.INT32, 1);
    Map<String, String> meta = Safetensors.loadInto(p, Map.of("w", targetW, "steps", targetSteps));
    assertEquals(Map.of("k", "v"), meta);
    assertSameTensor(w, targetW, "w");
    assertSameTensor(steps, targetSteps, "steps");
    assertTrue(targetW.requiresGrad(), "still a parameter");

    Tensor wrongShape = Tensor.zeros(2, 3);
    Tensor untouched = Tensor.zeros(DType.INT32, 1);
    var e =
        assertThrows(
            SafetensorsFormatException.class,
            () ->
                Safetensors.loadInto(
                    p, Map.of("w", wrongShape, "steps", untouched, "extra", Tensor.zeros(1))));
    assertTrue(
        e.getMessage().contains("'w' has shape [3, 2] in the file, [2, 3] in the target"),
        e.getMessage());
    assertTrue(e.getMessage().contains("missing 'extra'"), e.getMessage());
    assertArrayEquals(new int[] {0}, untouched.toIntArray(), "nothing written on mismatch");
  }

  @Test
  void aSaveThatFailsMidWriteKeepsThePreviousFile() throws IOException {
    Path p = dir.resolve("model.safetensors");
    Safetensors.save(p, Map.of("a", sample(DType.FLOAT32, 1, 4)));
    byte[] before = Files.readAllBytes(p);

    // The last tensor is closed (say by another thread) after save() checked it but before its
    // bytes were written: the header and the first tensor are already in the temporary file.
    Tensor big = sample(DType.FLOAT32, 2, 300, 300);
    Tensor doomed = sample(DType.FLOAT32, 3, 5);
    Map<String, Tensor> closingMap =
        new AbstractMap<>() {
          @Override
          public Set<Entry<String, Tensor>> entrySet() {
            List<Entry<String, Tensor>> entries =
                List.of(Map.entry("big", big), Map.entry("doomed", doomed));
            return new java.util.AbstractSet<>() {
              @Override
              public Iterator<Entry<String, Tensor>> iterator() {
                Iterator<Entry<String, Tensor>> it = entries.iterator();
                return new Iterator<>() {
                  @Override
                  public boolean hasNext() {
                    boolean more = it.hasNext();
                    if (!more) {
                      doomed.close();
                    }
                    return more;
                  }

                  @Override
                  public Entry<String, Tensor> next() {
                    return it.next();
                  }
                };
              }

              @Override
              public int size() {
                return entries.size();
              }
            };
          }
        };
    assertThrows(IllegalStateException.class, () -> Safetensors.save(p, closingMap));
    assertArrayEquals(before, Files.readAllBytes(p), "previous file intact");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(p), files.toList(), "no temporary file left");
    }
    assertSameTensor(sample(DType.FLOAT32, 1, 4), Safetensors.load(p).get("a"), "still loadable");
  }

  @Test
  void refusesTensorsItCannotWrite() {
    Tensor closed = Tensor.zeros(2);
    closed.close();
    assertThrows(
        IllegalArgumentException.class,
        () -> Safetensors.save(dir.resolve("x.safetensors"), Map.of("c", closed)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Safetensors.save(
                dir.resolve("x.safetensors"), Map.of("__metadata__", Tensor.zeros(1))));
    assertFalse(Files.exists(dir.resolve("x.safetensors")));
    List<Path> none = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(none::add);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    assertEquals(List.of(), none);
  }
}
