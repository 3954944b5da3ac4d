#!/usr/bin/env python3
"""Writes the register-blocked pointwise GEMM microkernels GemmMr<R>Nr<V>v.java.

The kernels are fully unrolled Java (one named local per accumulator) because C2 keeps
named locals in registers but not arrays of vectors. Usage, from the project root:

    python3 tools/gemm/gen_tiles.py            # (re)writes the tiles listed in TILES

Each entry is (rows, vectors, with_epilogues, role). With epilogues, the file also has
tileRelu6 / tileLinear / tileResidual, which finish in registers instead of via scratch, and the
tiles of MASKED_VECTORS vectors also tileRelu6Masked / tileLinearMasked, and the tiles in
FIXED_K also tileLinearK<n>: tileLinear with the input-channel count a constant.
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
    for r in range(R):
        for j in range(V):
            a = acc(r, j)
            if kind == "tile":
                L.append(f"        {a}.intoArray(scratch, {offset('', 0, r * V + j, '').lstrip(' +') or '0'});")
            else:
                m = ", m" if masked and j == V - 1 else ""
                if kind == "relu6":
                    L.append(f"        {relu6(a)}.intoArray(out, {offset('outOff', r, j, 'cout')}{m});")
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


if __name__ == "__main__":
    for R, V, epi, role in TILES:
        name, text = source(R, V, epi, role)
        with open(os.path.join(OUT, name + ".java"), "w") as f:
            f.write(text)
        print("wrote", name)
