package dev.mobilenetsimd.onnx;

import dev.mobilenetsimd.ModelConfig;
import dev.mobilenetsimd.Padding;
import dev.mobilenetsimd.Weights;
import dev.mobilenetsimd.image.InputNormalization;
import dev.mobilenetsimd.image.IoErrors;
import dev.mobilenetsimd.plan.ExecutionPlan;
import dev.mobilenetsimd.plan.Layer;
import dev.mobilenetsimd.plan.Step;
import dev.mobilenetsimd.onnx.OnnxProto.Attribute;
import dev.mobilenetsimd.onnx.OnnxProto.Node;
import dev.mobilenetsimd.onnx.OnnxProto.Tensor;
import dev.mobilenetsimd.onnx.OnnxProto.ValueInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a MobileNetV2 (configuration and weights) as an ONNX model that ONNX Runtime and
 * {@link OnnxModel} read: opset {@value #OPSET}, float32, the graph torchvision exports — Conv
 * (with bias, batch norm already folded; {@code group} = channels for the depthwise layers),
 * Clip(0, 6), Add, GlobalAveragePool, Flatten and Gemm ({@code transB = 1}).
 *
 * <p>The input is NCHW, {@code [batch, 3, resolution, resolution]} named {@value #INPUT_NAME}, as
 * in torchvision exports (our {@link dev.mobilenetsimd.Session} takes NHWC: convert with
 * {@link OnnxModel#nhwcToNchw}); the output is {@code [batch, classes]} logits named
 * {@value #OUTPUT_NAME}. The batch dimension is symbolic. 3x3 layers carry explicit {@code pads}:
 * 1 on every side for {@link Padding#SYMMETRIC}, TensorFlow's split for {@link Padding#TF_SAME}.
 * The padding convention is also recorded in the metadata ({@value #PADDING_METADATA_KEY}) so that
 * a re-import gives back the same configuration even where both conventions coincide.
 *
 * <p>The overloads that take an {@link InputNormalization} record it in the metadata too
 * ({@value #NORMALIZATION_METADATA_KEY}), so that {@link OnnxModel#inputNormalization()} and
 * the {@code classify} command know how to turn pixels into the input without being told; the
 * others record none (weights alone do not say what their input was).
 */
public final class OnnxExporter {
    /** The operator set version written. */
    public static final int OPSET = 13;
    /** The IR version written (ONNX 1.8, the first with opset 13). */
    public static final int IR_VERSION = 7;
    /** Name of the graph input (NCHW image batch). */
    public static final String INPUT_NAME = "input";
    /** Name of the graph output (logits). */
    public static final String OUTPUT_NAME = "logits";
    /** Metadata key holding the padding convention ({@code symmetric} or {@code tf_same}). */
    public static final String PADDING_METADATA_KEY = "mobilenet-simd.padding";
    /**
     * The producer version written: the jar's version, as {@code mobilenet-simd --version}
     * reports it, or "development build" when the classes do not come from a jar.
     */
    static final String PRODUCER_VERSION = java.util.Objects.requireNonNullElse(
            OnnxExporter.class.getPackage().getImplementationVersion(), "development build");
    /**
     * Metadata key holding the input normalisation:
     * {@code scale=SR,SG,SB;offset=OR,OG,OB}, meaning {@code real = scale[c] * (p - offset[c])}
     * for the 8-bit red, green and blue values {@code p} (see {@link InputNormalization}). A
     * model converted from the uint8 TensorFlow Lite MobileNetV2 records
     * {@code scale=0.0078125,0.0078125,0.0078125;offset=128.0,128.0,128.0}.
     */
    public static final String NORMALIZATION_METADATA_KEY = "mobilenet-simd.input_normalization";

    private static final String CLIP_MIN = "relu6.min";
    private static final String CLIP_MAX = "relu6.max";

    private OnnxExporter() {}

    /**
     * Bytes allowed for everything in the file besides the weights: nodes, names, shapes and
     * framing take ~19 KB at any width (1.0/224 and 0.35/96 alike), so the weights of a model
     * that passes {@link #checkSize} leave the file room below the limit.
     */
    static final long GRAPH_BYTES_ALLOWANCE = 1 << 20;

    /**
     * Checks that a model of {@code config} fits in an ONNX file: a protobuf message, like one
     * Java array, holds at most {@link OnnxModel#MAX_FILE_BYTES} bytes, and this exporter writes no
     * external data. The weights must leave 1 MiB of that for the graph itself.
     *
     * @param config the configuration
     * @throws IllegalArgumentException if it does not
     */
    public static void checkSize(ModelConfig config) {
        long bytes = ExecutionPlan.build(config).totalParams() * Float.BYTES;
        if (bytes > OnnxModel.MAX_FILE_BYTES - GRAPH_BYTES_ALLOWANCE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s as ONNX: %,d bytes"
                    + " of weights, more than the %,d an ONNX file may have with its graph"
                    + " (external data is not written)", config, bytes,
                    OnnxModel.MAX_FILE_BYTES - GRAPH_BYTES_ALLOWANCE));
        }
    }

    /**
     * The ONNX file of {@code weights} (and their configuration), as bytes.
     *
     * @param weights the weights
     * @return the file's bytes
     * @throws IllegalArgumentException if the weights do not fit in an ONNX file
     *                                  ({@link #checkSize}) or a value is not finite
     *                                  ({@link Weights#checkFinite()})
     */
    public static byte[] toBytes(Weights weights) {
        return OnnxProto.write(model(weights));
    }

    /**
     * As {@link #toBytes(Weights)}, with {@code normalization} recorded in the metadata
     * ({@value #NORMALIZATION_METADATA_KEY}).
     *
     * @param weights the weights
     * @param normalization the input normalisation recorded
     * @return the file's bytes
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if the weights do not fit in an ONNX file
     *                                  ({@link #checkSize}) or a value is not finite
     *                                  ({@link Weights#checkFinite()})
     */
    public static byte[] toBytes(Weights weights, InputNormalization normalization) {
        Objects.requireNonNull(normalization, "normalization");
        return OnnxProto.write(model(weights, normalization));
    }

    /**
     * Writes the ONNX file of {@code weights} to {@code file}. A regular file (new, or replaced)
     * is written beside it under a temporary name and then renamed, so that a write that fails
     * midway (a full disk) leaves no truncated model, and any previous file as it was; a symbolic
     * link is written through (its target made if need be). Anything else that exists (a device
     * such as {@code /dev/null}, or a pipe such as {@code /dev/stdout} or a shell's
     * {@code >(...)}) is written in place. Replacing a file thus needs its directory
     * to be writable, as creating one does.
     *
     * @param weights the weights
     * @param file the file written
     * @return the bytes written
     * @throws IOException              if the file cannot be written; a
     *                                  {@link FileSystemException} names {@code file} (not the
     *                                  temporary file) and the reason, e.g. a
     *                                  {@link NoSuchFileException} that its directory does not
     *                                  exist
     * @throws IllegalArgumentException if the weights do not fit in an ONNX file
     *                                  ({@link #checkSize}) or a value is not finite
     *                                  ({@link Weights#checkFinite()}), or {@code file} is the
     *                                  empty path; nothing is written then
     */
    public static long write(Weights weights, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        IoErrors.requireNonEmpty(file, "output file path", "the .onnx file to write");
        byte[] bytes = toBytes(weights);
        writeReplacing(file, out -> out.write(bytes));
        return bytes.length;
    }

    /**
     * As {@link #write(Weights, Path)}, with {@code normalization} recorded in the metadata
     * ({@value #NORMALIZATION_METADATA_KEY}).
     *
     * @param weights the weights
     * @param normalization the input normalisation recorded
     * @param file the file written
     * @return the bytes written
     * @throws NullPointerException     if an argument is null
     * @throws IOException              if the file cannot be written, as for
     *                                  {@link #write(Weights, Path)}
     * @throws IllegalArgumentException if the weights do not fit in an ONNX file
     *                                  ({@link #checkSize}) or a value is not finite
     *                                  ({@link Weights#checkFinite()}), or {@code file} is the
     *                                  empty path; nothing is written then
     */
    public static long write(Weights weights, InputNormalization normalization, Path file)
            throws IOException {
        Objects.requireNonNull(file, "file");
        IoErrors.requireNonEmpty(file, "output file path", "the .onnx file to write");
        byte[] bytes = toBytes(weights, normalization);
        writeReplacing(file, out -> out.write(bytes));
        return bytes.length;
    }

    /** What {@link #writeReplacing} writes. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * See {@link #write}: {@code body} into {@code file} through a temporary sibling. A
     * {@link FileSystemException} names {@code file}, not the temporary file or a link's target
     * ({@link #naming}).
     */
    static void writeReplacing(Path file, Body body) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) { // through links
            // Opened as given, not at its real path: /dev/stdout on a pipe, or a shell's
            // >(...), leads to "pipe:[N]", which toRealPath refused as "no such file".
            try (OutputStream out = Files.newOutputStream(file)) { // a directory fails here
                body.writeTo(out);
            } catch (FileSystemException e) {
                throw naming(file, file, null, e);
            }
            return;
        }
        Path target = Files.exists(file) ? file.toRealPath() : linkTarget(file); // through links
        Path name = target.getFileName();
        if (name == null) {
            throw new IOException("not a file name: " + file);
        }
        // A plain new file, not Files.createTempFile: the model gets the umask's permissions.
        Path tmp = target.resolveSibling("." + name + "." + Long.toHexString(System.nanoTime())
                + ".part");
        Throwable failure = null;
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (FileSystemException e) {
            FileSystemException named = naming(file, target, tmp, e);
            failure = named;
            throw named;
        } catch (IOException | RuntimeException | Error e) {
            failure = e;
            throw e;
        } finally {
            try {
                Files.deleteIfExists(tmp); // gone already unless something failed
            } catch (IOException e) {
                // Under a file, not a directory, this fails too: the first failure says why.
                if (failure == null) {
                    throw e;
                }
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Where {@code file} leads when it is a symbolic link to no file yet (through a chain of
     * them), else {@code file}: such a link was replaced by the model, as a file of its own.
     */
    private static Path linkTarget(Path file) throws IOException {
        Path p = file;
        for (int i = 0; i < 40 && Files.isSymbolicLink(p); i++) { // Linux's limit too
            Path parent = p.toAbsolutePath().getParent();
            Path next = Files.readSymbolicLink(p);
            p = parent == null ? next : parent.resolve(next);
        }
        if (Files.isSymbolicLink(p)) {
            throw new FileSystemException(file.toString(), null,
                    "a loop of symbolic links (or more than 40 in a chain)");
        }
        return p;
    }

    /**
     * {@code e} naming {@code file} if it named the temporary file {@code tmp} or the target of
     * a link: "NoSuchFileException: /nope/.x.onnx.1c7d967fcf84.part" named a file the caller
     * never gave. Same type for the usual ones, so that callers catch what they did; the reason
     * says what the bare type did not (which directory is missing), and {@code e} is the cause.
     */
    private static FileSystemException naming(Path file, Path target, Path tmp,
                                              FileSystemException e) {
        boolean ours = e.getFile() != null && (e.getFile().equals(target.toString())
                || tmp != null && e.getFile().equals(tmp.toString()));
        if (!ours || e.getFile().equals(file.toString()) && e.getOtherFile() == null) {
            return e; // names the caller's path already, or something else
        }
        Path dir = target.toAbsolutePath().getParent();
        String reason = e.getReason();
        if (dir != null && !Files.isDirectory(dir)) {
            reason = "its directory " + dir + (Files.exists(dir) ? " is not a directory"
                    : " does not exist");
        } else if (e instanceof AccessDeniedException && tmp != null) {
            // A writable file in a read-only directory: the new file beside it is refused.
            reason = "permission denied (the file is written as a new file in " + dir
                    + ", then renamed)";
        } else if (tmp != null && e.getFile().equals(tmp.toString())) {
            // "File name too long": ours, 30 characters longer than the name given. A directory
            // that exists but takes no new file (/proc) gives no reason at all: say what we can.
            reason = IoErrors.reason(e) + " (writing the temporary file " + tmp.getFileName()
                    + " beside it)";
        }
        String f = file.toString();
        FileSystemException named = e instanceof NoSuchFileException
                ? new NoSuchFileException(f, null, reason)
                : e instanceof AccessDeniedException ? new AccessDeniedException(f, null, reason)
                : new FileSystemException(f, null, reason);
        named.initCause(e);
        return named;
    }

    /** The model as protobuf records, no normalisation recorded. */
    static OnnxProto.Model model(Weights weights) {
        return model(weights, null);
    }

    /** The model as protobuf records, {@code normalization} recorded unless null. */
    static OnnxProto.Model model(Weights weights, InputNormalization normalization) {
        Objects.requireNonNull(weights, "weights");
        ModelConfig cfg = weights.config();
        checkSize(cfg);
        weights.checkFinite(); // a NaN written to a live array made a file no importer reads back
        ExecutionPlan plan = ExecutionPlan.build(cfg);
        List<Node> nodes = new ArrayList<>();
        List<Tensor> inits = new ArrayList<>();
        inits.add(Tensor.ofFloats(CLIP_MIN, new float[] {0f}));
        inits.add(Tensor.ofFloats(CLIP_MAX, new float[] {6f}));

        String cur = INPUT_NAME;
        for (Step st : plan.steps()) {
            switch (st.kind()) {
                case STEM:
                    cur = conv(nodes, inits, weights, st.layers().get(0), cur, st, true);
                    break;
                case BOTTLENECK: {
                    String blockIn = cur;
                    for (Layer l : st.layers()) {
                        cur = conv(nodes, inits, weights, l, cur, st,
                                l.kind() == Layer.Kind.DEPTHWISE);
                    }
                    if (st.hasResidual()) {
                        String out = st.name() + ".add";
                        nodes.add(node(st.name() + ".add", "Add", List.of(blockIn, cur), out));
                        cur = out;
                    }
                    break;
                }
                case CONV1X1:
                    cur = conv(nodes, inits, weights, st.layers().get(0), cur, st, false);
                    break;
                case AVG_POOL:
                    nodes.add(node("avgpool", "GlobalAveragePool", List.of(cur), "avgpool"));
                    nodes.add(node("flatten", "Flatten", List.of("avgpool"), "flatten",
                            Attribute.ofInt("axis", 1)));
                    cur = "flatten";
                    break;
                case CLASSIFIER: {
                    Layer l = st.layers().get(0);
                    int in = l.inChannels(), out = l.outChannels();
                    float[] k = weights.kernel(l.index());
                    float[] b = new float[out * in];
                    for (int i = 0; i < in; i++) {
                        for (int o = 0; o < out; o++) {
                            b[o * in + i] = k[i * out + o];
                        }
                    }
                    inits.add(Tensor.ofFloats("classifier.weight", b, out, in));
                    inits.add(Tensor.ofFloats("classifier.bias",
                            weights.bias(l.index()).clone(), out));
                    nodes.add(node("classifier", "Gemm",
                            List.of(cur, "classifier.weight", "classifier.bias"), OUTPUT_NAME,
                            Attribute.ofFloat("alpha", 1f), Attribute.ofFloat("beta", 1f),
                            Attribute.ofInt("transB", 1)));
                    cur = OUTPUT_NAME;
                    break;
                }
                default:
                    throw new IllegalStateException("unexpected step " + st);
            }
        }
        int r = cfg.resolution();
        ValueInfo input = new ValueInfo(INPUT_NAME, OnnxProto.FLOAT,
                List.of("batch", 3L, (long) r, (long) r));
        ValueInfo output =
                new ValueInfo(OUTPUT_NAME, OnnxProto.FLOAT, List.of("batch", (long) cfg.classes()));
        OnnxProto.Graph graph =
                new OnnxProto.Graph("mobilenet_v2", nodes, inits, List.of(input), List.of(output));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(PADDING_METADATA_KEY, cfg.padding().name().toLowerCase(Locale.ROOT));
        meta.put("mobilenet-simd.config", cfg.toString());
        if (normalization != null) {
            meta.put(NORMALIZATION_METADATA_KEY, NormalizationMetadata.format(normalization));
        }
        return new OnnxProto.Model(IR_VERSION, List.of(new OnnxProto.OpsetId("", OPSET)),
                "mobilenet-simd", PRODUCER_VERSION, graph, meta);
    }

    /** Adds Conv (+ Clip for ReLU6) for layer {@code l}; returns the output name. */
    private static String conv(List<Node> nodes, List<Tensor> inits, Weights weights, Layer l,
                               String in, Step st, boolean threeByThree) {
        int cin = l.inChannels(), cout = l.outChannels();
        float[] k = weights.kernel(l.index());
        float[] w;
        long[] dims;
        int group = 1;
        switch (l.kind()) {
            case CONV3X3:
                // HWIO [3][3][cin][cout] -> OIHW [cout][cin][3][3]
                w = new float[k.length];
                for (int t = 0; t < 9; t++) {
                    for (int ci = 0; ci < cin; ci++) {
                        for (int co = 0; co < cout; co++) {
                            w[(co * cin + ci) * 9 + t] = k[(t * cin + ci) * cout + co];
                        }
                    }
                }
                dims = new long[] {cout, cin, 3, 3};
                break;
            case DEPTHWISE:
                // [3][3][c] -> [c][1][3][3]
                w = new float[k.length];
                for (int t = 0; t < 9; t++) {
                    for (int c = 0; c < cout; c++) {
                        w[c * 9 + t] = k[t * cout + c];
                    }
                }
                dims = new long[] {cout, 1, 3, 3};
                group = cout;
                break;
            case POINTWISE:
                // [cin][cout] -> [cout][cin][1][1]
                w = new float[k.length];
                for (int ci = 0; ci < cin; ci++) {
                    for (int co = 0; co < cout; co++) {
                        w[co * cin + ci] = k[ci * cout + co];
                    }
                }
                dims = new long[] {cout, cin, 1, 1};
                break;
            default:
                throw new IllegalStateException("not a convolution: " + l);
        }
        String weightName = l.name() + ".weight";
        String biasName = l.name() + ".bias";
        inits.add(Tensor.ofFloats(weightName, w, dims));
        inits.add(Tensor.ofFloats(biasName, weights.bias(l.index()).clone(), cout));
        List<Attribute> attrs = new ArrayList<>();
        int kernel = threeByThree ? 3 : 1;
        int stride = threeByThree ? st.stride() : 1;
        attrs.add(Attribute.ofInts("dilations", 1, 1));
        attrs.add(Attribute.ofInt("group", group));
        attrs.add(Attribute.ofInts("kernel_shape", kernel, kernel));
        if (threeByThree) {
            Padding p = weights.config().padding();
            int top = st.padTop(), left = st.padLeft();
            int bottom = after(p, st.inHeight(), st.outHeight(), stride, top);
            int right = after(p, st.inWidth(), st.outWidth(), stride, left);
            attrs.add(Attribute.ofInts("pads", top, left, bottom, right));
        } else {
            attrs.add(Attribute.ofInts("pads", 0, 0, 0, 0));
        }
        attrs.add(Attribute.ofInts("strides", stride, stride));
        String out = l.name();
        nodes.add(node(l.name() + ".conv", "Conv", List.of(in, weightName, biasName), out,
                attrs.toArray(new Attribute[0])));
        if (l.activation() == dev.mobilenetsimd.kernels.Activation.RELU6) {
            String clipped = l.name() + ".relu6";
            nodes.add(node(clipped, "Clip", List.of(out, CLIP_MIN, CLIP_MAX), clipped));
            out = clipped;
        }
        return out;
    }

    /** Zero rows after the input: 1 for symmetric, what TensorFlow SAME needs otherwise. */
    private static int after(Padding p, int in, int out, int stride, int before) {
        if (p == Padding.SYMMETRIC) {
            return 1;
        }
        return Math.max((out - 1) * stride + 3 - in - before, 0);
    }

    private static Node node(String name, String op, List<String> inputs, String output,
            Attribute... attrs) {
        return new Node(name, op, "", List.copyOf(inputs), List.of(output), List.of(attrs));
    }
}
