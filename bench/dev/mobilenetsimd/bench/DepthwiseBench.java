package dev.mobilenetsimd.bench;

import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Every distinct depthwise 3x3 layer of MobileNetV2 1.0/224, whole layer (all output rows, in
 * pairs via {@code depthwiseRowPair} as the runtime calls them, padding rows pointing at a zero
 * row), ReLU6 fused, vector vs scalar.
 * Padding as TensorFlow SAME: stride 1 pads 1 on each side, stride 2 on even input 0 top/left
 * and 1 bottom/right.
 *
 * <p>GFLOP/s = 2 * MACs / time, MACs = outH * outW * C * 9 (printed once per trial by
 * {@link #setup}). E.g. 112x112x32 s1: 3.61 M MACs, so 72.3 us = 100 GFLOP/s.
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp ... org.openjdk.jmh.Main
 * DepthwiseBench}; the width is the preferred species unless
 * {@code -jvmArgsAppend -Dmobilenet.vectorBits=256} etc.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsPrepend = "--add-modules=jdk.incubator.vector")
public class DepthwiseBench {
    /** Input H(=W) x C x stride. */
    @Param({"112x32s1", "112x96s2", "56x144s1", "56x144s2", "28x192s1", "28x192s2",
            "14x384s1", "14x576s1", "14x576s2", "7x960s1"})
    public String shape;

    @Param({"vector", "scalar"})
    public String backend;

    private KernelSet k;
    private PackedWeights w;
    private float[] src, out;
    private int h, c, stride, pad, outH, outW, srcOff, zeroRow, outOff;

    @Setup
    public void setup() {
        String[] p = shape.split("[xs]");
        h = Integer.parseInt(p[0]);
        c = Integer.parseInt(p[1]);
        stride = Integer.parseInt(p[2]);
        pad = stride == 1 ? 1 : 0;
        outH = h / stride;
        outW = h / stride;
        k = KernelSets.byName(backend);
        SplittableRandom r = new SplittableRandom(1);
        Aligned a = new Aligned((h * h + h) * c, outH * outW * c); // tensor + one zero row; out
        src = a.data;
        out = a.data;
        srcOff = a.offset(0);
        outOff = a.offset(1);
        for (int i = 0; i < h * h * c; i++) {
            src[srcOff + i] = (float) (r.nextDouble() * 4 - 1);
        }
        zeroRow = srcOff + h * h * c;
        float[] wt = new float[9 * c], b = new float[c];
        for (int i = 0; i < wt.length; i++) {
            wt[i] = (float) (r.nextDouble() - 0.5);
        }
        w = Aligned.weights(k.packDepthwise(wt, b, c));
        long macs = (long) outH * outW * c * 9;
        System.out.println("# " + shape + " " + k.name() + ": MACs " + macs
                + ", GFLOP/s = " + (2 * macs / 1000) + " / (us per op)");
    }

    @Benchmark
    public void layer(Blackhole bh) {
        // Rows in pairs, as the runtime calls the kernel (the last row alone when outH is odd).
        int y = 0;
        for (; y + 1 < outH; y += 2) {
            int iy = y * stride - pad;
            k.depthwiseRowPair(src, row(iy), row(iy + 1), row(iy + 2), row(iy + 3), row(iy + 4),
                    h, stride, pad, w, Activation.RELU6, out, outOff + y * outW * c,
                    outOff + (y + 1) * outW * c, outW);
        }
        if (y < outH) {
            int iy = y * stride - pad;
            k.depthwiseRow(src, row(iy), row(iy + 1), row(iy + 2), h, stride, pad, w,
                    Activation.RELU6, out, outOff + y * outW * c, outW);
        }
        bh.consume(out);
    }

    /** Offset of input row {@code iy}, or the zero row outside the input. */
    private int row(int iy) {
        return iy >= 0 && iy < h ? srcOff + iy * h * c : zeroRow;
    }
}
