#!/usr/bin/env bash
# Runs the kernel tests on aarch64 (NEON or SVE) under qemu-user emulation, through Maven
# Surefire with the wrapper JVM made by tools/arm/prepare-sysroot.sh (issue 9).
#
#   tools/arm/test-arm.sh neon            # Neoverse N1: NEON, 128-bit species
#   tools/arm/test-arm.sh sve128|sve256|sve512   # QEMU "max" CPU, SVE at that vector length
#   tools/arm/test-arm.sh --jdk 25 sve256 # the arm64 JDK 25 (Debian trixie) instead of 17
#   tools/arm/test-arm.sh --full neon     # the exhaustive small-shape sweeps at every size
#                                         # (default: quick mode, sizes 1, 2, 3, 8; ~10x shorter)
#   tools/arm/test-arm.sh neon -- -Dtest='PointwiseGemmTest'   # extra Maven arguments
#
# Steps: (1) prepare the sysroot (idempotent), (2) compile main + test classes with the host JDK
# into $MOBILENET_ARM_BUILD_DIR (default target/arm64), (3) a species check on the emulated JVM:
# preferred species, the vector kernels' vectorBitSize (must equal the width asked for) and the
# C2 Vector API intrinsics of a pointwise kernel loop (-XX:+PrintIntrinsics; at least one
# VectorSupport intrinsic must succeed), (4) `mvn test-compile surefire:test` with -Djvm=<wrapper>.
# Invoking surefire:test directly (execution "default-cli") runs the kernel tests once, at the
# CPU's preferred width; the pom's kernels-128/256/512 executions are bound to the test phase,
# which this command never reaches, so they do not run.
#
# Environment: MOBILENET_ARM_CACHE (sysroot cache, see prepare-sysroot.sh),
#   MOBILENET_ARM_BUILD_DIR, MOBILENET_ARM_TESTS (a Surefire -Dtest pattern overriding the default
#   selection), MOBILENET_ARM_TIMEOUT (seconds for the forked test JVM, default 1800),
#   MOBILENET_ARM_JAVA_OPTS (extra options for the emulated JVM).
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tools/arm

jdk=17
full=false
mode=
usage="usage: $0 [--jdk 17|25] [--full] neon|sve128|sve256|sve512 [-- mvn args] (--help: more)"
while [ $# -gt 0 ]; do
  case $1 in
    --jdk)
      case ${2:-} in
        17|25) jdk=$2; shift 2 ;;
        *) echo "test-arm: --jdk takes 17 or 25, got '${2:-}'" >&2; exit 2 ;;
      esac ;;
    --full) full=true; shift ;;
    --) shift; break ;;
    neon|sve128|sve256|sve512) # a second mode silently replaced the first
      if [ -n "$mode" ]; then
        echo "test-arm: one mode only, got '$mode' and '$1'" >&2; exit 2
      fi
      mode=$1; shift ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; # the header comment only
    *) echo "test-arm: unknown argument '$1'" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done
[ -n "$mode" ] || { echo "test-arm: no mode given" >&2; echo "$usage" >&2; exit 2; }

case $mode in
  neon)   cpu=neoverse-n1;                       bits=128 ;;
  sve128) cpu=max,sve-default-vector-length=16;  bits=128 ;;
  sve256) cpu=max,sve-default-vector-length=32;  bits=256 ;;
  sve512) cpu=max,sve-default-vector-length=64;  bits=512 ;;
esac
export MOBILENET_QEMU_CPU=$cpu

log() { echo "[test-arm $mode jdk$jdk] $*" >&2; }
t0=$(date +%s)
step() { log "$1 after $(( $(date +%s) - t0 )) s"; }

# ---- 1. sysroot + wrapper JVM --------------------------------------------------------------------
jvm=$("$here/prepare-sysroot.sh" "$jdk" | tail -1)
step "sysroot ready: $jvm (QEMU_CPU=$cpu)"

# ---- 2. classes, compiled by the host JDK (bytecode is the same on every architecture) -----------
build=${MOBILENET_ARM_BUILD_DIR:-$PWD/target/arm64}
mvn -B -q -ntp -Dstyle.color=never -DbuildDir="$build" test-compile
step "compiled into $build"

# ---- 3. species and intrinsics check on the emulated JVM -----------------------------------------
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
log "species check (ArmCheck.java, single-file source launch, -XX:+PrintIntrinsics)"
if ! nice -n 10 "$jvm" --add-modules jdk.incubator.vector -XX:+UnlockDiagnosticVMOptions \
     -XX:+PrintIntrinsics -XX:+DisplayVMOutputToStderr -Dmobilenet.vectorBits=preferred \
     -cp "$build/classes" "$here/ArmCheck.java" > "$check/result.txt" 2> "$check/out.txt"; then
  cat "$check/result.txt" "$check/out.txt" >&2; log "species check failed"; exit 1
fi
grep '^ARMCHECK' "$check/result.txt" | sed 's/^ARMCHECK /    /' >&2
got=$(sed -n 's/^ARMCHECK .*vectorBitSize=\([0-9]*\).*/\1/p' "$check/result.txt")
if [ "$got" != "$bits" ]; then
  log "FAIL: the vector kernels run at ${got:-?} bits on this CPU model, expected $bits"; exit 1
fi
ok=$(grep -c 'VectorSupport::.*(intrinsic)' "$check/out.txt" || true)
failed=$(grep 'VectorSupport::.*failed' "$check/out.txt" || true)
log "C2 intrinsified $ok Vector API calls; $(printf '%s' "$failed" | grep -c . || true) call" \
    "sites not intrinsified"
[ -n "$failed" ] && printf '%s\n' "$failed" | sed 's/^ */    /' | sort | uniq -c >&2
if [ "$ok" -eq 0 ]; then
  log "FAIL: no Vector API intrinsic succeeded: the kernels run the Java fallback"; exit 1
fi
step "species check passed ($bits bits)"

# ---- 4. the kernel tests through Surefire on the wrapper JVM -------------------------------------
# Every kernel test class; by default in quick mode (-Dmobilenet.test.quick=true thins the
# exhaustive small-shape sweeps to sizes 1, 2, 3, 8 but keeps every channel count and tail);
# --full runs the whole grid (10+ minutes per width under emulation).
tests=${MOBILENET_ARM_TESTS:-'dev.mobilenetsimd.kernels.**'}
quick=true
if $full; then quick=false; fi
log "surefire on $jvm: -Dtest='$tests'"
nice -n 10 mvn -B -ntp -Dstyle.color=never -DbuildDir="$build" test-compile surefire:test \
  -Djvm="$jvm" -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dmobilenet.vectorBits=preferred -Dmobilenet.test.quick=$quick \
  -Dsurefire.timeout="${MOBILENET_ARM_TIMEOUT:-1800}" "$@"
step "kernel tests passed on aarch64 $mode ($bits bits, JDK $jdk)"
