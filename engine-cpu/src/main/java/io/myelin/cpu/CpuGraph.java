package io.myelin.cpu;

import io.myelin.DType;
import io.myelin.backend.CapturedGraph;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A captured graph on the CPU: the kernel calls the capturing thread made, in order, each a closure
 * over the storages and scalars it was given. A replay runs them again without any of the host work
 * that produced them (tensor objects, shape checks, the autograd tape), which is most of the time
 * of a step of a small model.
 *
 * <p>Arrays allocated during the capture are reserved for the graph: released ones go to this
 * graph's free list (reused only by later allocations of the same capture, which the recorded order
 * makes safe) and back to the backend's pool when the graph is closed. Not thread-safe: the
 * capturing thread records, one thread replays.
 */
final class CpuGraph implements CapturedGraph {
  private final CpuBackend backend;
  private final Thread owner;
  private final List<Runnable> calls = new ArrayList<>();
  private final Map<Long, ArrayDeque<Object>> free = new HashMap<>();
  private boolean capturing = true;
  private boolean closed;

  CpuGraph(CpuBackend backend, Thread owner) {
    this.backend = backend;
    this.owner = owner;
  }

  Thread owner() {
    return owner;
  }

  void record(Runnable call) {
    calls.add(call);
  }

  /** Ends recording: no more calls or allocations come in. */
  void finish() {
    capturing = false;
  }

  /** A reserved array released earlier in this capture, or null. */
  synchronized Object take(DType dtype, int length) {
    ArrayDeque<Object> q = free.get(key(dtype, length));
    return q == null ? null : q.pollFirst();
  }

  /** Keeps a released array of this graph's (true), or declines once the graph is closed. */
  synchronized boolean keep(DType dtype, Object array, int length) {
    if (closed) {
      return false;
    }
    free.computeIfAbsent(key(dtype, length), k -> new ArrayDeque<>()).addLast(array);
    return true;
  }

  @Override
  public void replay() {
    if (capturing) {
      throw new IllegalStateException("replay before endCapture");
    }
    if (closed) {
      throw new IllegalStateException("replay of a closed graph");
    }
    for (Runnable call : calls) {
      call.run();
    }
  }

  @Override
  public int size() {
    return calls.size();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    calls.clear();
    for (Map.Entry<Long, ArrayDeque<Object>> e : free.entrySet()) {
      DType dtype = DType.values()[(int) (e.getKey() >>> 32)];
      int length = (int) (long) e.getKey();
      for (Object a : e.getValue()) {
        backend.returnToPool(dtype, a, length);
      }
    }
    free.clear();
  }

  private static long key(DType dtype, int length) {
    return ((long) dtype.ordinal() << 32) | (length & 0xffffffffL);
  }
}
