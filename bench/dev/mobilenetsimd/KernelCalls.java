package dev.mobilenetsimd;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import dev.mobilenetsimd.plan.ExecutionMode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where each mode spends an inference, layer by layer of the weights: every kernel call of a fused
 * and of a layer-by-layer model (one set of packed weights, {@link MobileNetV2#withMode}) timed
 * with {@link System#nanoTime} around it and charged to the layer whose weights it uses (or to
 * "relu6" / "add"). The fused block 2 computes the stem and block 1 inside its step, so a per-step
 * profile lumps them; this one does not. Each round runs, per mode and in turn, one untimed
 * inference and one timed; the table gives each layer's median over the rounds. The two timer
 * reads cost ~40 ns per call, which the call counts let one weigh.
 *
 * <pre>KernelCalls [--variant ALPHA/RESOLUTION] [--warmup SECONDS] [--rounds N]</pre>
 */
public final class KernelCalls {
    private KernelCalls() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("KernelCalls: " + e.getMessage());
            System.err.println("usage: KernelCalls [--variant 1.0/224] [--warmup SECONDS]"
                    + " [--rounds N]");
            System.exit(2);
        }
    }

    private static void run(String[] args) {
        String variant = "1.0/224";
        int warmupSeconds = 20;
        int rounds = 200;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--variant":
                    variant = StepProfile.requireValue("--variant", value);
                    i++;
                    break;
                case "--warmup":
                    warmupSeconds = StepProfile.positive("--warmup", value);
                    i++;
                    break;
                case "--rounds":
                    rounds = StepProfile.positive("--rounds", value);
                    i++;
                    break;
                default: throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        ModelConfig cfg = StepProfile.parseVariant(variant);
        Timed timed = new Timed(KernelSets.vector(), rounds);
        MobileNetV2 fused = MobileNetV2.create(cfg, Weights.random(cfg, 42), timed,
                ExecutionMode.FUSED);
        MobileNetV2 layerwise = fused.withMode(ExecutionMode.LAYERWISE);
        Session[] sessions = {fused.newSession(), layerwise.newSession()};
        float[] image = StepProfile.randomImage(fused.inputLength());
        float[] logits = new float[fused.classes()];
        System.err.printf(Locale.ROOT, "MobileNetV2 %s, %s kernels, fused and layer by layer on"
                + " shared weights, every kernel call timed: warming up for %d s ...%n", variant,
                timed.name(), warmupSeconds);
        long end = System.nanoTime() + warmupSeconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            sessions[0].run(image, 0, logits, 0);
            sessions[1].run(image, 0, logits, 0);
        }
        System.err.printf(Locale.ROOT, "%d rounds: per mode, in turn, an untimed inference, then"
                + " a timed one ...%n", rounds);
        long[][] whole = new long[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < 2; j++) {
                int m = (r + j) % 2; // each mode first every other round
                sessions[m].run(image, 0, logits, 0);
                timed.start(m, r);
                long t0 = System.nanoTime();
                sessions[m].run(image, 0, logits, 0);
                whole[m][r] = System.nanoTime() - t0;
                timed.stop();
            }
        }
        timed.print(whole);
        for (Session s : sessions) {
            s.close();
        }
    }

    /** The kernels, every call timed into the current mode's and round's cell of its layer. */
    static final class Timed implements KernelSet {
        private final KernelSet k;
        private final int rounds;
        private final Map<Object, Integer> ids = new IdentityHashMap<>();
        private final List<String> names = new ArrayList<>();
        /** [mode][layer][round] nanoseconds; [mode][layer] calls in the last timed round. */
        private final List<long[][]> cells = new ArrayList<>();
        private final List<int[]> calls = new ArrayList<>();
        /** [mode] multiply-adds of each layer's calls in the last timed round. */
        private final List<long[]> macs = new ArrayList<>();
        private static final Object RELU6 = new Object(), ADD = new Object(), POOL = new Object();
        private int mode = -1, round;

        Timed(KernelSet k, int rounds) {
            this.k = k;
            this.rounds = rounds;
        }

        void start(int mode, int round) {
            this.mode = mode;
            this.round = round;
            for (int[] c : calls) {
                c[mode] = 0;
            }
            for (long[] c : macs) {
                c[mode] = 0;
            }
        }

        void stop() {
            mode = -1;
        }

        private int id(Object key, String name) {
            Integer id = ids.get(key);
            if (id == null) {
                id = names.size();
                ids.put(key, id);
                names.add(name);
                cells.add(new long[2][rounds]);
                calls.add(new int[2]);
                macs.add(new long[2]);
            }
            return id;
        }

        private static String shape(PackedWeights w) {
            return w.inChannels + "→" + w.outChannels;
        }

        private void charge(Object key, String kind, PackedWeights w, long t0, long work) {
            long dt = System.nanoTime() - t0;
            if (mode < 0) {
                return;
            }
            int id = id(key, w == null ? kind : kind + " " + shape(w));
            cells.get(id)[mode][round] += dt;
            calls.get(id)[mode]++;
            macs.get(id)[mode] += work;
        }

        /** Multiply-adds of every call of {@code mode} in the last round timed. */
        long totalMacs(int mode) {
            long sum = 0;
            for (long[] m : macs) {
                sum += m[mode];
            }
            return sum;
        }

        void print(long[][] whole) {
            System.out.println("| # | layer | M MACs | fused µs | GFLOP/s | calls"
                    + " | layer by layer µs | calls | L ÷ F |");
            System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            double[] sums = new double[2];
            for (int i = 0; i < names.size(); i++) {
                double f = median(cells.get(i)[0]), l = median(cells.get(i)[1]);
                sums[0] += f;
                sums[1] += l;
                long m = macs.get(i)[0];
                String mMacs = m > 0 ? String.format(Locale.ROOT, "%.2f", m / 1e6) : "";
                String gflops = m > 0 && f > 0
                        ? String.format(Locale.ROOT, "%.0f", 2 * m / f / 1e3) : "";
                String ratio = f > 0 ? String.format(Locale.ROOT, "%.3f", l / f) : "";
                System.out.printf(Locale.ROOT,
                        "| %d | %s | %s | %.1f | %s | %d | %.1f | %d | %s |%n", i, names.get(i),
                        mMacs, f, gflops, calls.get(i)[0], l, calls.get(i)[1], ratio);
            }
            System.out.printf(Locale.ROOT, "| | **sum of the medians** | | **%.1f** | | | **%.1f**"
                    + " | | **%.3f** |%n", sums[0], sums[1], sums[1] / sums[0]);
            double wf = median(whole[0]), wl = median(whole[1]);
            System.out.printf(Locale.ROOT, "%nWhole timed inferences (timers included): fused"
                    + " %.1f µs, layer by layer %.1f µs, ratio %.3f.%n", wf, wl, wl / wf);
        }

        private static double median(long[] v) {
            return StepProfile.medianMicros(v);
        }

        @Override public String name() { return k.name(); }
        @Override public int vectorBitSize() { return k.vectorBitSize(); }
        @Override public PackedWeights packPointwise(float[] w, float[] b, int cin, int cout) {
            return k.packPointwise(w, b, cin, cout);
        }
        @Override public void pointwise(float[] in, int inOff, int pixels, PackedWeights w,
                                        Activation act, float[] res, int resOff, float[] out,
                                        int outOff) {
            long t0 = System.nanoTime();
            k.pointwise(in, inOff, pixels, w, act, res, resOff, out, outOff);
            charge(w, "1x1", w, t0, (long) pixels * w.inChannels * w.outChannels);
        }
        @Override public void pointwiseRows(float[] in, int inOff, int rows, int rowPixels,
                                            PackedWeights w, Activation act, float[] out,
                                            int outOff, int outRowStride) {
            long t0 = System.nanoTime();
            k.pointwiseRows(in, inOff, rows, rowPixels, w, act, out, outOff, outRowStride);
            charge(w, "1x1", w, t0, (long) rows * rowPixels * w.inChannels * w.outChannels);
        }
        @Override public int[] pointwiseChannelBlocks(PackedWeights w) {
            return k.pointwiseChannelBlocks(w);
        }
        @Override public void pointwiseChannels(float[] in, int inOff, int pixels, PackedWeights w,
                                                int coFrom, int coTo, Activation act, float[] res,
                                                int resOff, float[] out, int outOff) {
            long t0 = System.nanoTime();
            k.pointwiseChannels(in, inOff, pixels, w, coFrom, coTo, act, res, resOff, out, outOff);
            charge(w, "1x1", w, t0, (long) pixels * w.inChannels * (coTo - coFrom));
        }
        @Override public void pointwiseRowsChannels(float[] in, int inOff, int rows,
                                                    int rowPixels, PackedWeights w, int coFrom,
                                                    int coTo, Activation act, float[] out,
                                                    int outOff, int outRowStride) {
            long t0 = System.nanoTime();
            k.pointwiseRowsChannels(in, inOff, rows, rowPixels, w, coFrom, coTo, act, out, outOff,
                    outRowStride);
            charge(w, "1x1", w, t0, (long) rows * rowPixels * w.inChannels * (coTo - coFrom));
        }
        @Override public PackedWeights packDepthwise(float[] w, float[] b, int channels) {
            return k.packDepthwise(w, b, channels);
        }
        @Override public void depthwiseRow(float[] src, int top, int mid, int bottom, int inW,
                                           int stride, int padLeft, PackedWeights w,
                                           Activation act, float[] out, int outOff, int outW) {
            long t0 = System.nanoTime();
            k.depthwiseRow(src, top, mid, bottom, inW, stride, padLeft, w, act, out, outOff, outW);
            charge(w, "dw s" + stride, w, t0, 9L * outW * w.inChannels);
        }
        @Override public void depthwiseRowPair(float[] src, int r0, int r1, int r2, int r3,
                                               int r4, int inW, int stride, int padLeft,
                                               PackedWeights w, Activation act, float[] out,
                                               int outA, int outB, int outW) {
            long t0 = System.nanoTime();
            k.depthwiseRowPair(src, r0, r1, r2, r3, r4, inW, stride, padLeft, w, act, out, outA,
                    outB, outW);
            charge(w, "dw s" + stride, w, t0, 18L * outW * w.inChannels);
        }
        @Override public int depthwiseChannelAlign() { return k.depthwiseChannelAlign(); }
        @Override public void depthwiseRowChannels(float[] src, int top, int mid, int bottom,
                                                   int inW, int stride, int padLeft,
                                                   PackedWeights w, int chFrom, int chTo,
                                                   Activation act, float[] out, int outOff,
                                                   int outW) {
            long t0 = System.nanoTime();
            k.depthwiseRowChannels(src, top, mid, bottom, inW, stride, padLeft, w, chFrom, chTo,
                    act, out, outOff, outW);
            charge(w, "dw s" + stride, w, t0, 9L * outW * (chTo - chFrom));
        }
        @Override public void depthwiseRowPairChannels(float[] src, int r0, int r1, int r2,
                                                       int r3, int r4, int inW, int stride,
                                                       int padLeft, PackedWeights w, int chFrom,
                                                       int chTo, Activation act, float[] out,
                                                       int outA, int outB, int outW) {
            long t0 = System.nanoTime();
            k.depthwiseRowPairChannels(src, r0, r1, r2, r3, r4, inW, stride, padLeft, w, chFrom,
                    chTo, act, out, outA, outB, outW);
            charge(w, "dw s" + stride, w, t0, 18L * outW * (chTo - chFrom));
        }
        @Override public PackedWeights packConv3x3(float[] w, float[] b, int cin, int cout) {
            return k.packConv3x3(w, b, cin, cout);
        }
        @Override public void conv3x3Rows(float[] in, int inOff, int inH, int inW, int stride,
                                          int padTop, int padLeft, PackedWeights w,
                                          Activation act, float[] out, int outOff,
                                          int outRowFloats, int outW, int rowStart, int rowEnd) {
            long t0 = System.nanoTime();
            k.conv3x3Rows(in, inOff, inH, inW, stride, padTop, padLeft, w, act, out, outOff,
                    outRowFloats, outW, rowStart, rowEnd);
            charge(w, "stem", w, t0, 9L * (rowEnd - rowStart) * outW * w.inChannels
                    * w.outChannels);
        }
        @Override public void globalAveragePool(float[] in, int inOff, int pixels, int channels,
                                                float[] out, int outOff) {
            long t0 = System.nanoTime();
            k.globalAveragePool(in, inOff, pixels, channels, out, outOff);
            charge(POOL, "pool", null, t0, 0);
        }
        @Override public PackedWeights packDense(float[] w, float[] b, int in, int out) {
            return k.packDense(w, b, in, out);
        }
        @Override public void dense(float[] in, int inOff, PackedWeights w, float[] out,
                                    int outOff) {
            long t0 = System.nanoTime();
            k.dense(in, inOff, w, out, outOff);
            charge(w, "dense", w, t0, (long) w.inChannels * w.outChannels);
        }
        @Override public void relu6(float[] a, int off, int len) {
            long t0 = System.nanoTime();
            k.relu6(a, off, len);
            charge(RELU6, "relu6", null, t0, 0);
        }
        @Override public void add(float[] a, int aOff, float[] b, int bOff, float[] out,
                                  int outOff, int len) {
            long t0 = System.nanoTime();
            k.add(a, aOff, b, bOff, out, outOff, len);
            charge(ADD, "add", null, t0, 0);
        }
    }
}
