import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Warm-up driver for the lowering study (reports/LOWERING.md), run by tools/lowering/lowering.sh
 * as a single-file source program: it calls each vector kernel on a representative MobileNetV2
 * shape until C2 has compiled it, so that the JVM's code print shows the C2 code.
 *
 *   -Dkernels=pw,dw,conv,head,elt   which kernel families to run (default: all)
 *   -Dsecs=2                        least wall time per family
 *   -Dsecs.pw=4                     least wall time of the pointwise family (default 2 * secs)
 *   -Dwatch=Class::method,...       kernel methods (of dev.mobilenetsimd.kernels.vector) to wait
 *                                   for: a family runs on past its least time until each of its
 *                                   watched methods has a standard (not OSR) C2 compile
 *   -Dwatch.log=PATH                the JVM's code print to read that from (its stderr, with
 *                                   PrintAssembly for the watched methods); needed with watch
 *   -Dsecs.max=120                  most wall time per family while waiting
 *
 * A fixed time alone was too short on a loaded host (3-10 pointwise calls in 4 s, the GEMM tiles
 * left at tier 3) and longer than needed on an idle one. Each family's DRIVER line says whether
 * it stopped with all its watched methods compiled or at secs.max, naming the others.
 */
public class Driver {
    static final Random R = new Random(1);
    static final String PKG = "dev.mobilenetsimd.kernels.vector.";

    static float[] rnd(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = R.nextFloat() - .25f;
        return a;
    }

    interface Step { void run(); }

    /**
     * The watched methods still without a standard C2 compile, updated from the lines the JVM
     * has appended to its code print since the last look.
     */
    static final class C2Watch {
        // "Compiled method (c2) 9969 2176 [%]  4  dev...GemmMr5Nr5v::tileRelu6 [@ 226] (27 bytes)"
        private static final Pattern HEADER = Pattern.compile(
                "^Compiled method \\(c2\\)\\s+\\d+\\s+\\d+\\s+([%sbn!]*)\\s*\\d\\s+"
                + Pattern.quote(PKG) + "(\\S+::\\S+)(\\s+@ \\d+)?");
        private final String path;
        private final Set<String> pending;
        private long offset;
        private String partial = "";

        C2Watch(String path, Set<String> methods) {
            this.path = path;
            this.pending = new LinkedHashSet<>(methods);
        }

        /** The watched methods whose names start with one of {@code prefixes}, still pending. */
        List<String> pending(String[] prefixes) throws IOException {
            read();
            List<String> left = new ArrayList<>();
            for (String m : pending) {
                for (String p : prefixes) {
                    if (m.startsWith(p)) {
                        left.add(m);
                        break;
                    }
                }
            }
            return left;
        }

        private void read() throws IOException {
            try (RandomAccessFile f = new RandomAccessFile(path, "r")) {
                long end = f.length();
                if (end <= offset) {
                    return;
                }
                byte[] b = new byte[(int) Math.min(end - offset, 1 << 24)];
                f.seek(offset);
                f.readFully(b);
                offset += b.length;
                // ISO-8859-1: one char per byte, so a line cut at the end is kept whole
                String text = partial + new String(b, StandardCharsets.ISO_8859_1);
                int cut = text.lastIndexOf('\n') + 1;
                partial = text.substring(cut);
                for (String line : text.substring(0, cut).split("\n")) {
                    Matcher m = HEADER.matcher(line);
                    if (m.find() && !m.group(1).contains("%") && m.group(3) == null) {
                        pending.remove(m.group(2));
                    }
                }
            }
        }
    }

    static C2Watch watch;
    static double maxSecs;

    /**
     * Runs {@code s} for at least {@code secs} seconds, then, if methods are watched, until each
     * watched method whose name starts with one of {@code prefixes} has a standard C2 compile,
     * or {@code secs.max} seconds have passed.
     */
    static void phase(String name, double secs, String[] prefixes, Step s) {
        long t0 = System.nanoTime(), end = t0 + (long) (secs * 1e9);
        long cap = t0 + (long) (Math.max(secs, maxSecs) * 1e9), nextLook = t0;
        List<String> left = List.of();
        long n = 0;
        while (true) {
            s.run();
            n++;
            long now = System.nanoTime();
            if (now < end) {
                continue;
            }
            if (watch == null) {
                break;
            }
            if (now >= nextLook) { // a look reads the print's new bytes: not after every call
                try {
                    left = watch.pending(prefixes);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read the JVM's code print "
                            + watch.path + " (-Dwatch.log): " + e, e);
                }
                if (left.isEmpty()) {
                    break;
                }
                nextLook = now + 200_000_000L;
            }
            if (now >= cap) {
                break;
            }
        }
        String waited = watch == null ? ""
                : left.isEmpty() ? ", every watched method compiled by C2"
                : ", stopped at secs.max, no standard C2 compile of " + String.join(" ", left);
        System.out.printf("DRIVER %-28s %8d calls in %.1f s%s%n", name, n,
                (System.nanoTime() - t0) / 1e9, waited);
    }

    /** A non-negative number of seconds from system property {@code key}. */
    static double seconds(String key, String dflt) {
        String v = System.getProperty(key, dflt);
        try {
            double d = Double.parseDouble(v.trim());
            if (d >= 0 && d < 1e6) {
                return d;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("-D" + key + "=" + v
                + ": expected a number of seconds, 0 or more (e.g. 2 or 0.5)");
    }

    /** The {@code -Dwatch} list, checked: names of the form Class::method. */
    static C2Watch watch(String list, String log) {
        if (list == null || list.isBlank()) {
            return null;
        }
        if (log == null || log.isBlank()) {
            throw new IllegalArgumentException("-Dwatch needs -Dwatch.log=PATH, the JVM's code"
                    + " print (its stderr with PrintAssembly) in which to see the C2 compiles");
        }
        if (!new java.io.File(log).canRead()) { // else found only after a phase's least time
            throw new IllegalArgumentException("-Dwatch.log=" + log + ": no readable file (it"
                    + " should be this JVM's stderr, redirected to it)");
        }
        Set<String> methods = new LinkedHashSet<>();
        for (String m : list.split(",")) {
            if (!m.trim().matches("[A-Za-z0-9_$]+::[A-Za-z0-9_$]+")) {
                throw new IllegalArgumentException("-Dwatch: '" + m + "' is not a method name of"
                        + " the form Class::method (e.g. GemmMr5Nr5v::tileRelu6, without the"
                        + " package)");
            }
            methods.add(m.trim());
        }
        return new C2Watch(log, methods);
    }

    public static void main(String[] args) {
        KernelSet v = KernelSets.vector();
        String kernels = System.getProperty("kernels", "pw,dw,conv,head,elt");
        double secs = seconds("secs", "2");
        maxSecs = seconds("secs.max", "120");
        watch = watch(System.getProperty("watch"), System.getProperty("watch.log"));
        System.out.println("DRIVER arch=" + System.getProperty("os.arch") + " java="
                + System.getProperty("java.version") + " kernels=" + v.name());

        // Which kernel methods these calls reach at each target is REACH in analyze.py, from which
        // lowering.sh takes -Dwatch: a call changed here changes that list.
        if (kernels.contains("pw")) {
            // Expansion 1x1 with ReLU6 (block 14x14, 64 -> 384): at 512 bits four 5-vector panels
            // and a 4-vector one (5x5 and 6x4 tileRelu6, PointwiseGemm.panelPlan); 6x4 tileRelu6
            // with 32 vector registers below 512 bits, 6x2 + finish with 16.
            int px = 196;
            float[] in = rnd(px * 384), res = rnd(px * 64), out = new float[px * 384];
            PackedWeights expand = v.packPointwise(rnd(64 * 384), rnd(384), 64, 384);
            // Projection 384 -> 64 with residual (at 512 bits a 4-vector panel, 6x4 tileResidual).
            PackedWeights project = v.packPointwise(rnd(384 * 64), rnd(64), 384, 64);
            // Projection 192 -> 96 without residual (one 6-vector panel at 512 bits: 4x6
            // tileLinear), the same weights with ReLU6 (4x6 tileRelu6, as in the 96-, 192- and
            // 576-channel expansions), and 144 -> 24 (at 512 bits on JDK 25 the 24-channel pair
            // tiles, GemmMr14Nc24Pairs; else a 2- or 3-vector panel).
            PackedWeights linear = v.packPointwise(rnd(192 * 96), rnd(96), 192, 96);
            PackedWeights narrow = v.packPointwise(rnd(144 * 24), rnd(24), 144, 24);
            // Projection 32 -> 16 (block 1 at 512 bits: one vector, the 14x1 tileLinearK32).
            PackedWeights single = v.packPointwise(rnd(32 * 16), rnd(16), 32, 16);
            float[] out2 = new float[px * 96];
            // 5-vector panels at 512 bits: expansion 64 -> 320 (5x5 tileRelu6), projection
            // 384 -> 160 with residual (5x5 tileResidual), the expansion into rows of 14 pixels
            // with margins (pointwiseRows: a ReLU6 tile across a row end is a tileRelu6Gap, 5x5
            // at 512 bits and 6x4 at 256 and 128 with 32 registers), and 4 pixels, short of a
            // tile (the one-row tiles: 1x5 at 512 bits).
            PackedWeights wide = v.packPointwise(rnd(64 * 320), rnd(320), 64, 320);
            PackedWeights project160 = v.packPointwise(rnd(384 * 160), rnd(160), 384, 160);
            float[] out3 = new float[px * 384], res160 = rnd(px * 160);
            // The GEMM tiles need longer: they pass through tier 3 before C2 (see PointwiseGemm).
            phase("pointwise", seconds("secs.pw", String.valueOf(2 * secs)),
                    new String[] {"Gemm", "PointwiseEpilogue::"}, () -> {
                v.pointwise(in, 0, px, expand, Activation.RELU6, null, 0, out, 0);
                v.pointwise(in, 0, px, project, Activation.LINEAR, res, 0, res, 0);
                v.pointwise(in, 0, px, linear, Activation.LINEAR, null, 0, out2, 0);
                v.pointwise(in, 0, px, linear, Activation.RELU6, null, 0, out2, 0);
                v.pointwise(in, 0, px, narrow, Activation.LINEAR, null, 0, out2, 0);
                v.pointwise(in, 0, px, single, Activation.LINEAR, null, 0, out2, 0);
                v.pointwise(in, 0, px - 1, narrow, Activation.RELU6, null, 0, out2, 0);
                // Tiles run once or twice a call (a pixel tail: at 512 bits the 7x2 tileRelu6Masked
                // and tile of 144 -> 24's last 13 pixels, the 6x4 tile of a 4-vector panel's),
                // here on 13 pixels, cheap, so repeated: called rarely, they got only an OSR
                // compile, or none in 60 s on a loaded host.
                for (int i = 0; i < 8; i++) {
                    v.pointwise(in, 0, 13, narrow, Activation.RELU6, null, 0, out2, 0);
                    v.pointwise(in, 0, 13, project, Activation.RELU6, null, 0, out2, 0);
                }
                v.pointwise(in, 0, px, wide, Activation.RELU6, null, 0, out3, 0);
                v.pointwise(in, 0, px, project160, Activation.LINEAR, res160, 0, res160, 0);
                v.pointwiseRows(in, 0, 7, 14, wide, Activation.RELU6, out3, 0, 16 * 320);
                v.pointwise(in, 0, 4, wide, Activation.RELU6, null, 0, out3, 0);
            });
        }
        if (kernels.contains("dw")) {
            // Depthwise rows: 56x56x144 stride 1, 56x56x144 -> 28 stride 2, and c = 24 (channel
            // tail at 512); then the row pairs of both strides (five input rows, two output rows).
            int w = 56, c = 144;
            float[] src = rnd(5 * w * c), out = new float[2 * w * c];
            float[] src24 = rnd(4 * w * 24), out24 = new float[w * 24];
            PackedWeights dw = v.packDepthwise(rnd(9 * c), rnd(c), c);
            PackedWeights dw24 = v.packDepthwise(rnd(9 * 24), rnd(24), 24);
            phase("depthwise", secs, new String[] {"Depthwise3x3::"}, () -> {
                v.depthwiseRow(src, 0, w * c, 2 * w * c, w, 1, 1, dw, Activation.RELU6, out, 0, w);
                v.depthwiseRow(src, 0, w * c, 2 * w * c, w, 2, 0, dw, Activation.RELU6, out, 0,
                        w / 2);
                v.depthwiseRow(src24, 0, w * 24, 2 * w * 24, w, 1, 1, dw24, Activation.RELU6, out24,
                        0, w);
                v.depthwiseRowPair(src, 0, w * c, 2 * w * c, 3 * w * c, 4 * w * c, w, 1, 1, dw,
                        Activation.RELU6, out, 0, w * c, w);
                v.depthwiseRowPair(src, 0, w * c, 2 * w * c, 3 * w * c, 4 * w * c, w, 2, 0, dw,
                        Activation.RELU6, out, 0, w * c, w / 2);
            });
        }
        if (kernels.contains("conv")) {
            // The stem: 224x224x3 -> 112x112x32, stride 2; a band of 4 output rows per call.
            int h = 224, cin = 3, cout = 32;
            float[] in = rnd(h * h * cin), out = new float[112 * 112 * cout];
            PackedWeights cw = v.packConv3x3(rnd(9 * cin * cout), rnd(cout), cin, cout);
            int[] row = {0};
            phase("conv3x3", secs, new String[] {"Conv3x3::"}, () -> {
                int r = row[0];
                v.conv3x3(in, 0, h, h, 2, 0, 0, cw, Activation.RELU6, out, 0, 112, 112, r, r + 4);
                row[0] = (r + 4) % 112;
            });
        }
        if (kernels.contains("head")) {
            // Global average pool 7x7x1280 and the 1280 -> 1001 classifier.
            float[] in = rnd(49 * 1280), pooled = new float[1280], logits = new float[1001];
            PackedWeights fc = v.packDense(rnd(1280 * 1001), rnd(1001), 1280, 1001);
            phase("head", secs, new String[] {"Head::"}, () -> {
                v.globalAveragePool(in, 0, 49, 1280, pooled, 0);
                v.dense(pooled, 0, fc, logits, 0);
            });
        }
        if (kernels.contains("elt")) {
            // Standalone ReLU6 and add over a 14x14x96 tensor (+ 5 floats: a masked tail).
            int n = 14 * 14 * 96 + 5;
            float[] a = rnd(n), b = rnd(n), o = new float[n];
            phase("elementwise", secs, new String[] {"Elementwise::"}, () -> {
                v.relu6(a, 0, n);
                v.add(a, 0, b, 0, o, 0, n);
            });
        }
    }
}
