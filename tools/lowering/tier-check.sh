#!/usr/bin/env bash
# Checks that every pointwise GEMM tile method and every 3x3 convolution method reaches C2. A
# kernel method that C1 cannot compile at tier 3 ("out of virtual registers") can stay at tier 2
# for good, and the Vector API then runs un-intrinsified, ~100x slower, with no error
# (reports/LOWERING.md, session 4).
#
#   tools/lowering/tier-check.sh   # JAVA_HOME's java (default: java on PATH); 512, 256, 128 bits
#   tools/lowering/tier-check.sh --help   # this text
# Takes no arguments. Env: TIER_BUILD_DIR (default /tmp/mobilenet-tier-check).
# Exit status 1 if any kernel method was skipped by a compiler, a watched method never reached
# tier 4, no watched method was compiled at all (the driver or the pattern is out of date), or the
# JVM failed (its stderr is shown).
set -euo pipefail
case ${1-} in
  '') [ $# -eq 0 ] || { echo "tier-check: takes no arguments (--help)" >&2; exit 2; } ;;
  -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; # the header comment only
  *) echo "tier-check: takes no arguments, got '$*' (--help)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
build=${TIER_BUILD_DIR:-/tmp/mobilenet-tier-check}
mvn -B -q -ntp -Dstyle.color=never -DbuildDir="$build" compile
status=0
for bits in 512 256 128; do
  log=$build/tiers-$bits.txt
  # stderr kept aside and shown on failure: under set -e a failing JVM ended the script silently.
  if ! "$java" --add-modules jdk.incubator.vector -Dmobilenet.vectorBits="$bits" \
      -XX:+PrintCompilation -cp "$build/classes" tools/lowering/TierDriver.java \
      > "$log" 2> "$log.err"; then
    echo "tier-check: $java failed at $bits bits; its stderr ($log.err):" >&2
    grep -v 'incubator' "$log.err" >&2 || true
    exit 1
  fi
  python3 - "$log" "$bits" <<'P' || status=1
import re, sys
log, bits = sys.argv[1], sys.argv[2]
best, skipped = {}, []
for line in open(log):
    m = re.match(r'\s*\d+\s+\d+\s+[%sbn!]*\s*(\d)\s+(dev\.mobilenetsimd\.kernels\.\S+)', line)
    if not m:
        continue
    if 'COMPILE SKIPPED' in line:
        skipped.append(line.strip())
    elif 'made not entrant' not in line:
        best[m.group(2)] = max(best.get(m.group(2), 0), int(m.group(1)))
def watched(n):
    return '.Gemm' in n and '::tile' in n or '.Conv3x3::' in n and '::pack' not in n
stuck = sorted(n for n, t in best.items() if watched(n) and t < 4)
for s in skipped:
    print(f"{bits} bits: {s}")
for n in stuck:
    print(f"{bits} bits: {n} never reached tier 4")
tiles = sum(1 for n in best if watched(n))
print(f"{bits} bits: {tiles} tile and conv3x3 methods compiled, {len(stuck)} below tier 4,"
      f" {len(skipped)} skipped")
if tiles == 0:  # nothing checked is no pass
    print(f"{bits} bits: no tile or conv3x3 method in the PrintCompilation log ({log}): the"
          " driver or the method pattern is out of date")
sys.exit(1 if stuck or skipped or tiles == 0 else 0)
P
done
exit $status
