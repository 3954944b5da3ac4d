package dev.mobilenetsimd;

import dev.mobilenetsimd.plan.HeapLayout;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Random;

/**
 * Two builds of the library in one JVM, each in a class loader of its own, timed in turn: whole
 * inferences, or pointwise layers. Separate JVMs on this shared host swing by 10-30% between
 * runs, far more than most code changes; in one JVM both builds meet the same host state, so the
 * ratio is what a change did. {@code bench/run.sh ab REV} builds a git revision as build A and
 * the working tree as B.
 *
 * <pre>BuildAB A_CLASSES B_CLASSES [--variant 1.0/224] [--mode fused|layerwise|unfused]
 *         [--mode-b fused|layerwise|unfused] [--warmup 25]
 *         [--rounds N] [--per N] [--threads N] [--steps FROM-TO]
 *         [--pointwise PIXELSxCINxCOUT[+r|+relu],...]</pre>
 *
 * <p>{@code --steps} times plan steps {@code FROM..TO} of each build, run hot one after the
 * other on an arena that one whole inference filled: the way to compare steps that one build
 * fuses into another (in both builds the range must cover the same work).
 *
 * <p>{@code --mode-b} runs build B in another execution mode than A ({@code --mode}): with the
 * same build twice, fused against layer by layer in one JVM, per step range with {@code --steps}
 * (where whole inferences are what {@code PairedModes} compares).
 *
 * <p>Each round times {@code per} inferences (or layer calls) of each build, the builds taking
 * turns at going first; the result is each build's median, their ratio, and the spread of the
 * per-round ratios. The builds are driven through reflection on their public API
 * ({@code MobileNetV2.create}, {@code Session.run}, {@code KernelSet.pointwise}), so a revision
 * can be compared as long as that API is unchanged.
 */
public final class BuildAB {
    private BuildAB() {}

    /** One build's classes, loaded apart from the application's. */
    private static final class Build {
        final ClassLoader loader;

        Build(String classes) throws Exception {
            Path dir = Paths.get(classes);
            if (!Files.isDirectory(dir.resolve("dev/mobilenetsimd"))) {
                throw new IllegalArgumentException(classes + " is not a classes directory of this"
                        + " library (expected dev/mobilenetsimd/ inside it)");
            }
            // the platform loader as parent: the builds see the JDK (and jdk.incubator.vector,
            // which --add-modules puts in the boot layer), not each other or the application
            loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
        }

        Class<?> type(String name) throws ClassNotFoundException {
            return Class.forName("dev.mobilenetsimd." + name, true, loader);
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        Object constant(String type, String name) throws ClassNotFoundException {
            return Enum.valueOf((Class) type(type), name);
        }
    }

    /**
     * Calls of a pointwise layer per timed unit: about 4 M multiply-adds (~20 µs), so that a
     * call of a few µs is not lost in the timer's resolution.
     */
    private static int callsPerUnit(int pixels, int cin, int cout) {
        return (int) Math.max(1, 4e6 / ((double) pixels * cin * cout));
    }

    /**
     * Whole inferences of {@code b}'s model on a session of {@code threads} threads, or with
     * {@code from >= 0} steps {@code from..to} of it, hot, on an arena one inference filled
     * (through the package-private {@code MobileNetV2.network()} and {@code Session.arena()}).
     */
    private static InTurn.Timed network(Build b, double alpha, int resolution, String mode,
                                        int threads, int from, int to) throws Exception {
        Class<?> configType = b.type("ModelConfig"), paddingType = b.type("Padding");
        Object config = configType.getConstructor(double.class, int.class, int.class, paddingType)
                .newInstance(alpha, resolution, 1001, b.constant("Padding", "TF_SAME"));
        Object weights = b.type("Weights").getMethod("random", configType, long.class)
                .invoke(null, config, 42L);
        Object kernels = b.type("kernels.KernelSets").getMethod("vector").invoke(null);
        Class<?> net = b.type("MobileNetV2");
        Object model = net.getMethod("create", configType, b.type("Weights"),
                        b.type("kernels.KernelSet"), b.type("plan.ExecutionMode"))
                .invoke(null, config, weights, kernels,
                        b.constant("plan.ExecutionMode", mode.toUpperCase(Locale.ROOT)));
        Object session = net.getMethod("newSession", int.class).invoke(model, threads);
        Method run = b.type("Session").getMethod("run", float[].class, int.class, float[].class,
                int.class);
        float[] image = new float[(Integer) net.getMethod("inputLength").invoke(model)];
        Random rnd = new Random(43);
        for (int i = 0; i < image.length; i++) {
            image[i] = rnd.nextFloat() * 2 - 1;
        }
        float[] logits = new float[(Integer) net.getMethod("classes").invoke(model)];
        if (from < 0) {
            return () -> run.invoke(session, image, 0, logits, 0);
        }
        run.invoke(session, image, 0, logits, 0); // realistic activations in every buffer
        Method networkOf = net.getDeclaredMethod("network"), arenaOf =
                b.type("Session").getDeclaredMethod("arena");
        networkOf.setAccessible(true);
        arenaOf.setAccessible(true);
        Object compiled = networkOf.invoke(model);
        float[] arena = (float[]) arenaOf.invoke(session);
        Object plan = compiled.getClass().getMethod("plan").invoke(compiled);
        int count = ((java.util.List<?>) plan.getClass().getMethod("steps").invoke(plan)).size();
        if (to >= count) {
            throw new IllegalArgumentException("--steps " + from + "-" + to + ": the plan has"
                    + " steps 0-" + (count - 1));
        }
        Method runStep = compiled.getClass().getMethod("runStep", int.class, float[].class);
        return () -> {
            for (int i = from; i <= to; i++) {
                runStep.invoke(compiled, i, arena);
            }
        };
    }

    /** {@code FROM-TO} (step indices, inclusive) as {from, to}. */
    private static int[] parseSteps(String range) {
        String[] s = range.split("-", 2);
        try {
            int from = Integer.parseInt(s[0]), to = s.length == 2 ? Integer.parseInt(s[1]) : from;
            if (from >= 0 && to >= from) {
                return new int[] {from, to};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--steps " + range + ": expected FROM-TO, step"
                + " indices with 0 <= FROM <= TO, e.g. 0-2");
    }

    /** {@code PIXELSxCINxCOUT[+r|+relu]} as {pixels, cin, cout}; the suffix is checked here. */
    private static int[] parseShape(String shape) {
        String[] s = shape.split("\\+", 2)[0].split("x");
        String suffix = shape.contains("+") ? shape.substring(shape.indexOf('+') + 1) : "";
        try {
            boolean known = suffix.isEmpty() || suffix.equals("r") || suffix.equals("relu");
            if (s.length == 3 && known) {
                int[] d = {Integer.parseInt(s[0]), Integer.parseInt(s[1]), Integer.parseInt(s[2])};
                if (d[0] > 0 && d[1] > 0 && d[2] > 0) {
                    return d;
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--pointwise " + shape + ": expected PIXELSxCINxCOUT"
                + " (positive), optionally +r (residual) or +relu, e.g. 112x96x24");
    }

    private static InTurn.Timed pointwise(Build b, String shape) throws Exception {
        int[] d = parseShape(shape);
        int pixels = d[0], cin = d[1], cout = d[2];
        String suffix = shape.contains("+") ? shape.substring(shape.indexOf('+') + 1) : "";
        Random rnd = new Random(7); // the same data for both builds
        float[] w = new float[cin * cout], bias = new float[cout];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.1f;
        }
        boolean hasResidual = suffix.equals("r");
        int[] at = tensors(pixels * cin, pixels * cout, hasResidual ? pixels * cout : 0);
        float[] mem = new float[at[3]];
        for (int i = 0; i < pixels * cin; i++) {
            mem[at[0] + i] = rnd.nextFloat();
        }
        float[] residual = hasResidual ? mem : null;
        Class<?> ks = b.type("kernels.KernelSet"), act = b.type("kernels.Activation");
        Object k = b.type("kernels.KernelSets").getMethod("vector").invoke(null);
        Object packed = aligned(ks.getMethod("packPointwise", float[].class, float[].class,
                int.class, int.class).invoke(k, w, bias, cin, cout));
        Object activation = b.constant("kernels.Activation", suffix.equals("relu") ? "RELU6"
                : "LINEAR");
        Method call = ks.getMethod("pointwise", float[].class, int.class, int.class,
                b.type("kernels.PackedWeights"), act, float[].class, int.class, float[].class,
                int.class);
        int reps = callsPerUnit(pixels, cin, cout);
        return () -> {
            for (int i = 0; i < reps; i++) {
                call.invoke(k, mem, at[0], pixels, packed, activation, residual, at[2], mem,
                        at[1]);
            }
        };
    }

    /**
     * Offsets of tensors of {@code lengths} floats in one large array, each on a 64-byte
     * boundary as a session lays them out ({@link HeapLayout}), then the array's length. Arrays
     * of their own start wherever the collector puts them, so each build drew its own alignment
     * and B ÷ A measured that draw as well (aligning made the depthwise layers 25% faster here).
     */
    static int[] tensors(int... lengths) {
        int[] at = new int[lengths.length + 1];
        long next = HeapLayout.alignUp(0);
        for (int i = 0; i < lengths.length; i++) {
            at[i] = (int) next;
            next = HeapLayout.alignUp(next + lengths[i]);
        }
        at[lengths.length] = HeapLayout.largeArrayLength((int) next);
        return at;
    }

    /**
     * A build's packed weights copied to a 64-byte boundary of a large array of their own
     * ({@code PackedWeights.copyTo}), as its sessions store them; as they are, with a warning,
     * for a build from before {@code copyTo}.
     */
    static Object aligned(Object packed) throws Exception {
        Method copyTo;
        try {
            copyTo = packed.getClass().getMethod("copyTo", float[].class, int.class);
        } catch (NoSuchMethodException e) {
            System.err.println("BuildAB: a build without PackedWeights.copyTo: its pointwise"
                    + " weights are wherever the collector put them (alignment left to chance)");
            return packed;
        }
        int[] at = tensors(packed.getClass().getField("length").getInt(packed));
        return copyTo.invoke(packed, new float[at[1]], at[0]);
    }

    /** The mode {@code option} names, as the command line reads it, in lower case. */
    private static String modeName(String option, String value) {
        return StepProfile.parseMode(option, value).name().toLowerCase(Locale.ROOT);
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("BuildAB: " + e.getMessage());
            System.err.println("usage: BuildAB A_CLASSES B_CLASSES [--variant 1.0/224]"
                    + " [--mode fused|layerwise|unfused] [--mode-b fused|layerwise|unfused]"
                    + " [--warmup S]"
                    + " [--rounds N] [--per N]"
                    + " [--threads N] [--steps FROM-TO] [--pointwise 112x96x24,3136x144x24+r]");
            System.exit(2);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Package-private for the argument tests; a bad argument throws before any measuring. */
    static void run(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("two classes directories are needed");
        }
        String variant = "1.0/224", mode = "fused", modeB = null, layers = null;
        int[] steps = null;
        int threads = 1;
        // two builds to compile: C2 alone takes 10-13 s for one on this 2-core host
        int warmup = 25, rounds = 200, per = 5;
        for (int i = 2; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--variant":
                    variant = StepProfile.requireValue("--variant", value); i++; break;
                // the canonical name: unfused is layerwise, and shows as that
                case "--mode": mode = modeName("--mode", value); i++; break;
                case "--mode-b": modeB = modeName("--mode-b", value); i++; break;
                case "--warmup": warmup = StepProfile.positive("--warmup", value); i++; break;
                case "--rounds": rounds = StepProfile.positive("--rounds", value); i++; break;
                case "--per": per = StepProfile.positive("--per", value); i++; break;
                case "--threads":
                    threads = StepProfile.positive("--threads", value); i++; break;
                case "--steps":
                    steps = parseSteps(StepProfile.requireValue("--steps", value)); i++; break;
                case "--pointwise":
                    layers = StepProfile.requireValue("--pointwise", value); i++; break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        if (steps != null && threads > 1) {
            throw new IllegalArgumentException("--steps runs steps on one thread: drop --threads");
        }
        modeB = modeB == null ? mode : modeB;
        if (layers != null && !modeB.equals(mode)) {
            throw new IllegalArgumentException("--mode-b is for networks and steps, not layers");
        }
        Build a = new Build(args[0]), b = new Build(args[1]);
        if (layers != null) {
            for (String shape : layers.split(",")) {
                parseShape(shape); // all checked before anything is printed
            }
        }
        System.out.println("| what | A median µs per call | B median µs per call | B ÷ A |"
                + " per-round B ÷ A: 10th pct, median, 90th pct |");
        System.out.println("|---|---:|---:|---:|---|");
        if (layers == null) {
            ModelConfig cfg = StepProfile.parseVariant(variant);
            System.err.printf(Locale.ROOT, "MobileNetV2 %s %s, builds A and B in one JVM:"
                    + " warming up for %d s, then %d rounds of %d inferences each ...%n",
                    variant, mode + (modeB.equals(mode) ? "" : " (A) and " + modeB + " (B)"),
                    warmup, rounds, per);
            int from = steps == null ? -1 : steps[0], to = steps == null ? -1 : steps[1];
            compare(variant + " " + mode + (modeB.equals(mode) ? "" : " (A) vs " + modeB + " (B)")
                            + (threads > 1 ? ", " + threads + " threads" : "")
                            + (steps == null ? "" : ", steps " + from + "-" + to + " hot"),
                    network(a, cfg.alpha(), cfg.resolution(), mode, threads, from, to),
                    network(b, cfg.alpha(), cfg.resolution(), modeB, threads, from, to), 1,
                    warmup, rounds, per);
        } else {
            for (String shape : layers.split(",")) {
                System.err.printf(Locale.ROOT, "pointwise %s ...%n", shape);
                int[] d = parseShape(shape);
                compare("pointwise " + shape, pointwise(a, shape), pointwise(b, shape),
                        callsPerUnit(d[0], d[1], d[2]), Math.max(1, warmup / 5), rounds, per);
            }
        }
    }

    /** Times {@code a} and {@code b} in turn; a timed unit is {@code calls} calls. */
    private static void compare(String what, InTurn.Timed a, InTurn.Timed b, int calls,
                                int warmupSeconds, int rounds, int per) throws Exception {
        InTurn.warmUp(a, b, warmupSeconds);
        InTurn.Result r = InTurn.measure(a, b, rounds, per, true); // each build first in turn
        double ma = r.medianA / calls, mb = r.medianB / calls;
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | **%.3f** | %.3f, %.3f, %.3f |%n",
                what, ma, mb, mb / ma, r.roundRatio(10), r.roundRatio(50), r.roundRatio(90));
    }
}
