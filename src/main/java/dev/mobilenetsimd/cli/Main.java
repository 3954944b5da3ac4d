package dev.mobilenetsimd.cli;

import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.io.PrintWriter;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command-line entry point: {@code plan}, {@code run}, {@code classify} and
 * {@code export-onnx}. Start it with
 * {@code java --add-modules jdk.incubator.vector -jar mobilenet-simd-cli.jar <command>}.
 */
@Command(name = "mobilenet-simd", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Pure-Java MobileNetV2 inference on the Java Vector API.",
        // Only the subcommands' --backend said so: a first `java -jar ... run` gets the scalar
        // kernels, some 20 times slower, with one warning.
        footer = {"", "Start the JVM with --add-modules jdk.incubator.vector for the vector"
                + " kernels (java --add-modules jdk.incubator.vector -jar THIS.jar COMMAND);"
                + " without it run and classify use the scalar ones, with one warning."},
        subcommands = {PlanCommand.class, RunCommand.class, ClassifyCommand.class,
                ExportOnnxCommand.class})
public final class Main implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * Runs the CLI and exits with its status (0 ok, 1 runtime error, 2 bad usage or input).
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        // The kernels' one warning (java.util.logging) as "WARNING: message": the default format
        // put a timestamp and an internal class name before it. A format the user set is kept.
        if (System.getProperty(LOG_FORMAT_PROPERTY) == null) {
            System.setProperty(LOG_FORMAT_PROPERTY, "%4$s: %5$s%6$s%n");
        }
        System.exit(execute(args));
    }

    private static final String LOG_FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";

    /**
     * Runs the CLI without exiting; returns the exit status.
     *
     * @param args the command line
     * @return the exit status
     */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        Numbers.register(cli); // plain decimals only: picocli's took "0.5f", "0x1p-1", "２２４"
        cli.registerConverter(Path.class, Main::path);
        // A path that starts with @ is a path: picocli read the file named without the @ as
        // more arguments (after -- too), so "classify -m m.onnx @cat.bmp" beside a cat.bmp gave
        // an error per line of its bytes, and a text file's lines were taken as options.
        cli.setExpandAtFiles(false);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException
                    || e instanceof UnsupportedOperationException) {
                error(cmd.getErr(), e.getMessage());
                cmd.getErr().flush();
                return 2;
            }
            throw e;
        });
        // A usage error gets one line, as every other error: picocli's default printed the
        // whole help after it, which pushed the message off the screen.
        cli.setParameterExceptionHandler((e, badArgs) -> {
            CommandLine cmd = e.getCommandLine();
            PrintWriter err = cmd.getErr();
            String message = e.getMessage();
            if (e.getCause() instanceof Numbers.OutOfIntRange
                    && e.getArgSpec() instanceof CommandLine.Model.OptionSpec) {
                String own = Numbers.outOfRange((Numbers.OutOfIntRange) e.getCause(),
                        ((CommandLine.Model.OptionSpec) e.getArgSpec()).longestName());
                message = own == null ? message : own;
            }
            error(err, message);
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("(see " + cmd.getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return 2;
        });
        int status = run(cli, args);
        // System.out keeps a write error to itself (a full disk, a closed pipe): without this,
        // `plan --json > out.json` on a full disk left an empty file and exited 0.
        cli.getOut().flush();
        cli.getSubcommands().values().forEach(c -> c.getOut().flush());
        if (System.out.checkError() || cli.getOut().checkError()) {
            error(cli.getErr(), "could not write to standard output (a full disk or a closed"
                    + " pipe?): the output is incomplete");
            cli.getErr().flush();
            return status == 0 ? 1 : status;
        }
        return status;
    }

    private static int run(CommandLine cli, String... args) {
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) { // the stack has unwound: the model's arrays are garbage now
            cli.getErr().printf(Locale.ROOT, "error: out of memory: the Java heap (at most %,d MiB)"
                    + " is too small for this model; `plan` prints its parameters (4 bytes each)"
                    + " and working-memory bytes. Raise the heap with -Xmx.%n",
                    Runtime.getRuntime().maxMemory() >> 20);
            cli.getErr().flush();
            return 1;
        } catch (ExceptionInInitializerError e) {
            // A bad -Dmobilenet.vectorBits or -Dmobilenet.relu6 fails the vector kernels' class
            // initialisation; the cause's message names the property and its accepted values.
            if (!(e.getCause() instanceof IllegalArgumentException)) {
                throw e;
            }
            error(cli.getErr(), e.getCause().getMessage());
            cli.getErr().flush();
            return 2;
        }
    }

    /**
     * No command: the help goes to stderr and the status is 2, as for any usage error, so that a
     * script that lost its command word fails instead of passing with the help on its stdout.
     */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        error(spec.commandLine().getErr(), "no command given: expected one of "
                + String.join(", ", spec.subcommands().keySet()));
        spec.commandLine().getErr().flush();
        return 2;
    }

    /**
     * Prints {@code message} as one {@code error:} line: its control characters escaped
     * ({@link Printable}), since it may quote a path or a file's contents, and a newline or an
     * escape sequence there would break the line or reach the terminal as a command.
     */
    static void error(PrintWriter err, String message) {
        err.println("error: " + Printable.of(String.valueOf(message)));
    }

    /** Prints {@code message} as one {@code warning:} line, escaped as {@link #error} does. */
    static void warning(PrintWriter err, String message) {
        err.println("warning: " + Printable.of(String.valueOf(message)));
    }

    /**
     * A path argument. picocli's own converter reported a name that {@link Path#of} refuses as
     * "cannot convert 'caf??.jpg' to interface java.nio.file.Path
     * (java.nio.file.InvalidPathException: ...)", without the cause: a JVM started in the C
     * locale takes file names in ASCII only.
     */
    static Path path(String s) {
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            String encoding = System.getProperty("sun.jnu.encoding", "");
            boolean utf8 = encoding.equalsIgnoreCase("UTF-8") || encoding.equalsIgnoreCase("UTF8");
            throw new CommandLine.TypeConversionException("'" + s + "' is not a file name this"
                    + " JVM can use: " + e.getReason() + (utf8 ? "" : "; it takes file names in "
                    + encoding + ", its locale's encoding: start it in a UTF-8 locale (e.g."
                    + " LC_ALL=C.UTF-8)"));
        }
    }

    /**
     * The help of --mode (run and plan): every name {@link ExecutionMode#parse} takes, unfused
     * included, which it took without the help or the error naming it.
     */
    static final String MODE_HELP = "Block execution: fused (streamed through cache), or"
            + " layerwise, one layer at a time (also named unfused). Default: ${DEFAULT-VALUE}.";

    /** The --mode values for the usage line, as {@link #MODE_HELP} names them. */
    static final String MODE_LABEL = "fused|layerwise|unfused";

    /** FNV-1a over the float bits: equal checksums mean bitwise-equal logits. */
    static String checksum(float[] v) {
        long h = 0xcbf29ce484222325L;
        for (float f : v) {
            h ^= Float.floatToIntBits(f);
            h *= 0x100000001b3L;
        }
        return String.format(Locale.ROOT, "%016x", h);
    }

    /** Reports the artifact version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"mobilenet-simd " + (v == null ? "(development build)" : v),
                    "JVM " + Runtime.version() + ", vector API "
                            + (KernelSets.vectorAvailable() ? "present" : "absent")};
        }
    }
}
