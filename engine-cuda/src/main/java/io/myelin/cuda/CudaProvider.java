package io.myelin.cuda;

import io.myelin.backend.Availability;
import io.myelin.backend.Backend;
import io.myelin.backend.BackendProvider;

/**
 * Discovers the CUDA backend ({@code cuda}, priority 100, so {@code auto} prefers it over the CPU
 * when it is available). Listed in {@code META-INF/services/io.myelin.backend.BackendProvider}.
 *
 * <p>The probe runs once per provider instance and is cached; it never throws (see {@link
 * CudaProbe} for the steps and reasons). Thread-safe.
 */
public final class CudaProvider implements BackendProvider {
  private volatile Availability cached;

  @Override
  public String name() {
    return "cuda";
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public Availability probe() {
    Availability a = cached;
    if (a == null) {
      synchronized (this) {
        a = cached;
        if (a == null) {
          a =
              new CudaProbe(
                      CudaProbe.DRIVER_LIBRARY,
                      CudaProvider.class.getClassLoader(),
                      CublasLibrary::find)
                  .run();
          cached = a;
        }
      }
    }
    return a;
  }

  /**
   * Creates the backend of GPU {@code index}.
   *
   * @throws IllegalStateException with the probe's reason when CUDA is unavailable
   * @throws IllegalArgumentException when there is no such device
   */
  @Override
  public Backend create(int index) {
    Availability a = probe();
    if (!a.available()) {
      throw new IllegalStateException("CUDA backend unavailable: " + a.reason());
    }
    if (index < 0 || index >= a.deviceCount()) {
      throw new IllegalArgumentException(
          "no device cuda:"
              + index
              + "; this machine has "
              + a.deviceCount()
              + " (cuda:0 to cuda:"
              + (a.deviceCount() - 1)
              + ")");
    }
    return new CudaBackend(
        index, KernelBundle.load(CudaProvider.class.getClassLoader()), CublasLibrary.find());
  }
}
