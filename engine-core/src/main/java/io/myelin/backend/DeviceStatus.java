package io.myelin.backend;

/**
 * One line of the device report: a provider and what its probe found.
 *
 * @param provider the provider's name ({@code cpu}, {@code cuda})
 * @param priority its rank for {@code auto}
 * @param availability the probe's answer (reason and details)
 */
public record DeviceStatus(String provider, int priority, Availability availability) {}
