#!/usr/bin/env python3
"""Writes the register-blocked pointwise GEMM microkernels GemmMr<R>Nr<V>v.java.

The kernels are fully unrolled Java (one named local per accumulator) because C2 keeps
named locals in registers but not arrays of vectors. Usage, from the project root:

    python3 tools/gemm/gen_tiles.py            # (re)writes the tiles listed in TILES

Each entry is (rows, vectors, with_epilogues, role). With epilogues, the file also has
tileRelu6 / tileLinear / tileResidual, which finish in registers instead of via scratch, and the
tiles of MASKED_VECTORS vectors also tileRelu6Masked / tileLinearMasked, the tiles of GAP_ROWS rows
tileRelu6Gap (a tile crossing an output row's end), and the tiles in FIXED_K also
tileLinearK<n>: tileLinear with the input-channel count a constant.
"""
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "kernels", "dev", "mobilenetsimd",
                   "kernels", "vector")

TILES = [
    (5, 5, True, "The main tile at 512 bits (80 channels): 10 loads per 25 FMAs and only five\n"
                 " * pixel-row offsets, so no general-purpose register is spilled in the K loop."),
    (4, 6, True, "The 512-bit tile for panels of 6 vectors (96 channels), which take up a remainder\n"
                 " * of 1 or 2 vectors after the 5-vector panels (96, 192, 576 channels): 10 loads per\n"
                 " * 24 FMAs."),
    (6, 4, True, "The main tile at 256 and 128 bits when the CPU has 32 vector registers (AVX-512VL,\n"
                 " * NEON); at 512 bits, the remainder panel of 4 vectors (64 channels)."),
    (7, 2, True, "Two-vector panels (e.g. 24 or 32 channels at 512 bits) with 32 vector registers."),
    (14, 1, True, "One-vector panels (e.g. 16 channels at 512 bits) with 32 registers: more rows\n"
                  " * amortise the epilogue and keep enough FMAs in flight."),
    (1, 5, False, "Pixel tail of a 5-vector panel when a call has fewer pixels than a tile."),
    (1, 6, False, "Pixel tail of a 6-vector panel when a call has fewer pixels than a tile."),
]


def acc(r, j):
    return f"acc{r}{j}"


def offset(base, r, j, stride):
    parts = [base]
    if r == 1:
        parts.append(stride)
    elif r > 1:
        parts.append(f"{r} * {stride}")
    if j == 1:
        parts.append("LANES")
    elif j > 1:
        parts.append(f"{j} * LANES")
    return " + ".join(parts)


def prologue(R, V):
    L = ["        final int biasOff = panelOff + cin * PANEL;"]
    for j in range(V):
        L.append(f"        final FloatVector bias{j} = FloatVector.fromArray(S, wd, "
                 f"{offset('biasOff', 0, j, '')});")
    for r in range(R):
        for j0 in range(0, V, 3):  # three per line: 100 columns
            L.append("        FloatVector " + ", ".join(f"{acc(r, j)} = bias{j}"
                                                      for j in range(j0, min(V, j0 + 3))) + ";")
    L.append("        final int in0 = inOff;")
    for r in range(1, R):
        L.append(f"        final int in{r} = in{r - 1} + cin;")
    L.append("        final int lastK = cin - 1;")
    L.append("        int wk = panelOff;")
    return L


def k_step(R, V, k):
    L = []
    for j in range(V):
        L.append(f"            final FloatVector w{j} = FloatVector.fromArray(S, wd, "
                 f"{offset('wk', 0, j, '')});")
    for r in range(R):
        L.append(f"            final FloatVector x{r} = FloatVector.broadcast(S, in[in{r} + {k}]);")
        L.append("            " + " ".join(f"{acc(r, j)} = x{r}.fma(w{j}, {acc(r, j)});"
                                          for j in range(V)))
    return L


def k_loop(R, V):
    L = ["        for (int k = 0; k < lastK; k++, wk += PANEL) {"]
    L += k_step(R, V, "k")
    L.append("        }")
    L.append("        { // the last input channel, peeled: an FMA on a fresh broadcast has an exact class,")
    L.append("          // so C2 binds the stores below statically (a loop phi is just FloatVector)")
    L += k_step(R, V, "lastK")
    L.append("        }")
    return L


def relu6(a):
    return (f"(RELU6_BLEND\n                ? {a}.blend(0f, {a}.compare(LE, 0f)).blend(6f, {a}.compare(GT, 6f))\n"
            f"                : {a}.max(0f).min(6f))")


def method(R, V, kind, fixed_k=None):
    masked = kind.endswith("M")  # the last vector stored (and its residual read) under mask m
    kind = kind.rstrip("M")
    sig = {
        "tile": "static void tile(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] scratch) {",
        "relu6": "static void tileRelu6(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] out, int outOff, int cout) {",
        "linear": "static void tileLinear(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] out, int outOff, int cout) {",
        "residual": "static void tileResidual(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] res, int resOff, float[] out, int outOff, int cout) {",
        "relu6Gap": "static void tileRelu6Gap(float[] in, int inOff, int cin, float[] wd, int panelOff, float[] out, int outOff, int cout, int split, int gap) {",
    }[kind]
    doc = {
        "tile": [f"One tile: {R} pixel{'s' if R > 1 else ''} starting at {{@code in[inOff]}} (rows {{@code cin >= 1}} floats",
                 "apart) times the weight panel at {@code wd[panelOff]} ({@code cin} rows of {@code PANEL}",
                 "floats, then {@code PANEL} bias floats). Writes {@code bias + sum} for pixel {@code r},",
                 "vector {@code j} at {@code scratch[(r * VECTORS + j) * LANES]}."],
        "relu6": ["One tile with the ReLU6 epilogue in registers: {@code out = min(max(acc, 0), 6)} stored",
                  "straight to {@code out} (rows {@code cout} floats apart); no scratch round trip. Separate",
                  "methods per epilogue keep each one small enough for C1 and C2 to compile whole."],
        "linear": ["One tile with the linear epilogue: accumulators stored straight to {@code out}."],
        "residual": ["One tile with the linear epilogue plus the residual: {@code out = acc + res}, each residual",
                     "vector loaded just before the store of the same lanes (so {@code res} may alias {@code out})."],
        "relu6Gap": ["{@link #tileRelu6} for a tile that crosses the end of an output row: pixels",
                     "{@code r >= split} ({@code 1 <= split < ROWS}) are stored {@code gap} floats further on, at",
                     "the next row's start. A padded ring row's tiles cross its end; stored through scratch they",
                     "cost the narrow blocks' expansions a few percent (reports/LOWERING.md, session 17)."],
    }[kind]
    if masked:
        sig = sig.replace("tileRelu6(", "tileRelu6Masked(").replace("tileLinear(", "tileLinearMasked(")
        sig = sig.replace("tileResidual(", "tileResidualMasked(").replace(") {", ", VectorMask<Float> m) {")
        doc = doc + [f"The last vector ({{@code j = {V - 1}}}) is stored under mask {{@code m}}: for a panel",
                     "whose last vector is only partly inside {@code cout}."]
    if fixed_k:
        sig = sig.replace("tileLinear(", f"tileLinearK{fixed_k}(").replace("int cin, ", "")
        doc = [f"{{@link #tileLinear}} for exactly {fixed_k} input channels. With {{@code cin}} a constant,",
               "C2 addresses every pixel row from one register plus a constant displacement; with",
               f"{{@code cin}} a variable it needs {R} row offsets, more than the free general-purpose",
               "registers, and reloads the spilled ones every input channel (reports/LOWERING.md)."]
    L = ["    /**"] + [f"     * {d}" for d in doc] + ["     */", "    " + sig]
    if fixed_k:
        L.append(f"        final int cin = {fixed_k};")
    L += prologue(R, V)
    L += k_loop(R, V)
    if kind == "relu6Gap":  # each pixel's store offset, the next row's gap added from split on
        L.append("        final int out0 = outOff;")
        for r in range(1, R):
            L.append(f"        final int out{r} = outOff + {offset('', r, 0, 'cout').lstrip(' +')}"
                     f" + (split <= {r} ? gap : 0);")
    for r in range(R):
        for j in range(V):
            a = acc(r, j)
            if kind == "tile":
                L.append(f"        {a}.intoArray(scratch, {offset('', 0, r * V + j, '').lstrip(' +') or '0'});")
            else:
                m = ", m" if masked and j == V - 1 else ""
                if kind == "relu6":
                    L.append(f"        {relu6(a)}.intoArray(out, {offset('outOff', r, j, 'cout')}{m});")
                elif kind == "relu6Gap":
                    L.append(f"        {relu6(a)}.intoArray(out, {offset(f'out{r}', 0, j, '')});")
                elif kind == "linear":
                    L.append(f"        {a}.intoArray(out, {offset('outOff', r, j, 'cout')}{m});")
                else:
                    L.append(f"        {a}.add(FloatVector.fromArray(S, res, {offset('resOff', r, j, 'cout')}{m}))"
                             f".intoArray(out, {offset('outOff', r, j, 'cout')}{m});")
    L.append("    }")
    return L


WIDTH = 100
# The 2-vector tile also gets masked epilogues (ReLU6 and linear): a 24-channel layer at 512 bits
# is one full and one partial vector, and the scratch round trip costs such a thin tile ~15%.
# Not the 14x1 tile, nor a masked residual: those methods are too big for C1 ("out of virtual
# registers"), and a method C1 cannot compile at tier 3 may never reach C2 (it ran 100x slower).
MASKED_VECTORS = (2,)
# Tiles that also get tileRelu6Gap, for the expansions into padded ring rows (rows of 7 pixels or
# more; the 14-row tile crosses a 7-pixel row's end twice and keeps the scratch path).
GAP_ROWS = (4, 5, 6, 7)
# Input-channel counts that get a constant-cin tileLinear: block 1's projection in the published
# models, the one layer that reaches the 14x1 tileLinear (one whole output vector, no residual):
# 24 and 32 channels into 16 at 512 bits (width multipliers 0.75 and 1.0), 16 into 8 at 256.
FIXED_K = {(14, 1): (16, 24, 32)}


def wrap(line):
    """Splits a generated line longer than WIDTH columns: statements, parameters, a call chain."""
    if len(line) <= WIDTH:
        return [line]
    indent = line[:len(line) - len(line.lstrip())]
    body = line.strip()
    if body.count("; ") >= 1 and body.endswith(";"):  # several statements on one line
        out, cur = [], ""
        for st in [t + ";" for t in body[:-1].split("; ")]:
            if cur and len(indent) + len(cur) + 1 + len(st) > WIDTH:
                out.append(indent + cur)
                cur = st
            else:
                cur = (cur + " " + st) if cur else st
        return out + [indent + cur]
    if body.startswith("static void ") and "(" in body:  # a signature: wrap the parameters
        head, params = body.split("(", 1)
        cont = " " * (len(indent) + len(head) + 1)
        out, cur = [], indent + head + "("
        for i, prm in enumerate(params.split(", ")):
            piece = prm if i == len(params.split(", ")) - 1 else prm + ","
            if len(cur) + 1 + len(piece) > WIDTH and not cur.endswith("("):
                out.append(cur)
                cur = cont + piece
            else:
                cur = cur + ("" if cur.endswith("(") else " ") + piece
        return out + [cur]
    if ").intoArray(" in body:  # residual store: break before the store
        head, tail = body.split(").intoArray(", 1)
        return [indent + head + ")", indent + "        .intoArray(" + tail]
    return [line]


def source(R, V, epilogues, role):
    regs = R * V + V + 1
    name = f"GemmMr{R}Nr{V}v"
    L = ["package dev.mobilenetsimd.kernels.vector;", ""]
    if epilogues:
        L += ["import static dev.mobilenetsimd.kernels.vector.VectorWidth.RELU6_BLEND;",
              "import static jdk.incubator.vector.VectorOperators.GT;",
              "import static jdk.incubator.vector.VectorOperators.LE;", ""]
    L += ["import jdk.incubator.vector.FloatVector;"]
    if epilogues and V in MASKED_VECTORS:
        L += ["import jdk.incubator.vector.VectorMask;"]
    L += ["import jdk.incubator.vector.VectorSpecies;", "",
          "/**",
          f" * Pointwise GEMM microkernel: {R} pixel{'s' if R > 1 else ''} x {V} vectors of output channels, every",
          " * accumulator in a register for the whole input-channel loop.",
          f" * {role}",
          " *",
          f" * <p>Per input channel it loads {V} weight vectors of the panel once, then for each pixel",
          f" * broadcasts one input value and does {V} FMAs: {R}&times;{V} = {R * V} accumulators + {V} weights",
          f" * + 1 broadcast = {regs} vector registers. The accumulators start at the bias."
          + (" {@link #tile} ends" if epilogues else " They end"),
          " * in a small scratch block that {@link PointwiseEpilogue} finishes; see {@link PointwiseGemm}",
          " * for why.",
          " *",
          " * <p>Generated by {@code tools/gemm/gen_tiles.py}; edit the generator, not this file.",
          " */",
          f"final class {name} {{",
          "    /** Pixels per tile. */",
          f"    static final int ROWS = {R};",
          "    /** Vectors of output channels per tile (the panel width is {@code VECTORS * LANES}). */",
          f"    static final int VECTORS = {V};", "",
          "    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;",
          "    private static final int LANES = VectorWidth.LANES;",
          "    private static final int PANEL = VECTORS * LANES;", "",
          f"    private {name}() {{}}", ""]
    kinds = ["tile"] + (["relu6", "linear", "residual"] if epilogues else [])
    if epilogues and V in MASKED_VECTORS:
        kinds += ["relu6M", "linearM"]
    if epilogues and R in GAP_ROWS:
        kinds += ["relu6Gap"]
    for i, kind in enumerate(kinds):
        if i:
            L.append("")
        L += method(R, V, kind)
    for k in FIXED_K.get((R, V), ()):
        L.append("")
        L += method(R, V, "linear", fixed_k=k)
    L.append("}")
    L = [w for line in L for part in line.split("\n") for w in wrap(part)]
    return name, "\n".join(L) + "\n"


# ---- the pair tiles (512 bits): two pixels' outputs in whole vectors -----------------------------
# channels -> pixel pairs per tile: 14 pixels divide the 14-, 28-, 56- and 112-wide rows. With 8
# channels (one accumulator per pair), 10 and 14 pairs ran no faster than 7 (session 18).
PAIR_TILES = {24: 7, 8: 7}


def pair_acc(q, v, V):
    """Accumulator of pair q, vector v: acc<q><v>, or acc<q> when a pair is one vector."""
    return f"acc{q}" if V == 1 else acc(q, v)


def pair_vectors(C):
    """Per vector of a pair's 2C outputs: 'x' (first pixel only), 'y' (second) or 'xy' (both)."""
    kinds = []
    for v in range(2 * C // 16):
        lo, hi = 16 * v, 16 * v + 15
        kinds.append("x" if hi < C else "y" if lo >= C else "xy")
    return kinds


def pair_k_step(C, P):
    kinds = pair_vectors(C)
    names = "abcdef"
    L = ["            final int i = inOff + k, wk = pairOff + k * PAIR_FLOATS;"]
    for v in range(len(kinds)):
        off = "wk" if v == 0 else "wk + LANES" if v == 1 else f"wk + {v} * LANES"
        L.append(f"            final FloatVector w{names[v]} = FloatVector.fromArray(S, wd, {off});")
    for q in range(P):
        first = "i" + (f" + {q} * c2" if q > 1 else " + c2" if q == 1 else "")
        L.append(f"            x = FloatVector.broadcast(S, in[{first}]);")
        L.append(f"            y = FloatVector.broadcast(S, in[{first} + cin]);")
        L.append(f"            xy = x.blend(y, SECOND);")
        L.append("            " + " ".join(
            f"{pair_acc(q, v, len(kinds))} = {kinds[v]}.fma(w{names[v]}, "
            f"{pair_acc(q, v, len(kinds))});" for v in range(len(kinds))))
    return L


def pair_method(C, P, kind):
    V = len(pair_vectors(C))
    sig = {
        "relu6": "static void tileRelu6(float[] in, int inOff, int cin, float[] wd, int pairOff, float[] out, int outOff) {",
        "linear": "static void tileLinear(float[] in, int inOff, int cin, float[] wd, int pairOff, float[] out, int outOff) {",
        "residual": "static void tileResidual(float[] in, int inOff, int cin, float[] wd, int pairOff, float[] res, int resOff, float[] out, int outOff) {",
    }[kind]
    doc = {
        "relu6": [f"One tile of {2 * P} pixels from {{@code in[inOff]}} (rows {{@code cin >= 1}} floats apart), with the",
                  f"ReLU6 epilogue in registers, stored as {P * V} whole vectors from {{@code out[outOff]}}; the",
                  "pair weights start at {@code wd[pairOff]} (see the class comment)."],
        "linear": ["{@link #tileRelu6} with the linear epilogue."],
        "residual": ["{@link #tileLinear} plus the residual, {@code out = acc + res}, each residual vector",
                     "loaded just before the store of the same floats (so {@code res} may be {@code out})."],
    }[kind]
    L = ["    /**"] + [f"     * {d}" for d in doc] + ["     */", "    " + sig]
    L.append("        final int biasOff = pairOff + cin * PAIR_FLOATS;")
    bias = ["biasA", "biasB", "biasC"][:V]
    for v, b in enumerate(bias):
        off = "biasOff" if v == 0 else "biasOff + LANES" if v == 1 else f"biasOff + {v} * LANES"
        L.append(f"        final FloatVector {b} = FloatVector.fromArray(S, wd, {off});")
    accs = [(q, v) for q in range(P) for v in range(V)]
    step = 3 if V == 3 else 5  # per line: 100 columns
    for i in range(0, len(accs), step):
        L.append("        FloatVector " + ", ".join(f"{pair_acc(q, v, V)} = {bias[v]}"
                                                    for q, v in accs[i:i + step]) + ";")
    L.append("        final int c2 = 2 * cin;")
    L.append("        // The weight offset is computed from k, not carried as a second induction variable:")
    L.append("        // with wk += PAIR_FLOATS this tile ran at a third of the speed (JDK 25). No peeled")
    L.append("        // last channel either: it ran ~3% slower (reports/LOWERING.md, session 15).")
    L.append("        for (int k = 0; k < cin; k++) {")
    L.append("            FloatVector x, y, xy;")
    L += pair_k_step(C, P)
    L.append("        }")
    for q in range(P):
        for j in range(V):
            a = pair_acc(q, j, V)
            n = V * q + j
            o = f"outOff + {n} * LANES" if n > 1 else ("outOff + LANES" if n == 1 else "outOff")
            ro = o.replace("outOff", "resOff")
            if kind == "relu6":
                L.append(f"        {relu6(a)}.intoArray(out, {o});")
            elif kind == "linear":
                L.append(f"        {a}.intoArray(out, {o});")
            else:
                L.append(f"        {a}.add(FloatVector.fromArray(S, res, {ro})).intoArray(out, {o});")
    L.append("    }")
    return L


PAIR_DOCS = {
    24: [" * Pointwise GEMM microkernel for 24 output channels at 512 bits: 14 pixels as 7 pixel pairs x 3",
         " * vectors, with no idle lane. Two pixels' 48 outputs are contiguous in NHWC, exactly 3 vectors:",
         " * {@code [p: 0..15] [p: 16..23, p+1: 0..7] [p+1: 8..23]}. The plain 2-vector panel computes",
         " * 32 lanes per pixel for 24 outputs; these tiles took 0.85-0.87x its time on the 112-pixel",
         " * calls of MobileNetV2's fused 24-channel projections (reports/LOWERING.md, session 15).",
         " *",
         " * <p>Per input channel: 3 weight vectors ({@code w[k][0..15]}, {@code w[k][16..23] ++",
         " * w[k][0..7]}, {@code w[k][8..23]}: the pair layout, {@link #PAIR_FLOATS} floats per input",
         " * channel, then the bias the same way), and per pair two broadcasts, a blend of the two for the",
         " * middle vector, and 3 FMAs: 21 accumulators + 3 weights + 3 inputs = 27 vector registers. Each",
         " * lane does the FMAs of the other tiles in the same order, so the results are bitwise those of",
         " * the 2-vector panel."],
    8: [" * Pointwise GEMM microkernel for 8 output channels at 512 bits (width multipliers 0.35 and 0.5):",
        " * 14 pixels as 7 pixel pairs x 1 vector, with no idle lane. Two pixels' 16 outputs are",
        " * contiguous in NHWC, exactly one vector {@code [p: 0..7, p+1: 0..7]}. The 1-vector panel",
        " * computes 16 lanes per pixel for 8 outputs and, its vector being partial, ends every tile",
        " * in scratch and a masked store (reports/LOWERING.md, session 18).",
        " *",
        " * <p>Per input channel: 1 weight vector {@code w[k][0..7] ++ w[k][0..7]} (the pair layout,",
        " * {@link #PAIR_FLOATS} floats per input channel, then the bias the same way), and per pair two",
        " * broadcasts, their blend and 1 FMA: 7 accumulators + 1 weight + 3 inputs = 11 vector",
        " * registers. Each lane does the FMAs of the other tiles in the same order, so the results are",
        " * bitwise those of the 1-vector panel."],
}


def pair_source(C):
    P = PAIR_TILES[C]
    name = f"GemmMr{2 * P}Nc{C}Pairs"
    L = ["package dev.mobilenetsimd.kernels.vector;", "",
         "import static dev.mobilenetsimd.kernels.vector.VectorWidth.RELU6_BLEND;",
         "import static jdk.incubator.vector.VectorOperators.GT;",
         "import static jdk.incubator.vector.VectorOperators.LE;", "",
         "import jdk.incubator.vector.FloatVector;",
         "import jdk.incubator.vector.VectorMask;",
         "import jdk.incubator.vector.VectorSpecies;", "",
         "/**"] + PAIR_DOCS[C] + [
         " *",
         " * <p>Generated by {@code tools/gemm/gen_tiles.py}; edit the generator, not this file.",
         " */",
         f"final class {name} {{",
         "    /** Pixels per tile. */",
         f"    static final int ROWS = {2 * P};",
         "    /** Output channels. */",
         f"    static final int CHANNELS = {C};",
         "    /** Floats per input channel in the pair layout: two pixels' worth of channels. */",
         "    static final int PAIR_FLOATS = 2 * CHANNELS;", "",
         "    private static final VectorSpecies<Float> S = VectorWidth.SPECIES;",
         "    private static final int LANES = VectorWidth.LANES;",
         "    /** The " + ("middle " if C == 24 else "") + "vector's lanes that belong to the pair's second pixel (8..15). */",
         "    private static final VectorMask<Float> SECOND = VectorMask.fromLong(S, 0xFF00L);", "",
         f"    private {name}() {{}}", ""]
    for i, kind in enumerate(["relu6", "linear", "residual"]):
        if i:
            L.append("")
        L += pair_method(C, P, kind)
    L.append("}")
    L = [w for line in L for part in line.split("\n") for w in wrap(part)]
    return name, "\n".join(L) + "\n"


def write(name, text):
    with open(os.path.join(OUT, name + ".java"), "w") as f:
        f.write(text)
    print("wrote", name)


if __name__ == "__main__":
    for R, V, epi, role in TILES:
        write(*source(R, V, epi, role))
    for channels in PAIR_TILES:
        write(*pair_source(channels))
