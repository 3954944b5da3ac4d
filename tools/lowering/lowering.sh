#!/usr/bin/env bash
# Regenerates the raw material of reports/LOWERING.md (issues 7 and 9): the C2 machine code of
# every vector kernel on x86 (JDK 25; 512, 256, AVX2-only and 128 bits) and on emulated aarch64
# (arm64 JDK 17 under qemu-user; NEON, SVE-256, SVE-512; every kernel but the stem convolution),
# decoded with objdump (no hsdis), the hot loop of each kernel marked, and a table of instruction
# counts per hot loop.
#
#   tools/lowering/lowering.sh [x86] [arm] [TARGET...]   (default: x86 arm)
#     TARGETs: x86-512 x86-256 x86-avx2 x86-128 x86-mvs16 arm-neon arm-sve256 arm-sve512
#     x86-512-nocheck (not in x86: 512 bits with the Vector API's index checks off,
#     -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0, to see what the checks cost)
#   Env: LOWERING_DIR (default /tmp/bd-low/lowering): raw logs in raw/, listings in <target>/,
#        the table in counts.tsv and counts.md. SECS (x86: least seconds per kernel family,
#        default 2), ARM_SECS (default 25; the pointwise family's least is twice as long); past
#        it a family runs until each kernel method the driver reaches there (analyze.py
#        --expected TARGET) has a standard C2 compile, or for at most MAX_SECS (x86, default 120)
#        or ARM_MAX_SECS (default 300) seconds. JAVA25 (the x86 java, default
#        /usr/lib/jvm/temurin-25-jdk-amd64/bin/java). SKIP_RUN=1: the arm targets are not run
#        again, their raw logs already in raw/ are analysed.
# Needs objdump, and aarch64-linux-gnu-objdump (binutils-aarch64-linux-gnu) for arm logs.
# An expected kernel method without a standard C2 compile with a hot loop (of FMAs, for the FMA
# kernels) gets no row, or only one from an OSR compile, which counts.md sets apart as not
# comparable: it is named at the end (and in missing.tsv), with the advice to raise MAX_SECS or
# ARM_MAX_SECS. The exit status stays 0 then: the table is raw material to read, and its rows
# are right; tools/lowering/tier-check.sh is the check that every tile reaches C2.
# The classes are built into a private build dir ($LOWERING_DIR/../classes, never target/).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tools/lowering
out=${LOWERING_DIR:-/tmp/bd-low/lowering}
build=$(dirname "$out")
j25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
log() { echo "[lowering] $*" >&2; }

# The targets, checked before compiling: a misspelt one used to fail only after `mvn compile`
# (and after the x86 runs named before it).
known="x86-512 x86-256 x86-avx2 x86-128 x86-mvs16 x86-512-nocheck arm-neon arm-sve256 arm-sve512"
targets=()
for a in "${@:-x86 arm}"; do
  for b in $a; do
    case $b in
      -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; # the header comment only
      x86) targets+=(x86-512 x86-256 x86-avx2 x86-128 x86-mvs16) ;;
      arm) targets+=(arm-neon arm-sve256 arm-sve512) ;;
      *) case " $known " in
           *" $b "*) targets+=("$b") ;;
           *) log "unknown target '$b' (expected x86, arm or one of: $known)"; exit 2 ;;
         esac ;;
    esac
  done
done
# Prerequisites, checked before compiling: a missing JDK 25 ended the script without a word
# (the JVM's error went into its raw log), and a missing aarch64 objdump was found only after the
# x86 runs. Every raw log present is analysed, so an arm log left by an earlier run needs it too.
need_x86_java=false need_arm_objdump=false
for t in "${targets[@]}"; do
  case $t in x86-*) need_x86_java=true ;; *) need_arm_objdump=true ;; esac
done
if compgen -G "$out/raw/arm-*.print.txt" > /dev/null; then need_arm_objdump=true; fi
if $need_x86_java && [ ! -x "$j25" ]; then
  log "no JDK 25 java at $j25 for the x86 targets (set JAVA25 to its bin/java)"; exit 2
fi
command -v objdump > /dev/null || { log "no objdump (apt-get install binutils)"; exit 2; }
if $need_arm_objdump && ! command -v aarch64-linux-gnu-objdump > /dev/null; then
  log "no aarch64-linux-gnu-objdump to decode the arm targets' logs (or the arm-*.print.txt" \
      "already in $out/raw): apt-get install binutils-aarch64-linux-gnu"
  exit 2
fi
# SKIP_RUN=1 analyses the arm logs of an earlier run: without them the analysis ended in a
# Python traceback (a file named '*.print.txt' not found), after the compile.
if [ -n "${SKIP_RUN:-}" ]; then
  missing=()
  for t in "${targets[@]}"; do
    case $t in arm-*) [ -f "$out/raw/$t.print.txt" ] || missing+=("$t") ;; esac
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "SKIP_RUN=1, but no raw log of ${missing[*]} in $out/raw (an earlier run's" \
        "<target>.print.txt): run them without SKIP_RUN first (e.g. tools/lowering/lowering.sh" \
        "${missing[*]}), or set LOWERING_DIR to the directory that holds their raw/"
    exit 2
  fi
fi
mkdir -p "$out/raw"
mvn -B -q -ntp -Dstyle.color=never -DbuildDir="$build" compile
cls=$build/classes
# The JVM's own output (the code prints) goes to stderr and the driver's DRIVER lines to stdout:
# in one stream a DRIVER line landed inside a line of code bytes, which analyze.py then dropped,
# so the rest of that compile was decoded 32 bytes off. Every compile at every tier goes to
# <target>.compiles.txt, so that analyze.py can name kernels that ran but never reached C2.
jvmflags=(--add-modules jdk.incubator.vector -XX:+UnlockDiagnosticVMOptions
          -XX:+DisplayVMOutputToStderr "-XX:CompilerDirectivesFile=$here/directives.json")
compile_log() { # name: the flag, after removing the log of an earlier run
  rm -f "$out/raw/$1.compiles.txt"*
  echo "-Xlog:jit+compilation=debug:file=$out/raw/$1.compiles.txt:none:filecount=0"
}

# The JVM's output goes into the raw log, its error messages too: a failure is named here, with
# the log's end, since under set -e it ended the script silently.
driver_failed() { # name, exit status
  log "$1: the driver's JVM failed (exit status $2); the end of $out/raw/$1.print.txt:"
  tail -n 15 "$out/raw/$1.print.txt" | sed 's/^/    /' >&2
  tail -n 5 "$out/raw/$1.driver.txt" 2> /dev/null | sed 's/^/    /' >&2
  exit 1
}
# The driver waits for a standard C2 compile of each method it reaches at the target, seen in
# the code print: a fixed SECS=2 ran 3-10 pointwise calls on a loaded host, the tiles at tier 3.
watch_flags() { # name
  echo "-Dwatch=$(python3 "$here/analyze.py" --expected "$1")"
  echo "-Dwatch.log=$out/raw/$1.print.txt"
}
run_x86() { # name, extra JVM flags...
  local name=$1 rc=0 watch; shift
  mapfile -t watch < <(watch_flags "$name")
  log "$name: JDK 25 $*"
  nice -n 5 "$j25" "${jvmflags[@]}" "$(compile_log "$name")" "$@" -Dsecs="${SECS:-2}" \
    -Dsecs.max="${MAX_SECS:-120}" "${watch[@]}" -cp "$cls" "$here/Driver.java" \
    > "$out/raw/$name.driver.txt" 2> "$out/raw/$name.print.txt" || rc=$?
  [ "$rc" = 0 ] || driver_failed "$name" "$rc"
}
run_arm() { # name, QEMU_CPU
  local name=$1 cpu=$2 jvm rc=0 watch
  jvm=$(tools/arm/prepare-sysroot.sh 17 | tail -1) # its stderr shown: why it failed, if it did
  mapfile -t watch < <(watch_flags "$name")
  log "$name: arm64 JDK 17 under qemu, QEMU_CPU=$cpu (slow: at least ~${ARM_SECS:-25}s x 5)"
  MOBILENET_QEMU_CPU=$cpu nice -n 10 "$jvm" "${jvmflags[@]}" "$(compile_log "$name")" \
    -Dmobilenet.vectorBits=preferred -Dkernels=pw,dw,head,elt -Dsecs="${ARM_SECS:-25}" \
    -Dsecs.max="${ARM_MAX_SECS:-300}" "${watch[@]}" -cp "$cls" "$here/Driver.java" \
    > "$out/raw/$name.driver.txt" 2> "$out/raw/$name.print.txt" || rc=$?
  [ "$rc" = 0 ] || driver_failed "$name" "$rc"
}

for t in "${targets[@]}"; do
  rm -rf "${out:?}/$t"
  case $t in
    x86-512)   run_x86 "$t" -Dmobilenet.vectorBits=512 ;;
    x86-256)   run_x86 "$t" -Dmobilenet.vectorBits=256 ;;
    x86-avx2)  run_x86 "$t" -XX:UseAVX=2 -Dmobilenet.vectorBits=preferred ;;
    x86-128)   run_x86 "$t" -Dmobilenet.vectorBits=128 ;;
    x86-mvs16) run_x86 "$t" -XX:MaxVectorSize=16 -Dmobilenet.vectorBits=preferred ;;
    x86-512-nocheck) run_x86 "$t" -Dmobilenet.vectorBits=512 \
                       -Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 ;;
    arm-neon)   [ -n "${SKIP_RUN:-}" ] || run_arm "$t" neoverse-n1 ;;
    arm-sve256) [ -n "${SKIP_RUN:-}" ] || run_arm "$t" max,sve-default-vector-length=32 ;;
    arm-sve512) [ -n "${SKIP_RUN:-}" ] || run_arm "$t" max,sve-default-vector-length=64 ;;
    *) log "unknown target $t"; exit 2 ;;
  esac
  grep -h '^DRIVER' "$out/raw/$t.driver.txt" "$out/raw/$t.print.txt" 2> /dev/null \
    | sed 's/^/    /' >&2 || true
done

# The table: re-analyse every raw log present, so x86 and arm runs can be redone separately.
rm -f "$out/counts.tsv" "$out/missing.tsv"
for f in "$out"/raw/*.print.txt; do
  t=$(basename "$f" .print.txt)
  case $t in arm-*) arch=arm ;; *) arch=x86 ;; esac
  rm -rf "${out:?}/$t"
  python3 "$here/analyze.py" "$t" "$arch" "$f" "$out"
done
# Rows from an OSR compile (no standard one with a hot loop) get a table of their own: their loop
# is entered from the interpreter and is not comparable with the others.
python3 - "$out/counts.tsv" > "$out/counts.md" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
osr = rows[0].index("osr")
def table(rs):
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for r in rs:
        print("| " + " | ".join(r) + " |")
table([r for r in rows[1:] if r[osr] != "osr"])
if any(r[osr] == "osr" for r in rows[1:]):
    print("\nNot comparable with the rows above: these methods have a hot loop only in an OSR"
          " compile (entered from the interpreter mid-loop, its vectors typed only FloatVector,"
          " so the loop is often much longer); a longer run gives them a standard compile.\n")
    table([r for r in rows[1:] if r[osr] == "osr"])
PY
log "table: $out/counts.md; listings: $out/<target>/<Class.method>.s (hot loop marked >>)" \
    "and .loop.s"
# Last, where it is seen: the kernels the table lacks (a loaded host or a short SECS left GEMM
# tiles at tier 3, and the table silently had no GEMM rows).
if [ -s "$out/missing.tsv" ]; then
  log "WARNING: $(wc -l < "$out/missing.tsv") kernel method(s) the driver reaches have no row" \
      "from a standard C2 compile with a hot loop (list in $out/missing.tsv):"
  sed 's/^/    /; s/\t/: /; s/\t/: /' "$out/missing.tsv" >&2
  log "Each family ran until its methods had a standard C2 compile or for MAX_SECS (x86, now" \
      "${MAX_SECS:-120}) or ARM_MAX_SECS (arm, now ${ARM_MAX_SECS:-300}) seconds (the DRIVER" \
      "lines say which): raise that and run those targets again; a method never compiled at" \
      "all is no longer reached by Driver.java at that target (REACH in analyze.py)"
fi
