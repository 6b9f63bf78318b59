package io.myelin.cli;

import io.myelin.backend.DeviceManager;
import io.myelin.backend.DeviceStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code myelin devices}: every backend with its status, and the reason when unavailable. */
@Command(
    name = "devices",
    mixinStandardHelpOptions = true,
    description = "List the backends on the class path, whether each can run here, and why not.")
final class DevicesCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    var manager = DeviceManager.global();
    for (DeviceStatus s : manager.report()) {
      var a = s.availability();
      System.out.printf(
          "%-6s %-12s %s%n", s.provider(), a.available() ? "available" : "unavailable", a.reason());
      for (String d : a.details()) {
        System.out.printf("       %s%n", d);
      }
    }
    System.out.println("auto -> " + manager.resolve("auto"));
    return 0;
  }
}
