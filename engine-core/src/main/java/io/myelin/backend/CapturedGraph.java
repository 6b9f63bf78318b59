package io.myelin.backend;

/**
 * A recorded sequence of backend calls ({@link Backend#endCapture}) that can be run again and
 * again: a CUDA graph on a GPU (one launch for the whole sequence), a list of recorded calls on the
 * CPU. Every replay reads and writes the same storages the captured calls named, and the values
 * those calls were given as arguments (sizes, scalars, uploaded host data) are fixed at capture
 * time; what must change from one replay to the next has to live in a storage that the caller
 * updates before {@link #replay()} (as {@link Backend#optimizerUpdate(OptimizerKind,
 * OptimizerHyperparameters, Storage, int, Storage, int, Storage, int, Storage[], int) the
 * optimizer's step scalars} do).
 *
 * <p>Closing the graph returns the memory its captured calls allocated. Not thread-safe: the thread
 * that drives a training loop replays it.
 */
public interface CapturedGraph extends AutoCloseable {

  /** Enqueues the recorded calls once, in their recorded order, after every call issued so far. */
  void replay();

  /** Number of primitive calls recorded (kernel launches, copies, fills). */
  int size();

  /** Releases the graph and the memory reserved for it. Idempotent. */
  @Override
  void close();
}
