package io.myelin.cuda;

/**
 * Grid and block sizes for one launch. The kernels use grid-stride loops, so the grid is capped
 * (enough blocks to fill every SM several times over) rather than sized to the data.
 *
 * @param gridX blocks in x ({@code gridY}, {@code gridZ} likewise)
 * @param blockX threads in x ({@code blockY} likewise)
 */
record LaunchShape(int gridX, int gridY, int gridZ, int blockX, int blockY) {
  /** Threads per block for the 1-D kernels; a multiple of 32 as block_reduce requires. */
  static final int THREADS = 256;

  /** Largest gridDim.y / gridDim.z the hardware allows. */
  static final int MAX_GRID_YZ = 65535;

  /** A 1-D launch over {@code work} items, at most {@code maxBlocks} blocks. */
  static LaunchShape linear(long work, int threads, int maxBlocks) {
    long blocks = Math.max(1, Math.min((work + threads - 1) / threads, maxBlocks));
    return new LaunchShape((int) blocks, 1, 1, threads, 1);
  }

  /** One block per item (rows of a reduction or a softmax), at most {@code maxBlocks}. */
  static LaunchShape perItem(long items, int threads, int maxBlocks) {
    return new LaunchShape((int) Math.max(1, Math.min(items, maxBlocks)), 1, 1, threads, 1);
  }

  /** Threads for a row of {@code cols} elements: the next power of two in [32, 256]. */
  static int threadsForRow(int cols) {
    int t = 32;
    while (t < THREADS && t < cols) {
      t <<= 1;
    }
    return t;
  }
}
