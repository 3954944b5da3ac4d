import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import jdk.incubator.vector.FloatVector;

/**
 * Run by tools/arm/*.sh as a single-file source program on the emulated arm64 JVM (it is in no
 * Maven source root): prints the species the JVM and the vector kernels use, then runs one
 * pointwise layer ({@code -Dcin}, {@code -Dcout}, {@code -Dpx}, {@code -Diters}) long enough for
 * C2 to compile the kernel, and compares it with the scalar kernel.
 */
public class ArmCheck {
    public static void main(String[] args) {
        KernelSet v = KernelSets.vector(), s = KernelSets.scalar();
        System.out.println("ARMCHECK arch=" + System.getProperty("os.arch")
                + " java=" + System.getProperty("java.version")
                + " preferred=" + FloatVector.SPECIES_PREFERRED
                + " kernels=" + v.name() + " vectorBitSize=" + v.vectorBitSize());
        int cin = Integer.getInteger("cin", 32), cout = Integer.getInteger("cout", 48);
        int px = Integer.getInteger("px", 49), iters = Integer.getInteger("iters", 400);
        java.util.Random r = new java.util.Random(1);
        float[] w = new float[cin * cout], b = new float[cout], in = new float[px * cin];
        for (int i = 0; i < w.length; i++) w[i] = r.nextFloat() - .5f;
        for (int i = 0; i < in.length; i++) in[i] = r.nextFloat();
        PackedWeights pv = v.packPointwise(w, b, cin, cout), ps = s.packPointwise(w, b, cin, cout);
        float[] ov = new float[px * cout], os = new float[px * cout];
        long t = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            v.pointwise(in, 0, px, pv, Activation.RELU6, null, 0, ov, 0);
        }
        s.pointwise(in, 0, px, ps, Activation.RELU6, null, 0, os, 0);
        double err = 0;
        for (int i = 0; i < ov.length; i++) {
            err = Math.max(err, Math.abs(ov[i] - os[i]));
        }
        System.out.printf("ARMCHECK pointwise %dx%d px=%d: %d iters in %d ms,"
                        + " max |vector-scalar| = %.3g%n",
                cin, cout, px, iters, (System.nanoTime() - t) / 1_000_000, err);
        if (!(err < 1e-4)) {
            throw new AssertionError("vector and scalar pointwise differ by " + err);
        }
    }
}
