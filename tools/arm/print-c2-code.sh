#!/usr/bin/env bash
# Prints the C2 machine code of a vector kernel method on emulated aarch64, decoded by
# binutils-aarch64-linux-gnu's objdump (the JVM has no hsdis here, so it prints raw code bytes).
# A start for the lowering study (reports/LOWERING.md).
#
#   tools/arm/print-c2-code.sh neon|sve128|sve256|sve512 [METHOD] [--jdk 17|25]
#     METHOD: a -XX:CompileCommand pattern, the class with its package (or a leading *).
#     Default: a GEMM tile that the driver's layer (32 -> 48 channels, 49 pixels, ReLU6) runs
#     at that width, in dev.mobilenetsimd.kernels.vector: GemmMr6Nr4v::tile (the 6x4 tile of
#     the pixel tail) for neon, sve128 and sve256; GemmMr7Nr3v::tileRelu6 for sve512, where the
#     48 channels are one 3-vector panel and the 49 pixels 7 whole 7x3 tiles, so no 6x4 tile
#     (and no 7x3 'tile') ever runs
#   tools/arm/print-c2-code.sh --help    # this text
#   Output: $MOBILENET_ARM_ASM_DIR (default <build dir>/asm)/<mode>-jdk<N>-<method>.s (one
#   section per C2 compilation; <method> with every character but letters, digits, _ and . as _)
#   and the raw JVM print beside it (.print.txt). The driver is tools/arm/ArmCheck.java (one
#   pointwise layer, so only the methods it runs compile; ITERS sets its -Diters, default 3000).
#   Needs: perl (turns the printed code bytes into a file), Maven, and aarch64-linux-gnu-objdump:
#   when that is missing it installs binutils-aarch64-linux-gnu with apt-get, as root or through
#   sudo when not root, as tools/arm/prepare-sysroot.sh (which it runs) installs qemu-user-static.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=tools/arm
jdk=17 mode= method=
usage="usage: $0 neon|sve128|sve256|sve512 [METHOD] [--jdk 17|25] (--help: more)"
while [ $# -gt 0 ]; do
  case $1 in
    --jdk)
      case ${2:-} in
        17|25) jdk=$2; shift 2 ;;
        *) echo "print-c2-code: --jdk takes 17 or 25, got '${2:-}'" >&2; exit 2 ;;
      esac ;;
    neon|sve128|sve256|sve512) # a second mode silently replaced the first
      if [ -n "$mode" ]; then
        echo "print-c2-code: one mode only, got '$mode' and '$1'" >&2; exit 2
      fi
      mode=$1; shift ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; # the header comment only
    # An option-like word was taken for METHOD and ran the whole (slow) driver for nothing.
    -*) echo "print-c2-code: unknown option '$1'" >&2; echo "$usage" >&2; exit 2 ;;
    *)
      if [ -n "$method" ]; then
        echo "print-c2-code: one METHOD only, got '$method' and '$1'" >&2; exit 2
      fi
      method=$1; shift ;;
  esac
done
# A misspelt mode (e.g. 'sve1024') was taken for METHOD and only the usage line was printed.
if [ -z "$mode" ]; then
  echo "print-c2-code: no mode given${method:+ (METHOD is '$method')}" >&2
  echo "$usage" >&2; exit 2
fi
# The default must be a method the driver runs at this width: at sve512 GemmMr6Nr4v::tile never
# compiled, and the script ended with "no C2 compilation" (see the help).
if [ -z "$method" ]; then
  case $mode in
    sve512) method=dev.mobilenetsimd.kernels.vector.GemmMr7Nr3v::tileRelu6 ;;
    *) method=dev.mobilenetsimd.kernels.vector.GemmMr6Nr4v::tile ;;
  esac
fi
case $mode in
  neon)   export MOBILENET_QEMU_CPU=neoverse-n1 ;;
  sve128) export MOBILENET_QEMU_CPU=max,sve-default-vector-length=16 ;;
  sve256) export MOBILENET_QEMU_CPU=max,sve-default-vector-length=32 ;;
  sve512) export MOBILENET_QEMU_CPU=max,sve-default-vector-length=64 ;;
esac
log() { echo "[print-c2-code $mode] $*" >&2; }
# As in prepare-sysroot.sh: apt-get through sudo when not root (it failed there as "are you
# root?"), and a clear error when there is no sudo either.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "need root for: $*"; exit 1
  fi
}

# Before anything slow: without perl the code bytes were never decoded, after the whole run,
# and the failure under set -e said nothing.
if ! command -v perl >/dev/null; then
  log "perl not found: it turns the printed code bytes into a file for objdump; install it" \
      "(Debian: apt-get install perl-base), then run this again"
  exit 1
fi

if ! command -v aarch64-linux-gnu-objdump >/dev/null; then
  # Named when it fails: apt-get's own errors (e.g. not root) ended the script under set -e.
  pkg=binutils-aarch64-linux-gnu
  log "installing $pkg (apt-get): its aarch64-linux-gnu-objdump decodes the code"
  apt_install() {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "$pkg" >/dev/null
  }
  apt_install || { as_root apt-get update -q >/dev/null && apt_install; } \
    || { log "could not install $pkg: install it (as root), then run this again"; exit 1; }
fi
jvm=$("$here/prepare-sysroot.sh" "$jdk" | tail -1) # its stderr shown: why it failed, if it did
build=${MOBILENET_ARM_BUILD_DIR:-$PWD/target/arm64}
mvn -B -q -ntp -Dstyle.color=never -DbuildDir="$build" compile
out=${MOBILENET_ARM_ASM_DIR:-$build/asm}
mkdir -p "$out"
base=$out/$mode-jdk$jdk-$(echo "$method" | tr -c 'A-Za-z0-9_.\n' '_')
log "running the driver with -XX:CompileCommand=print,$method (QEMU_CPU=$MOBILENET_QEMU_CPU)"
# Its errors go into the print too: a failure is named here, since under set -e it ended the
# script without a word.
rc=0
nice -n 10 "$jvm" --add-modules jdk.incubator.vector -XX:CompileCommand=quiet \
  -XX:CompileCommand="print,$method" -Diters="${ITERS:-3000}" -cp "$build/classes" \
  "$here/ArmCheck.java" > "$base.print.txt" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
  log "the driver's JVM failed (exit status $rc); the end of $base.print.txt:"
  tail -n 15 "$base.print.txt" | sed 's/^/    /' >&2
  exit 1
fi

# Each "Compiled method (c2)" block: code lines are "  0xADDR: b0b1 b2b3 | ..." in memory order.
: > "$base.s"
n=0 decoded=0
while IFS= read -r header; do
  n=$((n + 1))
  awk -v want="$n" '
    /^Compiled method \(c2\)/ { blk++; on = (blk == want); next }
    on && /^\[\/MachCode\]/ { on = 0 }
    on && /^\[Stub Code\]/ { on = 0 }
    on && /^  0x[0-9a-f]+: [0-9a-f][0-9a-f][0-9a-f][0-9a-f]/ {
      addr = $1; sub(":", "", addr); if (!first) { first = addr; print "#" first }
      line = $0; sub(/^ *0x[0-9a-f]+: /, "", line); gsub(/[ |]/, "", line); print line }
  ' "$base.print.txt" > "$base.hex"
  vma=$(sed -n '1s/^#//p' "$base.hex")
  [ -n "$vma" ] || continue
  decoded=$((decoded + 1))
  sed 1d "$base.hex" | tr -d '\n' | perl -ne 'print pack("H*", $_)' > "$base.bin"
  { echo "### $header"
    aarch64-linux-gnu-objdump -D -b binary -m aarch64 --adjust-vma="$vma" "$base.bin" \
      | sed '1,/<.data>:/d'
  } >> "$base.s"
done < <(grep '^Compiled method (c2)' "$base.print.txt")
rm -f "$base.hex" "$base.bin"
# Nothing decoded: the .s is not left behind empty (it read as a listing with nothing in it),
# and the reason is named.
if [ "$n" = 0 ]; then
  rm -f "$base.s"
  log "no C2 compilation of $method printed, so no $base.s; see $base.print.txt. The driver" \
      "runs one pointwise layer (32 -> 48 channels, 49 pixels): another kernel's methods never" \
      "compile, and a pattern without the package (or a leading *) matches nothing; else raise" \
      "ITERS"
  exit 1
fi
if [ "$decoded" = 0 ]; then
  # A JVM with hsdis prints the code disassembled, not as the raw bytes read here.
  rm -f "$base.s"
  log "$n C2 compilation(s) of $method printed, but no code bytes in them (lines" \
      "'  0xADDR: hex ...' between [MachCode] and [/MachCode]), so no $base.s; see" \
      "$base.print.txt (a JVM with hsdis prints the code disassembled instead)"
  exit 1
fi
log "$decoded of $n C2 compilation(s) decoded into $base.s"
for op in fmla ld1w st1w ldr str whilelo ptrue; do
  printf '    %-8s %5d\n' "$op" "$(grep -cw "$op" "$base.s" || true)" >&2
done
