package io.myelin.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

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
    footer = {"", "Run 'myelin COMMAND --help' for a command's options and their defaults."})
public final class Main implements Runnable {
  /**
   * The subcommands in the order of the usage help. They are registered in code, not in the
   * {@code @Command} annotation: picocli reads every option of a command by reflection when the
   * command is registered, about 100-300 ms for all eight on a cold JVM (bench/RESULTS.md), so a
   * run that names its command registers that one only ({@link #commandLine(PrintWriter,
   * PrintWriter, boolean, String...)}).
   */
  private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

  static {
    SUBCOMMANDS.put("devices", DevicesCommand::new);
    SUBCOMMANDS.put("train", TrainCommand::new);
    SUBCOMMANDS.put("summary", SummaryCommand::new);
    SUBCOMMANDS.put("evaluate", EvaluateCommand::new);
    SUBCOMMANDS.put("predict", PredictCommand::new);
    SUBCOMMANDS.put("export", ExportCommand::new);
    SUBCOMMANDS.put("gradcheck", GradcheckCommand::new);
    SUBCOMMANDS.put("bench", BenchCommand::new);
  }

  @Spec CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces with errors, and debug details.")
  boolean verbose;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** A command line with every subcommand, wired with the error handling described above. */
  public static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean verbose) {
    return commandLine(out, err, verbose, new String[0]);
  }

  /**
   * A command line for {@code args}: where the first argument names a subcommand, only that one is
   * registered (it parses, runs and prints its help exactly as in the whole tree); otherwise (no
   * argument, an option such as {@code --help}, an unknown command) all of them, for the usage help
   * and the error messages.
   */
  public static CommandLine commandLine(
      PrintWriter out, PrintWriter err, boolean verbose, String... args) {
    CommandLine cl = new CommandLine(new Main());
    Supplier<Object> only = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
    if (only != null) {
      cl.addSubcommand(args[0], only.get());
    } else {
      SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
    }
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
    int code = commandLine(out, err, verbose, args).execute(args);
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
