package io.myelin.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in-process and captures what it prints. */
record Cli(int code, String out, String err) {
  static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var sysOut = System.out;
    var buf = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(buf, true));
    int code;
    try {
      code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    } finally {
      System.setOut(sysOut);
    }
    return new Cli(code, out + buf.toString(), err.toString());
  }
}
