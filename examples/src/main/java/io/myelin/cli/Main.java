package io.myelin.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code myelin} command line. */
@Command(
    name = "myelin",
    mixinStandardHelpOptions = true,
    version = "myelin 0.1.0",
    description = "Train and run neural networks on the CPU or an NVIDIA GPU.",
    subcommands = {DevicesCommand.class, TrainCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
