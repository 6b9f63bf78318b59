package io.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A run registers only the subcommand it names ({@link Main#commandLine(PrintWriter, PrintWriter,
 * boolean, String...)}): each subcommand must read, print and refuse exactly as in the whole tree.
 */
class SubcommandRegistrationTest {
  private static final List<String> COMMANDS =
      List.of("devices", "train", "summary", "evaluate", "predict", "export", "gradcheck", "bench");

  private static CommandLine tree(String... args) {
    PrintWriter sink = new PrintWriter(new StringWriter());
    return Main.commandLine(sink, sink, false, args);
  }

  @Test
  void theWholeTreeHasEveryCommandInUsageOrder() {
    assertEquals(COMMANDS, List.copyOf(tree().getSubcommands().keySet()));
    assertEquals(COMMANDS, List.copyOf(tree("--help").getSubcommands().keySet()));
    assertEquals(COMMANDS, List.copyOf(tree("trian").getSubcommands().keySet()));
  }

  @Test
  void aNamedCommandIsRegisteredAloneWithTheSameHelp() {
    CommandLine whole = tree();
    for (String name : COMMANDS) {
      CommandLine alone = tree(name, "--epochs", "3");
      assertEquals(List.of(name), List.copyOf(alone.getSubcommands().keySet()), name);
      assertEquals(
          whole.getSubcommands().get(name).getUsageMessage(),
          alone.getSubcommands().get(name).getUsageMessage(),
          name + ": its help differs when registered alone");
    }
  }

  @Test
  void aNamedCommandStillRefusesAnUnknownOptionInOneLine() {
    Cli r = Cli.run("train", "diabetes", "--no-such-option");
    assertEquals(Errors.BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("Unknown option: '--no-such-option'"), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
