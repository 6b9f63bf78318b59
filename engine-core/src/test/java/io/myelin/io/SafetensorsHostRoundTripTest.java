package io.myelin.io;

import static io.myelin.io.SpecFiles.entry;
import static io.myelin.io.SpecFiles.file;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer and reader on host arrays (no backend needed): the writer's bytes checked against the
 * independent {@link SpecFiles} parser, hand-built spec files checked through the reader.
 */
class SafetensorsHostRoundTripTest {
  @TempDir Path dir;

  /** Awkward shapes: scalar, empty, one element, primes, a zero in the middle. */
  static final int[][] SHAPES = {{}, {0, 3}, {1}, {7}, {3, 5, 2}, {2, 0, 4}, {13, 1}};

  static SafetensorsWriter.Item item(String name, DType dtype, int[] shape, long seed) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    SplittableRandom r = new SplittableRandom(seed);
    Object data =
        switch (dtype) {
          case FLOAT32 -> {
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
              f[i] = (float) r.nextGaussian();
            }
            yield f;
          }
          case FLOAT64 -> r.doubles(n).map(x -> x * 1e10 - 5e9).toArray();
          case INT32 -> r.ints(n).toArray();
        };
    return new SafetensorsWriter.Item(name, dtype, shape, () -> data);
  }

  static List<SafetensorsWriter.Item> allItems() {
    List<SafetensorsWriter.Item> items = new ArrayList<>();
    long seed = 1;
    for (DType t : DType.values()) {
      for (int[] s : SHAPES) {
        items.add(item(t.shortName() + "." + items.size(), t, s, seed++));
      }
    }
    return items;
  }

  static byte[] expectedBytes(SafetensorsWriter.Item item) {
    Object d = item.data().get();
    return switch (d) {
      case float[] f -> SpecFiles.f32(f);
      case double[] v -> SpecFiles.f64(v);
      case int[] v -> SpecFiles.i32(v);
      default -> throw new AssertionError();
    };
  }

  @Test
  void writerOutputFollowsTheSpec() throws IOException {
    List<SafetensorsWriter.Item> items = allItems();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("note", "quote \" and backslash \\ and é");
    Path p = dir.resolve("spec.safetensors");
    SafetensorsWriter.write(p, items, meta);

    SpecFiles.ParsedFile f = SpecFiles.parse(Files.readAllBytes(p));
    assertEquals(meta, f.metadata());
    assertEquals(
        items.stream().map(SafetensorsWriter.Item::name).toList(),
        List.copyOf(f.tensors().keySet()),
        "tensors in the given order");
    for (SafetensorsWriter.Item it : items) {
      SpecFiles.Parsed t = f.tensors().get(it.name());
      assertEquals(SafetensorsDType.of(it.dtype()).name(), t.dtype(), it.name());
      assertArrayEquals(
          java.util.Arrays.stream(it.shape()).asLongStream().toArray(), t.shape(), it.name());
      assertArrayEquals(expectedBytes(it), t.bytes(), it.name());
    }
  }

  @Test
  void readerReturnsWhatWasWritten() throws IOException {
    List<SafetensorsWriter.Item> items = allItems();
    Path p = dir.resolve("rt.safetensors");
    SafetensorsWriter.write(p, items, Map.of("epoch", "3"));
    SafetensorsHeader h = Safetensors.readHeader(p);
    assertEquals(Map.of("epoch", "3"), h.metadata());
    assertEquals(0, h.dataStart() % 8);
    Map<String, HostTensor> read;
    try (var ch = java.nio.channels.FileChannel.open(p)) {
      read = SafetensorsReader.readAll(ch, "rt", h);
    }
    assertEquals(items.size(), read.size());
    for (SafetensorsWriter.Item it : items) {
      HostTensor t = read.get(it.name());
      assertEquals(it.dtype(), t.dtype());
      assertArrayEquals(it.shape(), t.shape());
      Object want = it.data().get();
      switch (want) {
        case float[] f -> assertArrayEquals(f, (float[]) t.data());
        case double[] d -> assertArrayEquals(d, (double[]) t.data());
        case int[] v -> assertArrayEquals(v, (int[]) t.data());
        default -> throw new AssertionError();
      }
    }
  }

  @Test
  void specialFloatValuesKeepTheirBits() throws IOException {
    float[] f = {Float.NaN, Float.POSITIVE_INFINITY, -0f, Float.MIN_VALUE, Float.MAX_VALUE};
    Path p = dir.resolve("special.safetensors");
    SafetensorsWriter.write(
        p,
        List.of(new SafetensorsWriter.Item("s", DType.FLOAT32, new int[] {5}, () -> f)),
        Map.of());
    float[] back = (float[]) readOnly(Files.readAllBytes(p)).data();
    for (int i = 0; i < f.length; i++) {
      assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(back[i]), "element " + i);
    }
  }

  @Test
  void largeTensorCrossesChunkBoundaries() throws IOException {
    int n = SafetensorsReader.CHUNK / 4 * 2 + 13; // two full chunks and a partial one
    Path p = dir.resolve("large.safetensors");
    var it = item("big", DType.FLOAT32, new int[] {n}, 99);
    SafetensorsWriter.write(p, List.of(it), Map.of());
    assertArrayEquals((float[]) it.data().get(), (float[]) readOnly(Files.readAllBytes(p)).data());
  }

  static HostTensor readOnly(byte[] bytes) throws IOException {
    try (var ch = new ByteArrayChannel(bytes)) {
      SafetensorsHeader h = SafetensorsReader.readHeader(ch, "mem");
      return SafetensorsReader.readTensor(ch, "mem", h, h.tensors().getFirst());
    }
  }

  /** A file as PyTorch would export it: a Linear's weight [out, in] and bias, as given. */
  @Test
  void readsAHandBuiltPyTorchStyleFile() throws IOException {
    float[] w = {1, 2, 3, 4, 5, 6}; // Linear(in=3, out=2).weight, row-major [2, 3]
    float[] b = {0.5f, -0.5f};
    String h =
        "{\"__metadata__\":{\"format\":\"pt\"},"
            + entry("fc.bias", "F32", "[2]", 24, 32)
            + ","
            + entry("fc.weight", "F32", "[2,3]", 0, 24)
            + "}";
    try (var ch =
        new ByteArrayChannel(file(h, SpecFiles.concat(SpecFiles.f32(w), SpecFiles.f32(b))))) {
      SafetensorsHeader header = SafetensorsReader.readHeader(ch, "pt");
      var all = SafetensorsReader.readAll(ch, "pt", header);
      assertEquals(List.of("fc.bias", "fc.weight"), List.copyOf(all.keySet()), "header order kept");
      assertArrayEquals(new int[] {2, 3}, all.get("fc.weight").shape(), "no transpose");
      assertArrayEquals(w, (float[]) all.get("fc.weight").data());
      assertArrayEquals(b, (float[]) all.get("fc.bias").data());
      assertEquals(Map.of("format", "pt"), header.metadata());
    }
  }

  @Test
  void convertsHalfAndSmallIntegerTypes() throws IOException {
    // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal = 0x0001.
    // BF16: 1.0 = 0x3F80, -3.0 = 0xC040, 1e-38-ish = 0x006D.
    String h =
        "{"
            + entry("h", "F16", "[4]", 0, 8)
            + ","
            + entry("bf", "BF16", "[3]", 8, 14)
            + ","
            + entry("i64", "I64", "[2]", 14, 30)
            + ","
            + entry("u8", "U8", "[2]", 30, 32)
            + ","
            + entry("i8", "I8", "[1]", 32, 33)
            + ","
            + entry("flag", "BOOL", "[2]", 33, 35)
            + ","
            + entry("u16", "U16", "[1]", 35, 37)
            + ","
            + entry("t", "I64", "[]", 37, 45)
            + "}";
    byte[] data =
        SpecFiles.concat(
            SpecFiles.u16(0x3C00, 0xC000, 0x7BFF, 0x0001),
            SpecFiles.u16(0x3F80, 0xC040, 0x006D),
            SpecFiles.i64(-7, Integer.MAX_VALUE),
            new byte[] {(byte) 200, 7},
            new byte[] {-5},
            new byte[] {0, 1},
            SpecFiles.u16(0xFFFF),
            SpecFiles.i64(123));
    try (var ch = new ByteArrayChannel(file(h, data))) {
      SafetensorsHeader header = SafetensorsReader.readHeader(ch, "mix");
      var all = SafetensorsReader.readAll(ch, "mix", header);
      assertArrayEquals(new float[] {1, -2, 65504, 0x1p-24f}, (float[]) all.get("h").data());
      assertArrayEquals(
          new float[] {1, -3, Float.intBitsToFloat(0x006D0000)}, (float[]) all.get("bf").data());
      assertArrayEquals(new int[] {-7, Integer.MAX_VALUE}, (int[]) all.get("i64").data());
      assertArrayEquals(new int[] {200, 7}, (int[]) all.get("u8").data());
      assertArrayEquals(new int[] {-5}, (int[]) all.get("i8").data());
      assertArrayEquals(new int[] {0, 1}, (int[]) all.get("flag").data());
      assertArrayEquals(new int[] {65535}, (int[]) all.get("u16").data());
      assertEquals(DType.INT32, all.get("t").dtype());
      assertArrayEquals(new int[0], all.get("t").shape(), "scalar stays a scalar");
    }
  }

  @Test
  void writerRefusesBadNames() {
    var ok = item("a", DType.FLOAT32, new int[] {1}, 1);
    var meta = new SafetensorsWriter.Item("__metadata__", DType.FLOAT32, new int[] {1}, ok.data());
    assertThrows(
        IllegalArgumentException.class,
        () -> SafetensorsWriter.write(dir.resolve("x"), List.of(meta), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> SafetensorsWriter.write(dir.resolve("x"), List.of(ok, ok), Map.of()));
    assertTrue(Files.notExists(dir.resolve("x")));
  }

  @Test
  void failedWriteKeepsThePreviousFileAndLeavesNoTemporary() throws IOException {
    Path p = dir.resolve("model.safetensors");
    SafetensorsWriter.write(
        p, List.of(item("a", DType.FLOAT32, new int[] {3}, 1)), Map.of("v", "1"));
    byte[] before = Files.readAllBytes(p);

    // The second tensor's data fails after the header and the first tensor are on disk.
    var good = item("a", DType.FLOAT32, new int[] {100_000}, 2);
    var failing =
        new SafetensorsWriter.Item(
            "b",
            DType.FLOAT32,
            new int[] {4},
            () -> {
              throw new IllegalStateException("tensor closed mid-save");
            });
    assertThrows(
        IllegalStateException.class,
        () -> SafetensorsWriter.write(p, List.of(good, failing), Map.of()));
    assertArrayEquals(before, Files.readAllBytes(p), "previous file intact");
    assertEquals(List.of(p), listDir(), "no temporary file left");

    // An I/O failure part-way through the body (a full disk) behaves the same.
    var e =
        assertThrows(
            IOException.class,
            () ->
                AtomicFiles.write(
                    p,
                    ch -> {
                      ch.write(ByteBuffer.wrap(new byte[1000]));
                      throw new IOException("No space left on device");
                    }));
    assertEquals(
        "cannot write "
            + p
            + ": No space left on device (the previous file, if any, is"
            + " unchanged)",
        e.getMessage());
    assertEquals("No space left on device", e.getCause().getMessage());
    assertArrayEquals(before, Files.readAllBytes(p));
    assertEquals(List.of(p), listDir());
    assertEquals(Map.of("v", "1"), Safetensors.readHeader(p).metadata(), "still loadable");
  }

  @Test
  void successfulWriteReplacesAtomically() throws IOException {
    Path p = dir.resolve("w.safetensors");
    SafetensorsWriter.write(p, List.of(item("a", DType.INT32, new int[] {2}, 1)), Map.of());
    SafetensorsWriter.write(p, List.of(item("b", DType.FLOAT64, new int[] {1}, 2)), Map.of());
    assertEquals("b", Safetensors.readHeader(p).tensors().getFirst().name());
    assertEquals(List.of(p), listDir());
    ByteBuffer len = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0, len.getLong(0) % 8);
  }

  private List<Path> listDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}
