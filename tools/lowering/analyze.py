#!/usr/bin/env python3
"""Decode and classify C2 code printed without hsdis (reports/LOWERING.md, issues 7 and 9).

  analyze.py TARGET ARCH PRINT.TXT OUTDIR
    ARCH: x86 | arm.  PRINT.TXT: a JVM log with -XX:CompilerDirectivesFile=directives.json
    (PrintAssembly + PrintIntrinsics for C2 compiles of dev.mobilenetsimd.kernels.vector.*).
    Beside it, <name>.compiles.txt (if present): the same run's -Xlog:jit+compilation=debug,
    every compile at every tier.
  Writes OUTDIR/TARGET/<Class.method>.s (objdump of each C2 compile, newest last; the hot loop
  marked) and appends one TSV row per kernel method to OUTDIR/counts.tsv.
  analyze.py --expected TARGET: the watched methods the driver reaches at a target of
  lowering.sh, comma-separated (the driver's -Dwatch). analyze.py --unwatched: the kernel
  methods it reaches at no target, with why.

The hot loop of a method is the innermost loop (a backward branch and its target, containing
no other backward branch) with the most FMAs, else the most vector instructions. A row comes
from the newest standard compile with a hot loop, else from an OSR compile with one, flagged
"osr" in the osr column: its loop is not comparable with the standard compiles' (lowering.sh
puts such rows in a table of their own).

A method the driver reaches at the target (REACH) without a standard C2 compile with a hot loop
(with FMAs, for the FMA kernels) is named on stderr and appended to OUTDIR/missing.tsv (target,
method, reason), since a table that silently lacked the GEMM rows read as complete. A watched
method that ran where REACH does not expect it is named too: REACH is out of date.
"""
import os
import re
import subprocess
import sys

PKG = "dev.mobilenetsimd.kernels.vector."
# The targets of lowering.sh, grouped by what the pointwise dispatch (PointwiseGemm: lanes, a
# 32-register file, JDK 25's pair tiles and masked stores) makes of the driver's calls.
X512 = ("x86-512", "x86-512-nocheck")  # 16 lanes, 5x5 and 4x6 panels, JDK 25
SVE512 = ("arm-sve512",)  # the same panels on JDK 17: no pair tiles, no masked stores, the 5x5
#                           residual through scratch
X256, SVE256 = ("x86-256",), ("arm-sve256",)  # 8 lanes, 32 registers: 6x4 panels
X128, NEON = ("x86-128",), ("arm-neon",)  # 4 lanes, 32 registers: 6x4 panels
W256, W128 = X256 + SVE256, X128 + NEON
NARROW = ("x86-avx2", "x86-mvs16")  # 16 registers: 6x2 panels, no direct epilogues
X86 = X512 + X256 + X128 + NARROW
ALL = X86 + SVE512 + SVE256 + NEON
# Every kernel method the driver reaches, and at which targets (traced from Driver.java's calls
# through kernels/dev/mobilenetsimd/kernels/vector; 196-pixel calls are cut into chunks of 140 +
# 56 pixels at 512 bits, 126 + 70 below for the widest layers). These are the watched methods:
# lowering.sh hands a target's list to the driver, whose phases run until each has a standard
# C2 compile, and a method expected at a target without such a row is named.
REACH = [
    ("GemmMr5Nr5v::tile", X512 + SVE512),           # pixel tails of 5-vector panels
    ("GemmMr5Nr5v::tileRelu6", X512 + SVE512),      # 64->384, 64->320
    ("GemmMr5Nr5v::tileResidual", X512),            # 384->160 + residual
    ("GemmMr5Nr5v::tileRelu6Gap", X512 + SVE512),   # pointwiseRows: tiles across a row end
    ("GemmMr4Nr6v::tileRelu6", X512 + SVE512),      # 192->96 ReLU6: one 6-vector panel
    ("GemmMr4Nr6v::tileLinear", X512 + SVE512),     # 192->96 linear
    ("GemmMr6Nr4v::tile", X512 + SVE512 + W256 + W128),
    ("GemmMr6Nr4v::tileRelu6", X512 + SVE512 + W256 + W128),  # 384 = 4x5+4 at 512 bits
    ("GemmMr6Nr4v::tileLinear", W256 + W128),
    ("GemmMr6Nr4v::tileResidual", X512 + SVE512 + W256 + W128),  # 384->64 + residual
    ("GemmMr6Nr4v::tileRelu6Gap", W256 + W128),
    ("GemmMr7Nr3v::tile", W256),                    # 24 channels at 8 lanes: 3 vectors
    ("GemmMr7Nr3v::tileRelu6", W256),
    ("GemmMr7Nr3v::tileLinear", W256),
    ("GemmMr7Nr2v::tile", X512 + SVE512 + W128),    # 24 channels' leftover pixels (all at SVE)
    ("GemmMr7Nr2v::tileRelu6", W128),
    ("GemmMr7Nr2v::tileLinear", W256 + W128),       # 32->16 at 8 lanes, 144->24 at 4
    ("GemmMr7Nr2v::tileRelu6Masked", X512),         # 24 channels' leftover pixels
    ("GemmMr6Nr2v::tile", NARROW),
    ("GemmMr14Nr1v::tileLinearK32", X512 + SVE512),  # 32->16
    ("GemmMr14Nc24Pairs::tileRelu6", X512),         # 144->24 on JDK 25
    ("GemmMr14Nc24Pairs::tileLinear", X512),
    ("GemmMr7Nr1v::tile", NARROW[:1]),              # 24 channels at 8 lanes, 16 registers
    ("GemmMr1Nr5v::tile", X512 + SVE512),           # the 4-pixel call
    ("GemmMr1Nr4v::tile", W256 + W128),
    ("GemmMr1Nr2v::tile", NARROW),
    ("PointwiseEpilogue::finish", ALL),
    ("Depthwise3x3::interiorStride1", ALL),
    ("Depthwise3x3::interiorStride2", ALL),
    ("Depthwise3x3::interiorPairStride1", X512 + SVE512 + W256 + W128),  # 32 registers
    ("Depthwise3x3::interiorPairStride2", X512 + SVE512 + W256 + W128),
    ("Depthwise3x3::borderColumns", ALL),
    ("Depthwise3x3::interiorSingle", ALL),
    ("Depthwise3x3::tailBlock", X512),              # c = 24 at 16 lanes
    ("Depthwise3x3::tailBlockWithoutMasks", SVE512),  # the same without masked stores
    ("Conv3x3::tile12", X512 + X256 + X128),       # the stem (x86 only), 32 registers
    ("Conv3x3::tiles4x2", NARROW),
    ("Conv3x3::pixels1x2", X86),                    # 111 interior columns: 3 left over
    ("Conv3x3::borderPixel", X86),
    ("Head::globalAveragePool", ALL), ("Head::dense", ALL),
    ("Elementwise::relu6", ALL), ("Elementwise::add", ALL),
]
KERNELS = [m for m, _ in REACH]
# Reached, but the loop that makes them kernels never runs there: no row expected.
IDLE = {"Conv3x3::tiles4x2": (X512 + X256 + X128,
                              "after the 12-pixel tiles 3 columns are left, fewer than 4"),
        "Depthwise3x3::tailBlock": (SVE512, "it hands the tail to tailBlockWithoutMasks")}
# Kernel methods the driver reaches at no target, so they are not watched (a row for one would
# come from elsewhere); `analyze.py --unwatched` lists them.
UNWATCHED = {
    "GemmMr5Nr5v::tileLinear": "no 5-vector panel of a linear layer without a residual",
    "GemmMr4Nr6v::tile": "192->96's 196 pixels are whole 4-pixel tiles of its chunks",
    "GemmMr4Nr6v::tileResidual": "no 6-vector panel with a residual",
    "GemmMr4Nr6v::tileRelu6Gap": "pointwiseRows runs 64->320, 5-vector panels at 512 bits",
    "GemmMr1Nr6v::tile": "the 4-pixel call has 5-vector panels at 512 bits",
    "GemmMr7Nr3v::tileResidual": "no 3-vector panel with a residual",
    "GemmMr7Nr2v::tileResidual": "no 2-vector panel with a residual",
    "GemmMr7Nr2v::tileLinearMasked": "144->24 linear runs the pair tiles (JDK 25) or scratch",
    "GemmMr7Nr2v::tileRelu6Gap": "pointwiseRows has no 2-vector panel",
    "GemmMr14Nr1v::tile": "32->16's 196 pixels are whole 14-pixel tiles",
    "GemmMr14Nr1v::tileRelu6": "no 1-vector panel with ReLU6",
    "GemmMr14Nr1v::tileLinear": "the one 1-vector linear layer has 32 inputs (tileLinearK32)",
    "GemmMr14Nr1v::tileResidual": "no 1-vector panel with a residual",
    "GemmMr14Nr1v::tileLinearK16": "no 16-input layer with one output vector",
    "GemmMr14Nr1v::tileLinearK24": "no 24-input layer with one output vector",
    "GemmMr14Nc24Pairs::tileResidual": "no 24-channel layer with a residual",
    "GemmMr14Nc8Pairs::tileRelu6": "no 8-channel layer",
    "GemmMr14Nc8Pairs::tileLinear": "no 8-channel layer",
    "GemmMr14Nc8Pairs::tileResidual": "no 8-channel layer",
    "GemmMr1Nr3v::tile": "the 4-pixel call has no 3-vector panel",
    "GemmMr1Nr1v::tile": "the 4-pixel call has no 1-vector panel",
    "Conv3x3::interiorSingleBlock": "32 output channels are whole pairs of channel blocks",
}
TARGETS = sorted(set(ALL))


def expected(target):
    """The watched methods the driver reaches at a target (with their loop), in table order."""
    return [m for m, ts in REACH if target in ts and target not in IDLE.get(m, ((), ""))[0]]


# Kernels whose hot loop is a loop of FMAs: a C2 compile of one without such a loop (e.g. one
# compiled while only its leftover columns ran) says nothing about its steady state.
FMA_KERNELS = ("Gemm", "Conv3x3::", "Depthwise3x3::", "Head::dense")
# The driver's phases (its DRIVER lines) and the watched methods of each: a phase that ran with
# none of its methods in the table is named even when they never left the interpreter.
FAMILIES = {"pointwise": ("Gemm", "PointwiseEpilogue::"), "depthwise": ("Depthwise3x3::",),
            "conv3x3": ("Conv3x3::",), "head": ("Head::",), "elementwise": ("Elementwise::",)}
COLS = ["target", "method", "osr", "intrinsic_fail", "loop_insns", "fma", "vload", "bcast",
        "vstore", "masked", "spill", "checks", "calls", "fma_per_load", "vec_bits", "relu6_ops"]


def compiles(text):
    """Yield (method, osr, hexbytes, vma, inline_tree) for each C2 compile in the log."""
    blocks = re.split(r"(?m)^Compiled method \(c2\)", text)[1:]
    for b in blocks:
        head = b.split("\n", 1)[0]
        m = re.search(r"(\S+)::(\S+)", head)
        if not m or not m.group(1).startswith(PKG):
            continue
        method = m.group(1)[len(PKG):] + "::" + m.group(2)
        osr = " % " in head or re.search(r"@ \d+ \(", head) is not None
        code_end = b.find("[/MachCode]")
        code = b[:code_end]
        stub = code.find("[Stub Code]")
        if stub >= 0:
            code = code[:stub]
        code = code[code.find("[MachCode]"):]
        hexs, vma = [], None
        for line in code.splitlines():
            mm = re.match(r"^\s+0x([0-9a-f]+): ((?:[0-9a-f]{2,8}[ |]*)+)$", line)
            if not mm:
                continue
            if vma is None:
                vma = int(mm.group(1), 16)
            hexs.append(re.sub(r"[ |]", "", mm.group(2)))
        tree = b[code_end:] if code_end >= 0 else ""
        yield method, osr, "".join(hexs), vma, tree


def disassemble(arch, hexbytes, vma, tmp):
    with open(tmp, "wb") as f:
        f.write(bytes.fromhex(hexbytes))
    if arch == "x86":
        cmd = ["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "--adjust-vma=%#x" % vma, tmp]
    else:
        cmd = ["aarch64-linux-gnu-objdump", "-D", "-b", "binary", "-m", "aarch64",
               "--adjust-vma=%#x" % vma, tmp]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    insns = []
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t(?:[0-9a-f]{2} )*[0-9a-f]*\s*\t(\S+)\s*(.*)$", line)
        if m:
            insns.append((int(m.group(1), 16), m.group(2),
                          m.group(3).split("//")[0].split("#")[0].strip()
                          if arch == "arm" else m.group(3).split("#")[0].strip(), line))
    return insns


def branch_target(arch, mn, ops):
    if arch == "x86":
        if not mn.startswith("j"):
            return None
        m = re.match(r"^0x([0-9a-f]+)$", ops)
    else:
        if not (mn == "b" or mn.startswith("b.") or mn in ("cbz", "cbnz", "tbz", "tbnz")):
            return None
        m = re.search(r"(?:^|, )0x([0-9a-f]+)", ops)
    return int(m.group(1), 16) if m else None


X86_VREG = re.compile(r"%[xyz]mm\d+")


def classify(arch, insns):
    """Counts for a list of (addr, mnemonic, operands, line) in a loop body."""
    c = dict(fma=0, vload=0, bcast=0, vstore=0, masked=0, spill=0, checks=0, calls=0, vec=0,
             bits=set())
    lo, hi = insns[0][0], insns[-1][0]
    for i, (a, mn, ops, _) in enumerate(insns):
        if arch == "x86":
            vec = bool(X86_VREG.search(ops))
            mem = "(" in ops
            spill = "(%rsp)" in ops
            if vec:
                c["vec"] += 1
                for r in X86_VREG.findall(ops):
                    c["bits"].add({"x": 128, "y": 256, "z": 512}[r[1]])
            if mn.startswith(("vfmadd", "vfmsub", "vfnmadd")):
                c["fma"] += 1
            # stack traffic, or a general register parked in an xmm register (vmovq/vmovd)
            if spill or (mn in ("vmovq", "vmovd", "movq", "movd") and "%r" in ops + "%e" and not mem
                         and re.search(r"%(r\w+|e\w\w)", ops)):
                c["spill"] += 1
            elif vec and mem:
                if ops.endswith(")"):  # AT&T: the destination is last
                    c["vstore"] += 1
                elif mn.startswith(("vbroadcast", "vpbroadcast")):
                    c["bcast"] += 1
                else:
                    c["vload"] += 1
            elif mn.startswith(("vbroadcast", "vpbroadcast")):
                c["bcast"] += 1
            if re.search(r"\{%k[1-7]\}", ops) or (mn.startswith("k") and "%k" in ops):
                c["masked"] += 1
            if mn.startswith("call"):
                c["calls"] += 1
        else:
            vec = bool(re.search(r"\b[vqz]\d+\.|\bq\d+\b|\bz\d+\b|\{[vz]\d+", ops))
            spill = "[sp" in ops
            if vec:
                c["vec"] += 1
            if mn in ("fmla", "fmad", "fmls"):
                c["fma"] += 1
            if spill and (vec or mn in ("ldr", "str", "ldp", "stp")):
                c["spill"] += 1
            elif mn in ("ld1w", "ld1", "ldr", "ldp", "ldur") and vec:
                c["vload"] += 1
            elif mn in ("st1w", "st1", "str", "stp", "stur") and vec:
                c["vstore"] += 1
            if mn in ("dup", "ld1r", "ld1rw", "mov") and vec and re.search(
                    r"[zv]\d+\.\w+, [sw]\d+|\.s\[0\]|ld1r", mn + " " + ops):
                c["bcast"] += 1
            if re.search(r"\bp\d+", ops) or mn in ("whilelo", "ptrue", "ptest"):
                c["masked"] += 1
            if mn in ("bl", "blr"):
                c["calls"] += 1
        # a compare-and-branch leaving the loop forward (range check, uncommon trap), not the
        # back edge
        t = branch_target(arch, mn, ops)
        if t is not None and (t > hi or t < lo) and t > a and i < len(insns) - 1:
            c["checks"] += 1
    return c


def hot_loop(arch, insns):
    loops = []
    for i, (a, mn, ops, _) in enumerate(insns):
        t = branch_target(arch, mn, ops)
        if t is not None and t <= a and t >= insns[0][0]:
            j = next((k for k in range(i + 1) if insns[k][0] >= t), None)
            # a back edge, not a jump from an out-of-line block back into straight-line code
            if j is not None and not any(x[1].startswith(("ret", "hlt")) for x in insns[j:i]):
                loops.append((j, i))
    inner = [(j, i) for (j, i) in loops
             if not any(j <= j2 and i2 <= i and (j2, i2) != (j, i) for (j2, i2) in loops)]
    best, key = None, None
    for j, i in inner:
        c = classify(arch, insns[j:i + 1])
        # most FMAs; then a loop without calls (uncommon-trap stubs laid out inside a back edge
        # mark a cold path); then the most vector instructions
        k = (c["fma"], c["calls"] == 0, c["vec"], j - i)
        if key is None or k > key:
            best, key = (j, i), k
    return best


def relu6_ops(arch, insns):
    names = (("vmaxps", "vminps", "vblendmps", "vblendvps", "vpmovd2m", "vcmpunordps", "vcmpps",
              "vpmovmskb", "vpor", "vpand") if arch == "x86"
             else ("fmax", "fmin", "fmaxnm", "fminnm", "fcmeq", "fcmgt", "bsl", "bif", "bit",
                   "sel"))
    seen = {}
    for _, mn, _, _ in insns:
        base = mn.split(".")[0]
        if base in names:
            seen[base] = seen.get(base, 0) + 1
    return " ".join("%s:%d" % kv for kv in sorted(seen.items()))


def compile_tiers(path):
    """{method: highest tier} of the watched methods in a jit+compilation log; None if absent."""
    if not os.path.exists(path):
        return None
    tiers = {}
    for line in open(path, errors="replace"):
        m = re.match(r"^\s*\d+\s+[%sbn!]*\s*(\d)\s+" + re.escape(PKG) + r"(\S+::\S+)", line)
        if m:
            tiers[m.group(2)] = max(tiers.get(m.group(2), 0), int(m.group(1)))
    return tiers


def driver_phases(base):
    """The phases the driver ran, from its DRIVER lines (beside the print, or in it if older)."""
    phases = set()
    for path in (base + ".driver.txt", base + ".print.txt"):
        if os.path.exists(path):
            for line in open(path, errors="replace"):
                m = re.match(r"^DRIVER (\w+) +\d+ calls", line)
                if m:
                    phases.add(m.group(1))
    return phases


def usable(method, insns, loop, arch):
    """Whether a C2 compile shows the method's steady state: a hot loop, of FMAs if it has any."""
    if not loop:
        return False
    body = insns[loop[0]:loop[1] + 1]
    return not method.startswith(FMA_KERNELS) or classify(arch, body)["fma"] > 0


USAGE = ("usage: analyze.py TARGET x86|arm PRINT.TXT OUTDIR | --expected TARGET | --unwatched")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--expected":
        if sys.argv[2] not in TARGETS:
            sys.exit("analyze.py --expected: unknown target '%s' (expected one of: %s)"
                     % (sys.argv[2], " ".join(TARGETS)))
        print(",".join(expected(sys.argv[2])))
        return
    if sys.argv[1:] == ["--unwatched"]:
        for method, why in sorted(UNWATCHED.items()):
            print("%s\t%s" % (method, why))
        for method, (targets, why) in sorted(IDLE.items()):
            print("%s\t%s (at %s)" % (method, why, " ".join(targets)))
        return
    # A wrong count ended in a ValueError traceback, and any ARCH but x86 was taken for arm.
    if len(sys.argv) != 5 or sys.argv[2] not in ("x86", "arm"):
        sys.exit("%s\ngot: %s" % (USAGE, " ".join(sys.argv[1:]) or "no arguments"))
    target, arch, path, outdir = sys.argv[1:5]
    try:
        text = open(path, errors="replace").read()
    except OSError as e:  # a traceback said no more, and named no way out
        sys.exit("analyze.py: cannot read the JVM log %s: %s (lowering.sh writes it into"
                 " raw/)" % (path, e.strerror or e))
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    last = {}
    for method, osr, hexbytes, vma, tree in compiles(text):
        if not hexbytes:
            continue
        insns = disassemble(arch, hexbytes, vma, os.path.join(d, ".tmp.bin"))
        fails = [l.strip() for l in tree.splitlines()
                 if "failed to inline (intrinsic)" in l and "late inline succeeded" not in l]
        loop = hot_loop(arch, insns)
        fname = os.path.join(d, method.replace("::", ".") + ".s")
        mode = "a" if method in last else "w"
        with open(fname, mode) as f:
            f.write("### C2%s %s: %d instructions, %d intrinsic failures\n"
                    % (" OSR" if osr else "", method, len(insns), len(fails)))
            for fl in fails:
                f.write("#   " + fl + "\n")
            for k, (_, _, _, line) in enumerate(insns):
                mark = ">>" if loop and loop[0] <= k <= loop[1] else "  "
                f.write(mark + line + "\n")
        # keep the newest standard compile that shows a hot loop; an OSR one only if no
        # standard one does
        ok = usable(method, insns, loop, arch)
        prev = last.get(method)
        if prev is None or (ok, not osr) >= (prev[4], not prev[0]):
            last[method] = (osr, insns, loop, fails, ok)
    os.remove(os.path.join(d, ".tmp.bin")) if os.path.exists(os.path.join(d, ".tmp.bin")) else None
    base = re.sub(r"\.print\.txt$", "", path)
    tiers = compile_tiers(base + ".compiles.txt")
    # An unknown target (a raw log renamed by hand) has no expected list: as before REACH, every
    # watched method that ran is expected.
    known = target in TARGETS
    want = set(expected(target)) if known else None
    phases = driver_phases(base)

    def in_run(m):  # a family the driver did not run (its -Dkernels) has nothing expected
        return not phases or any(m.startswith(FAMILIES.get(p, ("?",))) for p in phases)
    if known:
        want = {m for m in want if in_run(m)}
    rows, missing, notes = [], [], []
    for method in KERNELS:
        ran = method in last or bool(tiers and method in tiers)
        is_expected = method in want if known else ran
        fname = os.path.join(d, method.replace("::", "."))
        if method not in last or not last[method][4]:
            if not is_expected:
                if ran and known and in_run(method) \
                        and target not in IDLE.get(method, ((), ""))[0]:
                    notes.append("%s ran but is not expected at %s: REACH in analyze.py is out"
                                 " of date" % (method, target))
                continue
            if method in last:
                why = "its C2 code has no loop%s (see %s.s)" % (
                    " with FMAs" if method.startswith(FMA_KERNELS) else "", fname)
            elif tiers and method in tiers:
                why = "compiled only up to tier %d, never by C2" % tiers[method]
            elif tiers is not None:
                why = "never compiled (interpreted only, or the driver no longer calls it)"
            else:
                why = "no C2 compile (and no compile log to say whether it ran)"
            missing.append((method, why))
            continue
        osr, insns, loop, fails, _ = last[method]
        if osr and is_expected:
            # An OSR compile's loop is entered from the interpreter, its vectors typed only
            # FloatVector: not the steady state the standard compiles show (lowering.sh sets its
            # row apart in counts.md).
            missing.append((method, "only an OSR compile has a hot loop (its row is set apart"
                            " as OSR, not comparable; see %s.s)" % fname))
        if not is_expected and in_run(method):
            notes.append("%s has a row but is not expected at %s: REACH in analyze.py is out"
                         " of date" % (method, target))
        body = insns[loop[0]:loop[1] + 1]
        c = classify(arch, body)
        with open(fname + ".loop.s", "w") as f:
            f.writelines(l + "\n" for (_, _, _, l) in body)
        loads = c["vload"] + c["bcast"]
        ratio = "%.2f" % (c["fma"] / loads) if loads and c["fma"] else "-"
        bits = "/".join(str(b) for b in sorted(c.get("bits") or [])) or "-"
        rows.append([target, method, "osr" if osr else "std", str(len(fails)), str(len(body)),
                     str(c["fma"]), str(c["vload"]), str(c["bcast"]), str(c["vstore"]),
                     str(c["masked"]), str(c["spill"]), str(c["checks"]), str(c["calls"]), ratio,
                     bits, relu6_ops(arch, insns) or "-"])
    tsv = os.path.join(outdir, "counts.tsv")
    new = not os.path.exists(tsv)
    with open(tsv, "a") as f:
        if new:
            f.write("\t".join(COLS) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    for phase in sorted(phases):
        prefixes = FAMILIES.get(phase, ())
        if prefixes and not any(r[1].startswith(prefixes) for r in rows) \
                and not any(m.startswith(prefixes) for m, _ in missing):
            missing.append(("(%s phase)" % phase, "the driver ran it, but none of its watched"
                            " methods %s" % ("has a C2 compile with a hot loop" if tiers is None
                                             else "was compiled at all (only interpreted)")))
    with open(os.path.join(outdir, "missing.tsv"), "a") as f:
        for method, why in missing:
            f.write("%s\t%s\t%s\n" % (target, method, why))
    std = sum(1 for r in rows if r[2] == "std")
    print("%s: %d kernel methods with a standard C2 compile with a hot loop%s"
          % (target, std, ", %d more with an OSR one only" % (len(rows) - std)
             if len(rows) > std else ""), file=sys.stderr)
    for method, why in missing:
        print("%s: WARNING: no row from a standard C2 compile for %s: %s"
              % (target, method, why), file=sys.stderr)
    for note in notes:
        print("%s: note: %s" % (target, note), file=sys.stderr)
    if not known:
        print("%s: note: not a target of lowering.sh (%s), so there is no list of the methods"
              " its driver reaches; watched methods that never ran are not named"
              % (target, " ".join(TARGETS)), file=sys.stderr)
    if tiers is None:
        print("%s: note: no compile log beside %s, so a kernel that never reached C2 is not"
              " told apart from one never run (lowering.sh writes <target>.compiles.txt beside"
              " the print; an older run did not)" % (target, path), file=sys.stderr)
    elif not rows and not missing:
        print("%s: WARNING: no watched kernel method was compiled at all: the driver ran"
              " nothing of them, or the package name is out of date" % target, file=sys.stderr)

if __name__ == "__main__":
    main()
