package io.myelin.backend;

/**
 * Discovers and creates one kind of backend. Implementations are listed in {@code
 * META-INF/services/io.myelin.backend.BackendProvider} and found by {@link
 * java.util.ServiceLoader}, so adding a backend's jar to the class path is all it takes to use it.
 */
public interface BackendProvider {

  /** The device type this provider serves ({@code cpu}, {@code cuda}). */
  String name();

  /** Rank for {@code auto}: the available provider with the highest priority wins (CPU is 0). */
  int priority();

  /**
   * Checks whether the backend can run on this machine. Never throws: every failure (missing native
   * library, no device, old driver, kernels not built) becomes a reason a user can act on. May be
   * called more than once; implementations cache the answer.
   */
  Availability probe();

  /** Creates the backend for device {@code index}; only called after a successful probe. */
  Backend create(int index);
}
