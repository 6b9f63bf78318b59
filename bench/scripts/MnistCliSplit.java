import io.myelin.data.ArrayDataset;
import io.myelin.data.Split;
import io.myelin.data.Splits;
import io.myelin.datasets.EmbeddedDatasets;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the exact train / test split that {@code myelin train mnist --seed S} (embedded sample,
 * --test-split 0.2, no validation) trains and tests on, as IDX files, so that a PyTorch run
 * (cnn_recipes_torch.py --split-dir DIR) uses the same 8,000 / 2,000 images.
 *
 * <pre>
 * java -cp "$(cat examples/target/classpath.txt)" bench/scripts/MnistCliSplit.java SEED OUT_DIR
 * </pre>
 */
public class MnistCliSplit {
  public static void main(String[] args) throws IOException {
    long seed = Long.parseLong(args[0]);
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    // As Datasets.mnistSample + PreparedData.of: shuffled by the seed, then split stratified.
    ArrayDataset all = EmbeddedDatasets.mnistSample(seed);
    Split s = Splits.stratified(all.labels(), 0, 0.2, seed);
    write(all.select(s.train()), out.resolve("train"));
    write(all.select(s.test()), out.resolve("t10k"));
  }

  private static void write(ArrayDataset d, Path stem) throws IOException {
    try (var img = idx(stem + "-images-idx3-ubyte.gz", 0x803, d.rows(), 28, 28);
        var lab = idx(stem + "-labels-idx1-ubyte.gz", 0x801, d.rows())) {
      float[] x = d.features();
      for (float v : x) {
        img.writeByte(Math.round(v * 255)); // the sample is bytes / 255: exact
      }
      for (int l : d.labels()) {
        lab.writeByte(l);
      }
    }
  }

  private static DataOutputStream idx(String path, int magic, int... dims) throws IOException {
    var o = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(Path.of(path))));
    o.writeInt(magic);
    for (int dim : dims) {
      o.writeInt(dim);
    }
    return o;
  }
}
