package io.myelin.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code myelin} command line: {@code devices}, {@code train}, {@code evaluate}, {@code
 * predict}, {@code export}, {@code gradcheck}, {@code bench}.
 *
 * <p>Exit codes: 0 success, 2 bad input (unknown option or dataset, missing or malformed file,
 * mismatched weights, invalid hyperparameter: one line on stderr, no stack trace unless {@code
 * --verbose}), 1 an unexpected failure.
 */
@Command(
    name = "myelin",
    mixinStandardHelpOptions = true,
    version = "myelin 0.1.0",
    description = "Train and run neural networks on the CPU or an NVIDIA GPU.",
    subcommands = {
      DevicesCommand.class,
      TrainCommand.class,
      SummaryCommand.class,
      EvaluateCommand.class,
      PredictCommand.class,
      ExportCommand.class,
      GradcheckCommand.class,
      BenchCommand.class
    },
    footer = {"", "Run 'myelin COMMAND --help' for a command's options and their defaults."})
public final class Main implements Runnable {

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces with errors, and debug details.")
  boolean verbose;

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /** A command line wired with the error handling described above. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean verbose) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    // 100 columns: the examples (one command per line) and 'mlp:auto-128-auto' style defaults fit
    // without being broken mid-token; the option column is wide enough for --init-weights=FILE.
    cl.setUsageHelpWidth(100);
    cl.setUsageHelpLongOptionsMaxWidth(32);
    cl.setParameterExceptionHandler(Errors::onParameterException);
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> Errors.onExecutionException(e, cmd, verbose));
    cl.setExitCodeExceptionMapper(e -> Errors.exitCode(e));
    return cl;
  }

  /** Runs the command line and returns its exit code (for tests and {@link #main}). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    int code = commandLine(out, err, verbose).execute(args);
    out.flush();
    err.flush();
    return code;
  }

  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    // slf4j-simple reads its level once, at the first logger: the command line shows warnings
    // only (a usage error is one line), and the device-selection line with --verbose.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty(
          "org.slf4j.simpleLogger.defaultLogLevel",
          Arrays.asList(args).contains("--verbose") ? "info" : "warn");
    }
    int code = run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    System.exit(code);
  }
}
