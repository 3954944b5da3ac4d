import dev.mobilenetsimd.kernels.Activation;
import dev.mobilenetsimd.kernels.KernelSet;
import dev.mobilenetsimd.kernels.KernelSets;
import dev.mobilenetsimd.kernels.PackedWeights;
import java.util.Random;

/**
 * Runs every pointwise panel width and epilogue (ReLU6, linear, linear + residual; full and
 * partial last vectors; the constant-cin linear tiles of 16, 24 and 32 input channels), and the
 * 3x3 convolution's paths (pairs of channel blocks, a single or partial block; interior tiles,
 * leftover columns, border pixels), often enough for C2, for tier-check.sh to read
 * -XX:+PrintCompilation.
 */
public class TierDriver {
    public static void main(String[] args) {
        KernelSet k = KernelSets.vector();
        int cin = 40, pixels = 56;
        Random r = new Random(1);
        float sink = 0;
        for (int cout : new int[] {8, 16, 24, 32, 48, 56, 64, 80, 96, 112}) {
            float[] w = new float[cin * cout], b = new float[cout];
            float[] in = new float[pixels * cin], out = new float[pixels * cout];
            float[] res = new float[pixels * cout];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextFloat();
            }
            PackedWeights pw = k.packPointwise(w, b, cin, cout);
            for (int it = 0; it < 6000; it++) {
                k.pointwise(in, 0, pixels, pw, Activation.RELU6, null, 0, out, 0);
                k.pointwise(in, 0, pixels, pw, Activation.LINEAR, null, 0, out, 0);
                k.pointwise(in, 0, pixels, pw, Activation.LINEAR, res, 0, out, 0);
            }
            sink += out[3];
        }
        for (int fixedCin : new int[] {16, 24, 32}) { // GemmMr14Nr1v.tileLinearK16/24/32
            int cout = k.vectorBitSize() / Float.SIZE; // one vector
            PackedWeights pw = k.packPointwise(new float[fixedCin * cout], null, fixedCin, cout);
            float[] in = new float[pixels * fixedCin], out = new float[pixels * cout];
            for (int it = 0; it < 6000; it++) {
                k.pointwise(in, 0, pixels, pw, Activation.LINEAR, null, 0, out, 0);
            }
            sink += out[1];
        }
        int cinStem = 3, h = 29, wd = 29; // 15 output columns: a 12-pixel tile, then leftovers
        float[] image = new float[h * wd * cinStem];
        for (int i = 0; i < image.length; i++) {
            image[i] = r.nextFloat();
        }
        for (int cout : new int[] {16, 24, 32, 40, 48}) {
            float[] w = new float[9 * cinStem * cout];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextFloat() - 0.5f;
            }
            PackedWeights pw = k.packConv3x3(w, new float[cout], cinStem, cout);
            int oh = (h + 1) / 2, ow = (wd + 1) / 2;
            float[] out = new float[oh * ow * cout];
            for (int it = 0; it < 4000; it++) {
                k.conv3x3(image, 0, h, wd, 2, 0, 0, pw, Activation.RELU6, out, 0, oh, ow, 0, oh);
                k.conv3x3(image, 0, h, wd, 2, 1, 1, pw, Activation.LINEAR, out, 0, oh, ow, 0, oh);
            }
            sink += out[5];
        }
        System.out.println("done " + k.name() + " " + sink);
    }
}
