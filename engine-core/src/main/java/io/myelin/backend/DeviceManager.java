package io.myelin.backend;

import io.myelin.Device;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides which backend runs which device.
 *
 * <p>Providers are discovered with {@link ServiceLoader}. A device is resolved from, in order: an
 * explicit argument, the {@code MYELIN_DEVICE} environment variable, the {@code myelin.device}
 * system property. Accepted forms: {@code auto}, {@code cpu}, {@code cuda}, {@code cuda:N}.
 *
 * <ul>
 *   <li>{@code auto} picks the available provider with the highest priority (CUDA over CPU) and,
 *       when a better provider is unavailable, logs one line saying why it fell back.
 *   <li>An explicitly named device that is unavailable is an error carrying the probe's reason (as
 *       in PyTorch: asking for {@code cuda} on a machine without one fails loudly).
 * </ul>
 *
 * <p>New tensors are created on the {@link #defaultDevice()}: the CPU, as in PyTorch, unless {@code
 * MYELIN_DEVICE} / {@code myelin.device} name another, or a thread sets one with {@link
 * #useDevice(Device)}. Thread-safe; backends are created once per device and cached.
 */
public final class DeviceManager {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceManager.class);
  private static volatile DeviceManager global;
  private static final ThreadLocal<Device> THREAD_DEFAULT = new ThreadLocal<>();

  private final List<BackendProvider> providers;
  private final UnaryOperator<String> env;
  private final UnaryOperator<String> properties;
  private final Map<String, Availability> probes = new ConcurrentHashMap<>();
  private final Map<Device, Backend> backends = new ConcurrentHashMap<>();
  private final Map<String, Boolean> fallbackLogged = new ConcurrentHashMap<>();

  /**
   * A manager over explicit providers and configuration sources (tests use this; applications use
   * {@link #global()}).
   */
  public DeviceManager(
      List<BackendProvider> providers,
      UnaryOperator<String> env,
      UnaryOperator<String> properties) {
    this.providers = new ArrayList<>(providers);
    this.providers.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
    this.env = Objects.requireNonNull(env);
    this.properties = Objects.requireNonNull(properties);
  }

  /** The process-wide manager over the providers on the class path. */
  public static DeviceManager global() {
    DeviceManager m = global;
    if (m == null) {
      synchronized (DeviceManager.class) {
        m = global;
        if (m == null) {
          List<BackendProvider> found = new ArrayList<>();
          ServiceLoader.load(BackendProvider.class).stream()
              .forEach(
                  p -> {
                    try {
                      found.add(p.get());
                    } catch (Throwable t) {
                      LOG.warn(
                          "backend provider {} could not be loaded: {}",
                          p.type().getName(),
                          t.toString());
                    }
                  });
          m = new DeviceManager(found, System::getenv, System::getProperty);
          global = m;
        }
      }
    }
    return m;
  }

  /** Every known provider with its probe result, best first. */
  public List<DeviceStatus> report() {
    List<DeviceStatus> out = new ArrayList<>();
    for (BackendProvider p : providers) {
      out.add(new DeviceStatus(p.name(), p.priority(), probe(p)));
    }
    return out;
  }

  /**
   * Resolves a device spec ({@code auto}, {@code cpu}, {@code cuda}, {@code cuda:N}); a null or
   * blank spec means the configured one ({@code MYELIN_DEVICE}, then {@code myelin.device}, then
   * {@code auto}).
   *
   * @throws DeviceUnavailableException when a named device cannot be used, with the reason
   * @throws IllegalArgumentException for a malformed spec
   */
  public Device resolve(String spec) {
    String s = spec;
    if (s == null || s.isBlank()) {
      s = configured();
    }
    if (s == null || s.isBlank()) {
      s = "auto";
    }
    s = s.trim().toLowerCase(Locale.ROOT);
    if (s.equals("auto")) {
      return resolveAuto();
    }
    Device d = Device.parse(s);
    checkAvailable(d);
    return d;
  }

  /**
   * The device new tensors go to: the thread's {@link #useDevice} override, else the configured
   * {@code MYELIN_DEVICE} / {@code myelin.device} (resolved), else the CPU.
   */
  public Device defaultDevice() {
    Device t = THREAD_DEFAULT.get();
    if (t != null) {
      return t;
    }
    String c = configured();
    return c == null || c.isBlank() ? Device.CPU : resolve(c);
  }

  /**
   * Makes {@code device} the default for new tensors on this thread until the returned scope is
   * closed (scopes nest).
   */
  public static DeviceScope useDevice(Device device) {
    Device previous = THREAD_DEFAULT.get();
    THREAD_DEFAULT.set(Objects.requireNonNull(device));
    return () -> {
      if (previous == null) {
        THREAD_DEFAULT.remove();
      } else {
        THREAD_DEFAULT.set(previous);
      }
    };
  }

  /** Restores the thread's previous default device. */
  public interface DeviceScope extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * The backend for {@code device}, created on first use, as every caller gets it: a {@link
   * CheckedBackend} that checks each primitive's arguments before the device's backend runs.
   */
  public Backend backend(Device device) {
    Backend b = backends.get(device);
    if (b != null) {
      return b;
    }
    synchronized (backends) {
      b = backends.get(device);
      if (b == null) {
        BackendProvider p = checkAvailable(device);
        b = CheckedBackend.of(p.create(device.index()));
        backends.put(device, b);
      }
      return b;
    }
  }

  private String configured() {
    String e = env.apply("MYELIN_DEVICE");
    if (e != null && !e.isBlank()) {
      return e;
    }
    return properties.apply("myelin.device");
  }

  private Device resolveAuto() {
    List<String> skipped = new ArrayList<>();
    for (BackendProvider p : providers) {
      Availability a = probe(p);
      if (a.available() && a.deviceCount() > 0) {
        Device d = new Device(p.name(), 0);
        if (!skipped.isEmpty()
            && fallbackLogged.putIfAbsent(String.join(";", skipped), true) == null) {
          LOG.info("device auto: using {} ({})", d, String.join("; ", skipped));
        }
        return d;
      }
      skipped.add(p.name() + " unavailable: " + a.reason());
    }
    throw new DeviceUnavailableException(
        "no backend available"
            + (skipped.isEmpty()
                ? ": no BackendProvider on the class path (add myelin-cpu)"
                : ": " + String.join("; ", skipped)));
  }

  private BackendProvider checkAvailable(Device d) {
    for (BackendProvider p : providers) {
      if (p.name().equals(d.type())) {
        Availability a = probe(p);
        if (!a.available()) {
          throw new DeviceUnavailableException(
              "device "
                  + d
                  + " is unavailable: "
                  + a.reason()
                  + " (ask for the device \"cpu\" or \"auto\")");
        }
        if (d.index() >= a.deviceCount()) {
          throw new DeviceUnavailableException(
              "device "
                  + d
                  + " does not exist: "
                  + p.name()
                  + " has "
                  + a.deviceCount()
                  + " device(s), numbered from 0");
        }
        return p;
      }
    }
    List<String> names = providers.stream().map(BackendProvider::name).toList();
    throw new DeviceUnavailableException(
        "no backend for device type '"
            + d.type()
            + "' on the class path (known: "
            + names
            + (d.type().equals("cuda") ? "; add myelin-cuda for GPUs)" : ")"));
  }

  private Availability probe(BackendProvider p) {
    return probes.computeIfAbsent(
        p.name(),
        n -> {
          try {
            Availability a = p.probe();
            return a != null ? a : Availability.unavailable("probe returned nothing");
          } catch (Throwable t) {
            // Probes must not throw; if one does anyway, report it instead of failing the caller.
            return Availability.unavailable("probe failed: " + t);
          }
        });
  }
}
