package io.myelin.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.myelin.testing.NnLayerClasses;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every concrete layer of {@code io.myelin.nn} has a built-in codec (a layer added without one
 * fails here, naming it), and the codec set behaves as documented. Round trips through real tensors
 * run in {@code io.myelin.testing.ModelFilesConformanceTest}.
 */
class LayerCodecCoverageTest {
  @Test
  void everyConcreteLayerOfTheNnPackageHasABuiltInCodec() {
    List<String> missing = new ArrayList<>();
    for (Class<? extends Layer> c : NnLayerClasses.concrete()) {
      LayerCodec<? extends Layer> codec = LayerCodecs.builtIn().forClass(c);
      if (codec == null) {
        missing.add(c.getName());
      } else {
        assertEquals(c.getSimpleName(), codec.type(), "built-in type names are class names");
        assertEquals(codec, LayerCodecs.builtIn().forType(codec.type()));
      }
    }
    assertTrue(
        missing.isEmpty(),
        "layers without a codec in BuiltInLayerCodecs (add one, and a case to"
            + " ModelFilesConformanceTest): "
            + missing);
    assertEquals(
        NnLayerClasses.concrete().size(),
        LayerCodecs.builtIn().types().size(),
        "a built-in codec for a class that is not a concrete nn layer: "
            + LayerCodecs.builtIn().types());
  }

  @Test
  void withAddsAndReplacesWithoutChangingTheOriginal() {
    LayerCodec<Flatten> other =
        LayerCodec.of("MyFlatten", Flatten.class, (l, c) -> {}, c -> new Flatten());
    LayerCodecs more = LayerCodecs.builtIn().with(other);
    assertEquals(other, more.forClass(Flatten.class));
    assertEquals(null, more.forType("Flatten"), "the replaced codec's type is gone");
    assertEquals("Flatten", LayerCodecs.builtIn().forClass(Flatten.class).type());
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> LayerCodecs.builtIn().with(other, other));
    assertTrue(e.getMessage().contains("two codecs for type 'MyFlatten'"), e.getMessage());
  }

  @Test
  void configGettersNameTheEntryAndWhatTheyFound() {
    LayerConfig c =
        new LayerConfig(
            new java.util.LinkedHashMap<>(
                java.util.Map.of("s", "x", "n", 3L, "big", 1L << 40, "d", "NaN", "l", List.of(1L))),
            LayerCodecs.builtIn(),
            "");
    assertEquals(
        "entry 's' must be an integer, found a string",
        assertThrows(IllegalArgumentException.class, () -> c.getInt("s")).getMessage());
    assertEquals(
        "entry 'missing' is missing",
        assertThrows(IllegalArgumentException.class, () -> c.getInt("missing")).getMessage());
    assertEquals(
        "entry 'big' = 1099511627776 does not fit an int",
        assertThrows(IllegalArgumentException.class, () -> c.getInt("big")).getMessage());
    assertEquals(
        "entry 'n' must be true or false, found a number 3",
        assertThrows(IllegalArgumentException.class, () -> c.getBoolean("n")).getMessage());
    assertTrue(Double.isNaN(c.getDouble("d")));
    assertEquals(3.0, c.getDouble("n"));
    assertEquals(1, c.getIntArray("l")[0]);
  }
}
