package io.myelin.cli;

import io.myelin.backend.DeviceUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Turns failures into one line on stderr and an exit code: 2 for bad input (the user can fix it), 1
 * for anything unexpected. Stack traces only with {@code --verbose}.
 */
final class Errors {
  static final int BAD_INPUT = 2;
  static final int FAILURE = 1;

  private Errors() {}

  /** An error the user caused and can fix; its message is printed as it is. */
  static final class BadInputException extends RuntimeException {
    BadInputException(String message) {
      super(message);
    }
  }

  static int onParameterException(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    String name = cmd.getCommandSpec().qualifiedName();
    String msg = oneLine(e.getMessage());
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      msg += " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
    }
    cmd.getErr().println(name + ": " + msg + " (see '" + name + " --help')");
    cmd.getErr().flush();
    return BAD_INPUT;
  }

  static int onExecutionException(Exception e, CommandLine cmd, boolean verbose) {
    String name = cmd.getCommandSpec().qualifiedName();
    int code = exitCode(e);
    String msg = inFlags(code == BAD_INPUT ? describe(e) : "internal error: " + e);
    cmd.getErr().println(name + ": " + msg);
    if (verbose) {
      e.printStackTrace(cmd.getErr());
    } else if (code != BAD_INPUT) {
      cmd.getErr().println("(run again with --verbose for the stack trace)");
    }
    cmd.getErr().flush();
    return code;
  }

  static int exitCode(Throwable e) {
    Throwable t = unwrap(e);
    return t instanceof BadInputException
            || t instanceof IllegalArgumentException
            || t instanceof IOException
            || t instanceof DeviceUnavailableException
            || t instanceof ParameterException
        ? BAD_INPUT
        : FAILURE;
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof UncheckedIOException || t instanceof CommandLine.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** The message of a bad-input error, on one line, with the file named for file errors. */
  static String describe(Throwable e) {
    Throwable t = unwrap(e);
    String msg =
        switch (t) {
          case NoSuchFileException n ->
              n.getReason() != null ? n.getReason() : "no such file: " + n.getFile();
          case AccessDeniedException a ->
              a.getReason() != null
                  ? a.getReason()
                  : "cannot read " + a.getFile() + ": permission denied";
          case FileSystemException f ->
              f.getReason() != null ? f.getReason() : f.getFile() + ": " + f.getMessage();
          default -> t.getMessage() == null ? t.toString() : t.getMessage();
        };
    return oneLine(inCommandLineWords(msg));
  }

  /**
   * The engine's messages name its API (core does not know the command line); a person at the
   * command line needs the flag that sets the same thing. Each pair: API words, flag words.
   */
  private static final String[][] API_TO_FLAGS = {
    {
      "choose a MissingValuePolicy (DROP_ROW, MEAN or ZERO) to accept it",
      "choose --missing drop, mean or zero to accept it"
    },
    {"MissingValuePolicy.DROP_ROW", "--missing drop"},
    {"under DROP_ROW", "under --missing drop"},
  };

  static String inCommandLineWords(String message) {
    String m = message;
    for (String[] pair : API_TO_FLAGS) {
      m = m.replace(pair[0], pair[1]);
    }
    return m;
  }

  /** Core's messages name API options; on the command line each is its flag. */
  private static final String[][] FLAGS = {
    {"TrainerOptions.graphs is ON", "--graphs on"},
    {"TrainerOptions.graphs is OFF", "--graphs off"},
    {"TrainerOptions.graphs", "--graphs"},
    {"TrainerOptions.clipNorm", "--clip-norm"},
    {"TrainerOptions.clipValue", "--clip-value"},
    {"(ask for the device \"cpu\" or \"auto\")", "(use --device cpu or auto)"},
  };

  /** {@code msg} with the API option names core uses replaced by this command line's flags. */
  static String inFlags(String msg) {
    String out = msg;
    for (String[] f : FLAGS) {
      out = out.replace(f[0], f[1]);
    }
    return out;
  }

  static String oneLine(String s) {
    // Lines joined with "; ", except after a line that ends a clause with ':' (a list follows).
    return s == null
        ? ""
        : s.strip().replaceAll(":\\s*\\R\\s*", ": ").replaceAll("\\s*\\R\\s*", "; ");
  }
}
