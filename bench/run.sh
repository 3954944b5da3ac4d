#!/usr/bin/env bash
# Benchmark suite: runs the JMH benchmarks of bench/ and generates reports/README.md and charts.
# A mode is required: with none (or an empty one) this help is printed and nothing runs, since a
# profile clears reports/data and then measures for half an hour or more.
#
#   bench/run.sh quick     # development profile, ~25-30 min (38 runs, `list quick`; 36 where
#                          # transparent huge pages are off): JDK 25 at 512 and 256 bits, a
#                          # subset of the layer shapes, every block step (512 bits only), 1 fork;
#                          # JDK 17's network and FMA peak; allocation per inference on JDK 25
#                          # and 17
#   bench/run.sh full      # everything, ~2.5 h (81 runs, about 660 forks; 77 where transparent
#                          # huge pages are off): JDK 25 and 17 side by side, 128/256/512 bits,
#                          # every shape and block (2 forks for the network and the peak, 1 for
#                          # kernels and blocks); run it on a quiet machine, ideally with
#                          # BENCH_CPU set
#   bench/run.sh report    # regenerate reports/ from the JSON in reports/data (no measuring)
#   bench/run.sh list quick|full     # print the runs a profile would make (after BENCH_ONLY),
#                                    # and exit
#   bench/run.sh alternate [PAIRS [A B]]   # NetworkBench 1.0/224 forks of setups A and B in
#                                    # turn, each first in every other pair (default 4 pairs
#                                    # of fused and layerwise), into
#                                    # reports/adhoc/alternate/ (alternate-A-vs-B/ for other
#                                    # setups); a setup is fused or layerwise (or unfused,
#                                    # the same: unfused-X is layerwise-X), optionally with
#                                    # -hugepages (-XX:+UseTransparentHugePages, Linux) and/or
#                                    # -nosafepoints (-XX:-UseCountedLoopSafepoints), and for
#                                    # alternate -batch8 (eight images per runBatch call) or
#                                    # -batch8-sequential (eight run calls); times per call
#   bench/run.sh paired [-- ARGS]    # fused and layer by layer in one JVM on shared weights,
#                                    # inferences in turn (PairedModes; ARGS e.g. --rounds 200,
#                                    # --threads 2) into reports/adhoc/paired.md
#                                    # (paired-threadsN.md with --threads N)
#   bench/run.sh paired-ort [-- ARGS]    # ours (fused) and ONNX Runtime in one JVM on the same
#                                    # weights, inferences in turn (PairedOrt; ARGS e.g.
#                                    # --rounds 600; one thread each) into
#                                    # reports/adhoc/paired-ort.md
#   bench/run.sh ab [REV] [-- ARGS]  # git revision REV (default HEAD) against the working tree
#                                    # in one JVM, inferences in turn (BuildAB; ARGS e.g.
#                                    # --variant 0.75/224, --steps 0-2 for steps run hot, or
#                                    # --pointwise 112x96x24 for layers; with REV = HEAD and
#                                    # --mode fused --mode-b layerwise, the two modes' steps)
#                                    # into reports/adhoc/ab-SHA.md (SHA: REV's short hash)
#   bench/run.sh paired-steps [-- ARGS]    # those per-step medians for fused and layer by layer
#                                    # in one JVM, in turn (PairedSteps; ARGS e.g. --rounds 400)
#                                    # into reports/adhoc/paired-steps.md
#   bench/run.sh kernel-calls [-- ARGS]    # every kernel call timed and charged to its layer,
#                                    # fused and layer by layer in one JVM, in turn
#                                    # (KernelCalls) into reports/adhoc/kernel-calls.md
#   bench/run.sh thread-steps [-- ARGS]    # each step on one thread and on a team (--threads 2)
#                                    # in one JVM, in turn, into reports/adhoc/thread-steps.md
#   bench/run.sh idle-latency [-- ARGS]    # inferences after an idle sleep (--gap MICROS), the
#                                    # team's workers woken ahead (as Session.run does) or by
#                                    # the first step, into reports/adhoc/idle-latency.md
#   bench/run.sh steps [SETUP] [-- ARGS]   # each step's median in network order and hot, in one
#                                    # JVM (StepProfile; ARGS e.g. --variant 0.5/224 --rounds 500)
#                                    # into reports/adhoc/steps-SETUP.md; SETUP as for alternate
#                                    # (default fused)
#   bench/run.sh NetworkBench BlockBench -- -f 1 -wi 3 -i 5   # ad hoc runs ($JAVA_HOME's JDK,
#                                    # else JDK 25) into reports/adhoc/<name>.json, not part of
#                                    # the generated report
#
# The one-JVM tools (steps, paired, paired-ort, paired-steps, ab, kernel-calls, thread-steps,
# idle-latency) write their report only when they succeed: a failed run (e.g. a mistyped ARGS)
# leaves the previous one in place; the same goes for an ad hoc run's JSON. The exit status is
# non-zero when any run failed. Ctrl-C, or SIGTERM to the script alone, stops every process it
# started (JVMs, JMH's forks, Maven) within seconds, then the script ends by that signal, not by
# an exit status, so that after Ctrl-C a calling shell loop stops as well (a SIGTERM to the script
# alone does not reach the loop, which goes on).
#
# A profile run clears reports/data/, then writes one JMH JSON file per run
# (reports/data/jdkNN/<name>.json), the full JMH log beside it (.log), the machine context
# (reports/data/machine.properties), and finally the report (reports/README.md, reports/charts/).
#
# Environment:
#   BENCH_BUILD_DIR   build directory (default target); use a private one on a shared machine
#   BENCH_NO_BUILD=1  skip the Maven build (classes already in BENCH_BUILD_DIR)
#   BENCH_REPORTS_DIR where data and report go (default reports)
#   BENCH_ONLY=REGEX  make only the runs whose jdkNN/name matches (e.g. 'Network|FmaPeak', 'jdk17/')
#   BENCH_KEEP=1      keep the results already in reports/data (add runs to them, e.g. with BENCH_ONLY)
#   BENCH_SMOKE=1     tiny iterations for every run (-f 1 -wi 1 -w 100ms -i 1 -r 100ms): checks the
#                     pipeline in a few minutes; the figures mean nothing
#   BENCH_CPU=N       pin the benchmark JVMs to CPU N with taskset (recommended on a quiet machine)
#   BENCH_NO_HOST_CHECK=1   skip the host check (HostCheck: the fused network in five ~1 s rounds
#                     after its warm-up, ~20 s) that a profile, alternate and the one-JVM tools
#                     record before and after measuring (not ad hoc JMH runs)
#   BENCH_WAIT_QUIET=MIN    before measuring, repeat the host check (a minute apart) until its
#                     spread is at most BENCH_QUIET_SPREAD (default 1.05), for up to MIN minutes;
#                     then measure anyway, and the recorded check says how long it waited
#   JDK25_HOME, JDK17_HOME   the JDKs (defaults: /usr/lib/jvm/temurin-25-jdk-amd64,
#                     /usr/lib/jvm/java-17-openjdk-amd64); a profile stops before building if
#                     one its runs need is missing (BENCH_ONLY can leave them out); the ad hoc
#                     modes use JAVA_HOME, else JDK25_HOME
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BENCH_BUILD_DIR:-target}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
JDK25_HOME=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JDK17_HOME=${JDK17_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
reports=${BENCH_REPORTS_DIR:-reports}
data=$reports/data
bench_src=bench/dev/mobilenetsimd/bench
case "${BENCH_WAIT_QUIET:-0}" in
  ''|*[!0-9]*) echo "BENCH_WAIT_QUIET must be whole minutes, got '$BENCH_WAIT_QUIET'" >&2; exit 2 ;;
esac
# Only a plain decimal: awk took '1.05x' as a string and compared the spread with it as text.
# At least 1, since the host check's spread is its slowest round over its fastest.
quiet_spread=${BENCH_QUIET_SPREAD:-1.05}
case "$quiet_spread" in
  *[!0-9.]*|.*|*.|*.*.*) quiet_spread= ;;
esac
if [ -z "$quiet_spread" ] || ! awk -v s="$quiet_spread" 'BEGIN { exit !(s + 0 >= 1) }'; then
  echo "BENCH_QUIET_SPREAD must be a plain decimal number >= 1 (the spread to wait for, slowest" \
       "host check round over fastest), such as 1.05 or 2, got '$BENCH_QUIET_SPREAD'" >&2
  exit 2
fi
# Checked now: a CPU taskset cannot pin to failed every run, after a profile had cleared its data.
if [ -n "${BENCH_CPU:-}" ] && ! err=$(taskset -c "$BENCH_CPU" true 2>&1); then
  echo "BENCH_CPU='$BENCH_CPU': taskset cannot pin to it (${err:-no taskset?}; CPUs online:" \
       "$(cat /sys/devices/system/cpu/online 2>/dev/null || echo '?'))" >&2
  exit 2
fi

log() { echo "$*" >&2; }

# Exit and interrupt handling. A background job of a script ignores SIGINT, and so do the JVMs it
# starts (and JMH's forks of them), so Ctrl-C during a profile left them measuring on, unseen: on
# INT or TERM every process this script started is stopped, then the script ends by that signal.
# at_exit adds a command to the EXIT trap rather than replacing the trap.
exit_cmds=()
at_exit() { exit_cmds+=("$1"); }
run_exit_cmds() { # the + form: bash before 4.4 took an empty array as unbound (set -u)
  local c
  for c in ${exit_cmds[@]+"${exit_cmds[@]}"}; do eval "$c" || true; done
}
# Every program this run starts inherits this mark, so that stop_all also finds one whose parent
# has exited (a fork left to init is no longer a descendant). The script's own subshells are
# descendants, and a program that clears its environment is found only as one.
run_mark="$$.$(date +%s%N)"
export MOBILENET_BENCH_RUN="$run_mark"
marked() { # the processes whose environment carries this run's mark
  grep -lsxz "MOBILENET_BENCH_RUN=$run_mark" /proc/[0-9]*/environ 2>/dev/null \
      | sed -n 's,^/proc/\([0-9]*\)/environ$,\1,p' || true
}
descendants() { # pid: its children, theirs, ... (from one listing of every process)
  ps -e -o pid=,ppid= 2>/dev/null | awk -v top="$1" '{ kids[$2] = kids[$2] " " $1 }
    END { n = split(kids[top], q, " ")
          for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], c, " ")
                                     for (j = 1; j <= m; j++) q[++n] = c[j] } }'
}
# proc_start pid: sets started to when the process started (clock ticks after boot), which tells it
# from a later one given the same PID, and comm to its name; status 1 if it has gone or is a zombie.
proc_start() {
  local stat
  { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
  comm=${stat#*(}; comm=${comm%)*}
  stat=${stat##*) } # the fields after the name, which may hold spaces and parentheses
  set -- $stat
  # a zombie has ended (a background subshell stopped before reaping it)
  case $1 in Z|X) return 1 ;; esac
  started=${20}
}
stop_all() { # signal name, exit status (should the signal not end this script)
  # SIGPIPE too, and the processes stopped before anything is said: with `run.sh quick 2>&1 |
  # tee log`, Ctrl-C stops tee as well, and the first message into its pipe killed this script
  # (SIGPIPE) before it had stopped anything, leaving the JVMs measuring.
  trap '' INT TERM PIPE
  # Listed again on every pass: a process started after the first listing (a fork that a JMH
  # parent launches as it is stopped, a child of Maven) was never signalled and measured on. Each
  # is known by PID and start time, so that a PID given to another process since is left alone.
  local seen="" still live new fresh names e p i started comm
  for i in 1 2 3 4 5 6 7 8 9 10 11; do
    new=""; names=""
    for p in $(descendants $$; marked); do
      proc_start "$p" || continue
      case " $seen " in *" $p:$started "*) continue ;; esac
      seen="$seen $p:$started"; new="$new $p:$started"; names="$names$comm"$'\n'
    done
    still=""; live=""; fresh="" # checked last, just before the signals
    for e in $seen; do
      if proc_start "${e%:*}" && [ "$started" = "${e#*:}" ]; then
        still="$still $e"; live="$live ${e%:*}"
        case " $new " in *" $e "*) fresh="$fresh ${e%:*}" ;; esac
      fi
    done
    seen=$still
    [ -n "$live" ] || break
    if [ "$i" = 11 ]; then
      kill -KILL $live 2>/dev/null || true # still there 5 s after SIGTERM (or started since)
    elif [ -n "$fresh" ]; then
      kill -TERM $fresh 2>/dev/null || true
    fi
    if [ -n "$fresh" ]; then
      names=$(printf '%s' "$names" | sort | uniq -c | awk '{printf " %s %s", $1, $2}') || true
      if [ "$i" = 1 ]; then
        log "$1: stopping what this run started:$names" || true
      else
        log "$1: stopping as well what started since:$names" || true
      fi
    fi
    sleep 0.5
  done
  # Killed by the signal, not `exit 130`: a calling shell, e.g. a loop running this script a few
  # times, goes on after a child's exit status and stops only when the child died of SIGINT.
  trap - EXIT
  run_exit_cmds
  trap - "$1"
  kill -"$1" $$
  exit "$2"
}
# Every JVM and Maven run goes through run_bg (or is put in the background likewise), but for the
# `java -version` ones, which answer at once: bash runs a trap only once its foreground child has
# ended, so SIGTERM to this script alone (not its group) waited for a JVM to finish; `wait` is
# interrupted at once. Its status is the command's.
run_bg() { "$@" & wait $!; }
trap run_exit_cmds EXIT
trap 'stop_all SIGINT 130' INT
trap 'stop_all SIGTERM 143' TERM
# The fused network in five ~1 s rounds (HostCheck): recorded before and after the runs, since an
# FMA probe stays fast while neighbours slow the cache-bound steps. BENCH_NO_HOST_CHECK=1 skips it.
# Its line goes into host_line, not to stdout: a trap waits for a command substitution to end, so
# `$(host_check)` kept SIGTERM waiting for the check (and BENCH_WAIT_QUIET's minutes).
host_check() {
  if [ "${BENCH_NO_HOST_CHECK:-}" = 1 ] || [ ! -x "$JDK25_HOME/bin/java" ]; then
    host_line="not run"
    return
  fi
  log "host check ($1) ..."
  if [ -z "${host_out:-}" ]; then
    host_out=$(mktemp "${TMPDIR:-/tmp}/bench-host-check.XXXXXX")
    at_exit 'rm -f "$host_out"'
  fi
  host_line=""
  if run_bg ${BENCH_CPU:+taskset -c "$BENCH_CPU"} "$JDK25_HOME/bin/java" \
      --add-modules jdk.incubator.vector -cp "$cp" dev.mobilenetsimd.bench.HostCheck \
      > "$host_out" 2>/dev/null; then
    host_line=$(tail -n 1 "$host_out")
  fi
  host_line=${host_line:-failed}
  log "    $host_line"
}

# The host check that starts a measurement: with BENCH_WAIT_QUIET=MIN, repeated until its spread
# is at most BENCH_QUIET_SPREAD (default 1.05) or MIN minutes have passed. Sets host_line.
host_check_before() {
  local line minutes=${BENCH_WAIT_QUIET:-0} limit=${BENCH_QUIET_SPREAD:-1.05}
  host_check start
  line=$host_line
  if [ "$minutes" -eq 0 ] || [ "$line" = "not run" ]; then return; fi
  local t0 spread
  t0=$(date +%s)
  while :; do
    spread=$(sed -n 's/.*(spread \([0-9.]*\)).*/\1/p' <<< "$line")
    if [ -n "$spread" ] && awk -v s="$spread" -v l="$limit" 'BEGIN { exit !(s <= l) }'; then
      break
    fi
    if [ $(( $(date +%s) - t0 )) -ge $(( minutes * 60 )) ]; then
      line="$line; still above $limit after $minutes min"
      break
    fi
    log "host disturbed (${line:-no check}); checking again in a minute"
    run_bg sleep 60
    host_check start
    line=$host_line
  done
  local waited=$(( $(date +%s) - t0 ))
  [ "$waited" -lt 5 ] || line="$line (after waiting $(( waited / 60 )) min)"
  host_line=$line
}

build_classes() {
  if [ "${BENCH_NO_BUILD:-}" = 1 ]; then
    log "using the classes already in $build (BENCH_NO_BUILD=1)"
  else
    log "building benchmarks into $build ..."
    run_bg mvn -B -q -ntp -Dstyle.color=never -DbuildDir="$build" test-compile \
        dependency:build-classpath -Dmdep.outputFile="$build/bench-classpath.txt" \
        -Dmdep.includeScope=test >&2
  fi
  cp="$build/classes:$build/test-classes:$(cat "$build/bench-classpath.txt")"
}

report() {
  log "generating $reports/README.md ..."
  local java=$JDK25_HOME/bin/java
  [ -x "$java" ] || java=${JAVA_HOME:+$JAVA_HOME/bin/}java
  run_bg "$java" -Djava.awt.headless=true --add-modules jdk.incubator.vector -cp "$cp" \
      dev.mobilenetsimd.bench.report.ReportGenerator "$data" "$reports" 2> >(grep -v 'incubator' >&2)
}

# A setup: fused or layerwise (also named unfused: unfused-X is layerwise-X), then optional
# -batch8 (eight images per runBatch call) or -batch8-sequential (eight run calls), and JVM
# options -hugepages (-XX:+UseTransparentHugePages) and -nosafepoints
# (-XX:-UseCountedLoopSafepoints). Sets setup_name (the setup, unfused spelt layerwise, as the
# reports name it), setup_mode, setup_flags, setup_batch and setup_schedule.
parse_setup() { # command, setup
  setup_name=$2
  case "$setup_name" in unfused|unfused-*) setup_name=layerwise${setup_name#unfused} ;; esac
  local base=$setup_name flags=""
  setup_batch=1; setup_schedule=grouped
  while :; do
    case "$base" in
      *-hugepages) base=${base%-hugepages}; flags="-XX:+UseTransparentHugePages $flags" ;;
      *-nosafepoints) base=${base%-nosafepoints}; flags="-XX:-UseCountedLoopSafepoints $flags" ;;
      *-sequential) base=${base%-sequential}; setup_schedule=sequential ;;
      *-batch8) base=${base%-batch8}; setup_batch=8 ;;
      *) break ;;
    esac
  done
  if [ "$1" = steps ] && [ "$setup_batch$setup_schedule" != 1grouped ]; then
    log "steps: '$2': StepProfile runs one image at a time"; exit 2
  fi
  if [ "$setup_batch$setup_schedule" = 1sequential ]; then
    log "$1: '$2': -sequential goes with -batch8 (e.g. fused-batch8-sequential)"; exit 2
  fi
  case "$base" in
    fused|layerwise) setup_mode=$base; setup_flags=${flags% } ;;
    *) log "$1: unknown setup '$2' (expected fused or layerwise, or unfused for layerwise," \
           "optionally followed by -batch8[-sequential], -hugepages and/or -nosafepoints)"
       exit 2 ;;
  esac
}

# Runs one of the one-JVM tools (StepProfile, PairedModes, BuildAB) with JVM flags FLAGS and the
# given arguments, into OUT: a first line TITLE with the JVM and the time, the host check before,
# the tool's output, the host check after. Written beside OUT first and moved over it only when
# the tool succeeds: a mistyped argument used to truncate the committed report.
adhoc_tool() { # out, title, flags, main class, args...
  local out=$1 title=$2 flags=$3 main=$4 rc=0
  shift 4
  mkdir -p "$reports/adhoc"
  adhoc_tmp=$(dirname "$out")/.$(basename "$out").$$.tmp
  at_exit 'rm -f "$adhoc_tmp"'
  local first
  first="$title, $("$JAVA_HOME/bin/java" -version 2>&1 | head -1),"
  host_check_before # with BENCH_WAIT_QUIET, until the host is quiet: the date is after it
  first="$first $(date -u '+%Y-%m-%d %H:%M UTC')."
  printf '%s\n' "$first" "Host check before: $host_line." "" > "$adhoc_tmp"
  # shellcheck disable=SC2086  # the flags are word-split on purpose
  { ${BENCH_CPU:+taskset -c "$BENCH_CPU"} "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector \
      $flags -cp "$cp" "$main" "$@" 2> >(grep -v 'incubator' >&2) | tee -a "$adhoc_tmp"; } &
  wait $! || rc=$?
  if [ "$rc" != 0 ]; then
    log "${main##*.} failed (exit status $rc): $out $([ -e "$out" ] && echo "left as it was" \
        || echo "not written")"
    exit "$rc"
  fi
  host_check end
  printf '\n%s\n' "Host check after: $host_line." >> "$adhoc_tmp"
  mv -f "$adhoc_tmp" "$out"
  log "written to $out"
}

# The JDK of the ad hoc modes (JAVA_HOME, else JDK25_HOME), checked before anything is built or
# cleared: a missing one failed only at the first fork, after alternate had emptied its folder.
adhoc_jdk() { # mode
  JAVA_HOME=${JAVA_HOME:-$JDK25_HOME}
  if [ ! -x "$JAVA_HOME/bin/java" ]; then
    log "$1: no java at $JAVA_HOME/bin/java (set JAVA_HOME, or JDK25_HOME)"; exit 2
  fi
}

# The benchmarks of bench/ as JMH names them (package.Class.method), to check an ad hoc run's
# names before building: a misspelt one (or mode, such as 'qiuck') built the classes, then JMH
# found nothing to run and left an empty JSON file in reports/adhoc.
bench_names() {
  local f cls
  while IFS= read -r f; do
    cls=${f#bench/}; cls=${cls%.java}; cls=${cls//\//.}
    awk -v cls="$cls" '/@Benchmark([^A-Za-z]|$)/ { want = 1; next }
        want && /^[ \t]*@/ { next }
        want && match($0, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/) {
          name = substr($0, RSTART, RLENGTH); sub(/[ \t]*\($/, "", name)
          print cls "." name; want = 0 }' "$f"
  done < <(grep -rl --include='*.java' '@Benchmark' bench)
}

usage() { sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^#//'; }

# ---- ad hoc mode (the old interface) -------------------------------------------------------------
case "${1:-}" in
  -h|--help)
    usage
    exit 0
    ;;
  '')
    # No default mode: `bench/run.sh` alone used to run quick, clearing reports/data.
    usage >&2
    log "bench/run.sh: no mode given (e.g. quick, full, report, list quick, steps, ab: see above)"
    exit 2
    ;;
  quick|full|report)
    # Their settings are fixed: extra words (e.g. '-- -f 1') were ignored without a word.
    if [ $# -gt 1 ]; then
      log "$1 takes no arguments, got '${*:2}'$([ "$1" = report ] || echo " (tiny iterations:" \
          "BENCH_SMOKE=1; a selection: BENCH_ONLY=REGEX; JMH options of your own: an ad hoc run," \
          "e.g. bench/run.sh NetworkBench -- -f 1)")"
      exit 2
    fi ;;
  list)
    if [ $# -gt 2 ]; then log "list takes one profile, quick or full, got '${*:2}'"; exit 2; fi ;;
  steps)
    # Each step's median in network order and hot, in one JVM (dev.mobilenetsimd.StepProfile).
    # SETUP is optional, also before '--' (`steps -- --rounds 5` is fused).
    if [ $# -ge 2 ] && [ "$2" != "--" ]; then setup=$2; shift 2; else setup=fused; shift; fi
    parse_setup steps "$setup"
    setup=$setup_name
    [ "${1:-}" = "--" ] && shift
    adhoc_jdk steps
    build_classes
    adhoc_tool "$reports/adhoc/steps-$setup.md" \
        "StepProfile, $setup${setup_flags:+ ($setup_flags)}${*:+ $*}" "$setup_flags" \
        dev.mobilenetsimd.StepProfile --mode "$setup_mode" "$@"
    exit 0 ;;
  paired-steps)
    # StepProfile's per-step times for fused and layer by layer in one JVM, in turn
    # (dev.mobilenetsimd.PairedSteps); ARGS as for it, e.g. --rounds 400.
    shift
    [ "${1:-}" = "--" ] && shift
    adhoc_jdk paired-steps
    build_classes
    adhoc_tool "$reports/adhoc/paired-steps.md" "PairedSteps${*:+ $*}" "" \
        dev.mobilenetsimd.PairedSteps "$@"
    exit 0 ;;
  kernel-calls)
    # Every kernel call of a fused and a layer-by-layer inference, timed and charged to its layer
    # (dev.mobilenetsimd.KernelCalls); ARGS as for it, e.g. --rounds 400.
    shift
    [ "${1:-}" = "--" ] && shift
    adhoc_jdk kernel-calls
    build_classes
    adhoc_tool "$reports/adhoc/kernel-calls.md" "KernelCalls${*:+ $*}" "" \
        dev.mobilenetsimd.KernelCalls "$@"
    exit 0 ;;
  idle-latency)
    # Inferences after an idle sleep, the team's pool woken ahead or not
    # (dev.mobilenetsimd.IdleLatency); ARGS as for it, e.g. --gap 3000 --rounds 300.
    shift
    [ "${1:-}" = "--" ] && shift
    adhoc_jdk idle-latency
    build_classes
    adhoc_tool "$reports/adhoc/idle-latency.md" "IdleLatency${*:+ $*}" "" \
        dev.mobilenetsimd.IdleLatency "$@"
    exit 0 ;;
  thread-steps)
    # Each step on one thread and on a team of threads, in one JVM, in turn
    # (dev.mobilenetsimd.ThreadSteps); ARGS as for it, e.g. --threads 2 --mode layerwise.
    shift
    [ "${1:-}" = "--" ] && shift
    adhoc_jdk thread-steps
    build_classes
    adhoc_tool "$reports/adhoc/thread-steps.md" "ThreadSteps${*:+ $*}" "" \
        dev.mobilenetsimd.ThreadSteps "$@"
    exit 0 ;;
  paired)
    # Fused and layer by layer in one JVM on shared weights, inferences in turn
    # (dev.mobilenetsimd.PairedModes); ARGS as for it, e.g. --rounds 200.
    shift
    [ "${1:-}" = "--" ] && shift
    adhoc_jdk paired
    build_classes
    out=paired
    args=("$@")
    for ((i = 0; i + 1 < ${#args[@]}; i++)); do   # a team of threads: a report of its own
      if [ "${args[i]}" = --threads ] && [ "${args[i + 1]}" != 1 ]; then
        out=paired-threads${args[i + 1]}
      fi
    done
    adhoc_tool "$reports/adhoc/$out.md" "PairedModes${*:+ $*}" "" dev.mobilenetsimd.PairedModes \
        "$@"
    exit 0 ;;
  paired-ort)
    # Ours (fused) and ONNX Runtime in one JVM, inferences in turn (dev.mobilenetsimd.PairedOrt);
    # ARGS as for it, e.g. --rounds 200.
    shift
    [ "${1:-}" = "--" ] && shift
    adhoc_jdk paired-ort
    build_classes
    adhoc_tool "$reports/adhoc/paired-ort.md" "PairedOrt${*:+ $*}" "" dev.mobilenetsimd.PairedOrt \
        "$@"
    exit 0 ;;
  ab)
    # Build A = a git revision (default HEAD), build B = the working tree, in one JVM, timed in
    # turn (dev.mobilenetsimd.BuildAB); ARGS as for it, e.g. --variant 0.75/224 --rounds 400.
    rev=HEAD
    if [ $# -ge 2 ] && [ "$2" != "--" ]; then rev=$2; shift; fi
    shift
    [ "${1:-}" = "--" ] && shift
    sha=$(git rev-parse --short "$rev^{commit}") || { log "ab: '$rev' is not a revision"; exit 2; }
    adhoc_jdk ab
    build_classes
    tree=$(mktemp -d "${TMPDIR:-/tmp}/mobilenet-ab-$sha.XXXXXX")
    at_exit 'rm -rf "$tree"'
    log "building $sha (build A) in $tree ..."
    git archive "$sha" | tar -x -C "$tree"
    (cd "$tree" && exec mvn -B -q -ntp -Dstyle.color=never -DbuildDir="$tree/build" compile >&2) &
    wait $!
    adhoc_tool "$reports/adhoc/ab-$sha.md" "BuildAB: A = $sha, B = the working tree${*:+; $*}" \
        "" dev.mobilenetsimd.BuildAB "$tree/build/classes" "$build/classes" "$@"
    exit 0 ;;
  alternate)
    # The forks of two setups in turn, PAIRS times: a minute of host load then hits both sides,
    # where a profile measures one setup after the other.
    pairs=${2:-4}
    setups=("${3:-fused}" "${4:-layerwise}")
    if [ $# -eq 3 ] || [ $# -gt 4 ]; then
      log "alternate takes PAIRS and two setups or none, e.g. 'alternate 8 fused fused-hugepages'"
      exit 2
    fi
    case "$pairs" in ''|*[!0-9]*|0)
      log "alternate: PAIRS must be a positive number, got '$pairs'"; exit 2 ;; esac
    backends=(); jvm_args=(); batches=(); schedules=()
    for k in 0 1; do
      parse_setup alternate "${setups[$k]}"
      setups[k]=$setup_name   # unfused as layerwise: the folder and summary name it so
      backends+=("vector-$setup_mode"); jvm_args+=("$setup_flags")
      batches+=("$setup_batch"); schedules+=("$setup_schedule")
    done
    adhoc_jdk alternate
    build_classes
    out=$reports/adhoc/alternate
    [ "${setups[*]}" = "fused layerwise" ] || out=$out-${setups[0]}-vs-${setups[1]}
    mkdir -p "$out"
    # a fresh set: pairs left from a longer earlier run would not match the new summary
    rm -f "$out"/*.json "$out"/*.log
    host_check_before
    echo "host check before: $host_line" > "$out/summary.txt"
    failed=0
    for i in $(seq "$pairs"); do
      medians=()
      # Each setup first in every other pair (A B, B A, A B, ...): with A always first, a host
      # that sped up or slowed down during the run (0.5-2.5% per pair in earlier summaries)
      # favoured one side in every pair.
      order="0 1"; [ $((i % 2)) = 0 ] && order="1 0"
      for k in $order; do
        log "pair $i/$pairs: ${setups[$k]} ..."
        run_log=$out/vector-${setups[$k]}-$i.log
        rc=0
        run_bg ${BENCH_CPU:+taskset -c "$BENCH_CPU"} "$JAVA_HOME/bin/java" \
            --add-modules jdk.incubator.vector \
            -cp "$cp" org.openjdk.jmh.Main '\.NetworkBench\.' -p variant=1.0/224 \
            -p batch="${batches[$k]}" -p schedule="${schedules[$k]}" \
            -p threads=1 -p backend="${backends[$k]}" -f 1 -wi 10 -w 1s -i 3 -r 1s \
            ${jvm_args[$k]:+-jvmArgsAppend "${jvm_args[$k]}"} -rf json \
            -rff "$out/vector-${setups[$k]}-$i.json" > "$run_log" 2>&1 || rc=$?
        # Named and counted: a '<failure>' (JMH exits 0) left no median, whose grep then ended
        # the script (pipefail) without a word, as a failed JVM did (set -e).
        if [ "$rc" != 0 ] || grep -q '<failure>' "$run_log"; then
          failed=$((failed + 1))
          log "    FAILED: exit status $rc, $(grep -c '<failure>' "$run_log") <failure>," \
              "see $run_log"
        fi
        m=$(grep -E 'inference:p0\.50 ' "$run_log" | awk '{print $(NF-1)}' || true)
        medians[k]=${m:-?}
      done
      ratio=$(awk -v a="${medians[0]}" -v b="${medians[1]}" \
          'BEGIN { if (a + 0 > 0) printf "%.3f", b / a; else print "?" }')
      echo "pair $i: ${setups[0]} ${medians[0]} ms ${setups[1]} ${medians[1]} ms," \
          "${setups[1]} / ${setups[0]} $ratio (${setups[${order%% *}]} first)" \
          | tee -a "$out/summary.txt"
    done
    host_check end
    echo "host check after: $host_line" >> "$out/summary.txt"
    if [ "$failed" != 0 ]; then log "$failed of $((2 * pairs)) alternate run(s) failed"; exit 1; fi
    exit 0 ;;
  *)
    benches=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do benches+=("$1"); shift; done
    [ "${1:-}" = "--" ] && shift
    [ ${#benches[@]} -gt 0 ] || { log "no benchmark named before '--' (see --help)"; exit 2; }
    names=$(bench_names)
    for b in "${benches[@]}"; do
      found=0; grep -qP -- "$b" <<< "$names" || found=$? # 2: not a regex grep knows; JMH decides
      if [ "$found" = 1 ]; then
        log "no benchmark of bench/ matches '$b' (a JMH regex on package.Class.method, e.g." \
            "NetworkBench), and it is no mode (quick, full, report, list, alternate, ...: --help)"
        exit 2
      fi
    done
    adhoc_jdk "${benches[0]}"
    build_classes
    mkdir -p "$reports/adhoc"
    # As in the profiles, a benchmark that threw shows '<failure>' (JMH still exits 0): the JSON
    # goes beside the previous one and replaces it only when no run failed.
    adhoc_tmp=""; adhoc_log=""
    at_exit 'rm -f "$adhoc_tmp" "$adhoc_log"'
    failed=0
    for b in "${benches[@]}"; do
      json=$reports/adhoc/$b.json
      adhoc_tmp=$reports/adhoc/.$b.json.$$.tmp; adhoc_log=$adhoc_tmp.log
      log "running $b on $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) ..."
      rc=0
      { ${BENCH_CPU:+taskset -c "$BENCH_CPU"} "$JAVA_HOME/bin/java" \
          --add-modules jdk.incubator.vector -cp "$cp" org.openjdk.jmh.Main "$b" -rf json \
          -rff "$adhoc_tmp" "$@" | tee "$adhoc_log"; } &
      wait $! || rc=$?
      if [ "$rc" != 0 ] || grep -q '<failure>' "$adhoc_log"; then
        failed=$((failed + 1))
        log "FAILED: $b (exit status $rc, $(grep -c '<failure>' "$adhoc_log") <failure>):" \
            "$json left as it was"
      elif [ -f "$adhoc_tmp" ]; then
        mv -f "$adhoc_tmp" "$json"
        log "written to $json"
      else
        log "$b: JMH wrote no JSON (an -rff of your own?): $json left as it was"
      fi
      rm -f "$adhoc_tmp" "$adhoc_log"
    done
    if [ "$failed" != 0 ]; then log "$failed of ${#benches[@]} ad hoc run(s) failed"; exit 1; fi
    exit 0 ;;
esac

mode=$1
if [ "$mode" = report ]; then
  build_classes
  report
  exit 0
fi
profile=$mode
[ "$mode" = list ] && profile=${2:-}
case "$profile" in
  quick|full) ;;
  *) log "list: expected a profile, quick or full, got '$profile'"; exit 2 ;; # was: full's list
esac

# ---- the profiles ----------------------------------------------------------------------------------
# Each run: "jdk|file name|benchmark regex|JMH options". One JSON file per run.
runs=()
add() { if [[ -z "${BENCH_ONLY:-}" || "jdk$1/$2" =~ ${BENCH_ONLY} ]]; then runs+=("$1|$2|$3|$4"); fi; }

# Whether a benchmark class exists in bench/ and declares a @Param field of that name.
has_class() { [ -f "$bench_src/$1.java" ]; }
has_param() { grep -Eq "public [A-Za-z]+ $2;" "$bench_src/$1.java" 2>/dev/null; }
# Both batch schedules where NetworkBench has them.
sched() { if has_param NetworkBench schedule; then echo "-p schedule=grouped,sequential"; fi; }

# Kernel benchmarks by the other engineers (included when present).
KERNEL_BENCHES=(PointwiseBench DepthwiseBench StemBench HeadBench)

if [ "$profile" = quick ]; then
  JDKS=(25)
  WIDTHS=(512 256)
  BLOCK_WIDTHS=(512)
  # Warm-up >= 3 s: the big GEMM microkernels are too large for C1 and run interpreted until C2
  # has compiled them (see PointwiseBench).
  KOPT="-f 1 -wi 3 -w 1s -i 5 -r 300ms"
  NOPT="-f 1 -wi 10 -w 1s -i 3 -r 1s"
  B8OPT="-f 1 -wi 10 -w 1s -i 3 -r 1s"
  BOPT="-f 1 -wi 3 -w 1s -i 5 -r 300ms"
  POPT="-f 1 -wi 3 -w 300ms -i 5 -r 300ms"
  AOPT="-f 1 -wi 10 -w 1s -i 5 -r 1s -prof gc"
  MAXVEC=(32 16)
  PSOPT="--rounds 400"
  # A subset of the layer shapes: the first and last layers and a few in between.
  SHAPES_PointwiseBench="12544x32x16,12544x16x96,3136x96x24,3136x24x144,784x192x32+r,196x384x64+r"
  SHAPES_PointwiseBench+=",49x960x320,49x320x1280"
  SHAPES_DepthwiseBench="112x32s1,56x144s2,14x576s1,7x960s1"
else
  JDKS=(25 17)
  WIDTHS=(512 256 128)
  BLOCK_WIDTHS=(512 256)
  KOPT="-f 1 -wi 5 -w 1s -i 8 -r 500ms"
  NOPT="-f 2 -wi 10 -w 1s -i 5 -r 2s"
  B8OPT="-f 1 -wi 6 -w 2s -i 5 -r 2s"
  BOPT="-f 1 -wi 5 -w 1s -i 8 -r 500ms"
  POPT="-f 2 -wi 3 -w 1s -i 5 -r 1s"
  AOPT="-f 1 -wi 10 -w 1s -i 5 -r 1s -prof gc"
  MAXVEC=(32 16)
  PSOPT="--rounds 1000"
fi
# Network runs warm up for 10 iterations on both JDKs. The first inference takes 3-6 s (the
# Vector API before C2, boxing every vector), and C2 finishes the kernels and the runtime some
# 10-13 s after the JVM starts on this 2-core host, so 4 warm-up seconds sometimes left the
# measured iterations mid-compilation (session 15: fused 1.0/224 at 5.9, 5.2 ms against 4.2; JDK
# 17 needed 10 on the Xeon already).
if [ "${BENCH_SMOKE:-}" = 1 ]; then
  KOPT="-f 1 -wi 1 -w 100ms -i 1 -r 100ms"; NOPT=$KOPT; B8OPT=$KOPT; BOPT=$KOPT; POPT=$KOPT
  AOPT="$KOPT -prof gc"; PSOPT="--warmup 1 --rounds 10"
fi
NOSW="-jvmArgsAppend -XX:-UseSuperWord"
vbits() { echo "-jvmArgsAppend -Dmobilenet.vectorBits=$1"; }

for jdk in "${JDKS[@]}"; do
  add "$jdk" FmaPeakBench 'FmaPeakBench' "$POPT"
  for k in "${KERNEL_BENCHES[@]}"; do
    has_class "$k" || { log "note: $k not found in bench/: skipped"; continue; }
    extra=""
    shapes_var="SHAPES_$k"
    if [ -n "${!shapes_var:-}" ] && has_param "$k" shape; then extra="-p shape=${!shapes_var}"; fi
    if has_param "$k" backend; then
      for w in "${WIDTHS[@]}"; do
        wp=""; has_param "$k" vectorBits && wp="-p vectorBits=$w"
        add "$jdk" "$k-vector-$w" "\\.$k\\." "$KOPT -p backend=vector $wp $(vbits "$w") $extra"
      done
      add "$jdk" "$k-scalar" "\\.$k\\." "$KOPT -p backend=scalar $extra"
      add "$jdk" "$k-scalar-nosuperword" "\\.$k\\." "$KOPT -p backend=scalar $NOSW $extra"
    else
      log "note: $k has no 'backend' @Param: measured as it is, per width"
      for w in "${WIDTHS[@]}"; do add "$jdk" "$k-$w" "\\.$k\\." "$KOPT $(vbits "$w") $extra"; done
    fi
  done
  # Blocks: the vector backend, fused vs layer-by-layer, every step (quick: at 512 bits only);
  # more than one width on JDK 25 only.
  if [ "$jdk" = 25 ]; then bw=("${BLOCK_WIDTHS[@]}"); else bw=(512); fi
  # Each step's two forks run back to back, fused first on the even steps and layer by layer first
  # on the odd ones (JMH runs a parameter's values in the order given): with one order for every
  # step, a host drifting during the run favoured one mode throughout (as alternate's did).
  for w in "${bw[@]}"; do
    add "$jdk" "BlockBench-$w" '\.BlockBench\.' \
        "$BOPT -p step=0,2,4,6,8,10,12,14,16,18,20 -p strategy=FUSED,LAYERWISE $(vbits "$w")"
    add "$jdk" "BlockBench-$w-layerwise-first" '\.BlockBench\.' \
        "$BOPT -p step=1,3,5,7,9,11,13,15,17,19 -p strategy=LAYERWISE,FUSED $(vbits "$w")"
  done
  # Whole networks, batch 1: every variant, both vector modes per width, scalar twice.
  for w in "${WIDTHS[@]}"; do
    add "$jdk" "NetworkBench-vector-$w" '\.NetworkBench\.' \
        "$NOPT -p batch=1 -p backend=vector-fused,vector-layerwise $(vbits "$w")"
  done
  add "$jdk" NetworkBench-scalar '\.NetworkBench\.' "$NOPT -p batch=1 -p backend=scalar"
  add "$jdk" NetworkBench-scalar-nosuperword '\.NetworkBench\.' "$NOPT -p batch=1 -p backend=scalar $NOSW"
  # Batch 8 (1.0/224): one runBatch call (grouped) and eight run calls (sequential).
  for w in "${WIDTHS[@]}"; do
    add "$jdk" "NetworkBench-batch8-vector-$w" '\.NetworkBench\.' \
        "$B8OPT -p batch=8 -p variant=1.0/224 -p backend=vector-fused,vector-layerwise $(vbits "$w") $(sched)"
  done
  # both schedules, so that each vector row's "x scalar" is against the scalar run of its own
  add "$jdk" NetworkBench-batch8-scalar '\.NetworkBench\.' "$B8OPT -p batch=8 -p variant=1.0/224 -p backend=scalar $(sched)"
  # Intra-op parallelism: one image split across 2 threads (1.0/224, fused, widest width).
  if has_param NetworkBench threads; then
    add "$jdk" "NetworkBench-threads2-vector-${WIDTHS[0]}" '\.NetworkBench\.' \
        "$NOPT -p batch=1 -p threads=2 -p variant=1.0/224 -p backend=vector-fused $(vbits "${WIDTHS[0]}")"
    add "$jdk" "NetworkBench-batch8-threads2-vector-${WIDTHS[0]}" '\.NetworkBench\.' \
        "$B8OPT -p batch=8 -p threads=2 -p variant=1.0/224 -p backend=vector-fused $(vbits "${WIDTHS[0]}")"
  fi
  # The heap on transparent huge pages (where the kernel's THP mode is madvise, the JVM asks for
  # them only with this flag): fewer TLB misses while the 14 MB of weights stream from L3.
  if ! grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    add "$jdk" "NetworkBench-hugepages-vector-${WIDTHS[0]}" '\.NetworkBench\.' \
        "$NOPT -p batch=1 -p variant=1.0/224 -p backend=vector-fused,vector-layerwise $(vbits "${WIDTHS[0]}") -jvmArgsAppend -XX:+UseTransparentHugePages"
    # Both JVM options the README recommends: also without safepoint polls in counted loops.
    add "$jdk" "NetworkBench-jvmoptions-vector-${WIDTHS[0]}" '\.NetworkBench\.' \
        "$NOPT -p batch=1 -p variant=1.0/224 -p backend=vector-fused,vector-layerwise $(vbits "${WIDTHS[0]}") -jvmArgsAppend -XX:+UseTransparentHugePages -jvmArgsAppend -XX:-UseCountedLoopSafepoints"
  fi
  # Each step fused and layer by layer in one JVM, in turn (not JMH; JDK 25 only).
  if [ "$jdk" = 25 ] && [ -f bench/dev/mobilenetsimd/PairedSteps.java ]; then
    add "$jdk" PairedSteps tool:PairedSteps "$PSOPT"
  fi
  # Bytes allocated per inference in steady state (JMH's GC profiler): ~0 once compiled.
  add "$jdk" AllocationBench '\.AllocationBench\.' "$AOPT"
  # The JVM's own cap on the vector size, preferred species (no -Dmobilenet.vectorBits).
  for m in "${MAXVEC[@]}"; do
    add "$jdk" "NetworkBench-maxvector-$m" '\.NetworkBench\.' \
        "$NOPT -p batch=1 -p variant=1.0/224 -p backend=vector-fused,vector-layerwise -jvmArgsAppend -XX:MaxVectorSize=$m"
  done
done
# Quick profile: JDK 17 beside 25 for the headline figures only (peak, 1.0/224 network).
if [ "$profile" = quick ]; then
  add 17 FmaPeakBench 'FmaPeakBench' "$POPT"
  add 17 NetworkBench-vector-512 '\.NetworkBench\.' \
      "$NOPT -p batch=1 -p variant=1.0/224 -p backend=vector-fused,vector-layerwise $(vbits 512)"
  add 17 NetworkBench-scalar '\.NetworkBench\.' "$NOPT -p batch=1 -p variant=1.0/224 -p backend=scalar"
  add 17 AllocationBench '\.AllocationBench\.' "$AOPT"
fi

# An empty selection (a BENCH_ONLY matching nothing) used to build, clear reports/data and write
# a report of 0 results.
if [ ${#runs[@]} -eq 0 ]; then
  rc=0; [[ x =~ ${BENCH_ONLY:-} ]] || rc=$?
  why="it is matched against jdkNN/<name>; 'list $profile' without BENCH_ONLY shows the names"
  [ "$rc" != 2 ] || why="it is not a valid regular expression"
  [ "$mode" = list ] || why="$why; nothing was built or cleared"
  log "BENCH_ONLY='${BENCH_ONLY:-}' selects none of the $profile profile's runs ($why)"
  exit 2
fi
if [ "$mode" = list ]; then
  for r in "${runs[@]}"; do echo "$r"; done
  echo "${#runs[@]} runs" >&2
  exit 0
fi

# ---- measure ---------------------------------------------------------------------------------------
jdk_home() { case $1 in 25) echo "$JDK25_HOME" ;; 17) echo "$JDK17_HOME" ;; esac; }
# Every JDK the runs need, before building and clearing reports/data: a missing JDK 25 skipped
# nearly every run of a profile, after its data had been deleted.
for jdk in $(printf '%s\n' "${runs[@]}" | cut -d'|' -f1 | sort -ru); do
  if [ ! -x "$(jdk_home "$jdk")/bin/java" ]; then
    log "JDK $jdk not found at $(jdk_home "$jdk")/bin/java (set JDK${jdk}_HOME), and $profile" \
        "would skip its $(printf '%s\n' "${runs[@]}" | grep -c "^$jdk|") runs after clearing" \
        "$data; to make only the others: BENCH_ONLY='jdk$([ "$jdk" = 25 ] && echo 17 || echo 25)/'"
    exit 2
  fi
done
build_classes
if [ "${BENCH_KEEP:-}" != 1 ]; then rm -rf "$data"; fi
mkdir -p "$data"
host_check_before # before the clock starts: elapsed is the runs' time only
check_start=$host_line
start=$(date +%s)

hms() { local s=$1; printf '%d:%02d:%02d' $((s / 3600)) $((s % 3600 / 60)) $((s % 60)); }

# Machine context, recorded now (the report may be regenerated elsewhere later). Runs added with
# BENCH_KEEP=1 keep the original context and are listed as re-measured, with their date and load.
props="$data/machine.properties"
keep_props=""
if [ "${BENCH_KEEP:-}" = 1 ] && [ -f "$props" ]; then
  keep_props=1
  k=$(grep -c '^remeasured\.' "$props" || true)
  remeasured_key="remeasured.$k" # its line gets the host check after the runs too
  names=$(printf '%s\n' "${runs[@]}" | cut -d'|' -f1,2 | sed 's/^/jdk/; s/|/\//' | paste -sd' ' -)
  echo "$remeasured_key=$(date -u '+%Y-%m-%d %H:%M UTC') (profile $profile;" \
      "load $(cut -d' ' -f1-3 /proc/loadavg);" \
      "host check before: $check_start): $names" >> "$props"
else
{
  echo "profile=$profile"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu.model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cpu.logical=$(nproc --all)"
  echo "cpu.cores=$(grep -m1 'cpu cores' /proc/cpuinfo | cut -d: -f2- | tr -d ' ')"
  echo "cpu.mhz=$(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2- | tr -d ' ')"
  echo "cpu.flags=$(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "cache.l2=$(grep -m1 'cache size' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory=$(grep -m1 MemTotal /proc/meminfo | cut -d: -f2- | sed 's/^ *//')"
  echo "kernel=$(uname -sr)"
  echo "pinned.cpu=${BENCH_CPU:-none}"
  echo "load.start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "host.check.start=$check_start"
  for jdk in $(printf '%s\n' "${runs[@]}" | cut -d'|' -f1 | sort -ru); do # quick runs 17 too
    j=$(jdk_home "$jdk")/bin/java
    [ -x "$j" ] || continue
    echo "jdk$jdk.version=$("$j" -version 2>&1 | grep -m1 -i 'runtime environment' | sed 's/^ *//')"
    echo "jdk$jdk.flags=$("$j" -XX:+PrintFlagsFinal -version 2>/dev/null \
        | awk '$2 ~ /^(UseAVX|MaxVectorSize|UseSuperWord|UseFMA|UseCompressedOops|UseG1GC|UseParallelGC)$/ {printf "%s=%s ", $2, $4}')"
  done
  echo "jmh.kernels=$KOPT"
  echo "jmh.network=$NOPT"
  echo "jmh.network.batch8=$B8OPT"
  echo "jmh.blocks=$BOPT"
  echo "jmh.peak=$POPT"
  echo "jmh.allocation=$AOPT"
} > "$props"
fi

n=0
total=${#runs[@]}
failed=0
for r in "${runs[@]}"; do
  IFS='|' read -r jdk name regex opts <<< "$r"
  n=$((n + 1))
  java=$(jdk_home "$jdk")/bin/java
  now=$(date +%s)
  el=$((now - start))
  eta=""
  [ "$n" -gt 1 ] && eta=", ~$(hms $((el * (total - n + 1) / (n - 1)))) left"
  log ""
  log "=== [$n/$total] JDK $jdk: $name   (elapsed $(hms "$el")$eta)"
  if [ ! -x "$java" ]; then
    failed=$((failed + 1)); log "    JDK $jdk not found at $java: skipped"; continue
  fi
  mkdir -p "$data/jdk$jdk"
  out="$data/jdk$jdk/$name"
  if [[ "$regex" == tool:* ]]; then # a one-JVM tool, not JMH: its markdown into $out.md
    # Written beside it and moved over it only on success: a failed run left an empty $out.md,
    # which the report showed as the tool's table (and, with BENCH_KEEP=1, lost the previous).
    tool_tmp="$data/jdk$jdk/.$name.md.tmp"
    at_exit 'rm -f "$tool_tmp"'
    # shellcheck disable=SC2086  # opts are word-split on purpose
    if run_bg ${BENCH_CPU:+taskset -c "$BENCH_CPU"} "$java" --add-modules jdk.incubator.vector \
        -cp "$cp" "dev.mobilenetsimd.${regex#tool:}" $opts > "$tool_tmp" 2> "$out.log"; then
      mv -f "$tool_tmp" "$out.md"
    else
      rm -f "$tool_tmp"
      failed=$((failed + 1))
      log "    FAILED: see $out.log ($out.md $([ -e "$out.md" ] && echo "left as it was" \
          || echo "not written"))"
    fi
    continue
  fi
  # shellcheck disable=SC2086  # opts are word-split on purpose
  ${BENCH_CPU:+taskset -c "$BENCH_CPU"} "$java" --add-modules jdk.incubator.vector -cp "$cp" \
      org.openjdk.jmh.Main "$regex" $opts -rf json -rff "$out.json" > "$out.log" 2>&1 &
  pid=$!
  # Progress: follow the log, showing JMH's own progress lines, parameters and results. In the
  # background too, so that the script waits in `wait`, which a trapped signal interrupts at once.
  tail -n +1 -f --pid=$pid "$out.log" 2>/dev/null \
      | grep --line-buffered -E '^# (Run progress|Parameters)|^[A-Za-z]+Bench\.|<failure>|Exception|ERROR' \
      | grep --line-buffered -v ':p[01]\.' | sed -u 's/^/    /' >&2 &
  follow=$!
  rc=0; wait "$pid" || rc=$?
  wait "$follow" || true
  # JMH prints '<failure>' after the iteration's label ('# Warmup Iteration   1: <failure>') and
  # still exits 0; a JVM that never started (taskset, a bad option) has none, only its status.
  nfail=$(grep -c '<failure>' "$out.log" || true)
  if [ "$rc" != 0 ] || [ "$nfail" != 0 ]; then
    failed=$((failed + 1))
    if [ "$nfail" != 0 ]; then
      log "    FAILED: $nfail benchmark(s) threw (<failure>), see $out.log"
    else
      log "    FAILED: exit status $rc, see $out.log"
    fi
  fi
done
if [ -z "$keep_props" ]; then
  echo "load.end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$props"
  echo "elapsed.seconds=$(( $(date +%s) - start ))" >> "$props"
fi
host_check end
check_end=$host_line
if [ -z "$keep_props" ]; then
  echo "host.check.end=$check_end" >> "$props"
else
  sed -i "s|^\($remeasured_key=.*\)$|\1 (host check after: $check_end)|" "$props"
fi
log ""
log "measured $total runs in $(hms $(( $(date +%s) - start ))) ($failed failed)"
report
if [ "$failed" != 0 ]; then
  log "$failed of $total runs failed: the report lacks their results (see their .log in $data)"
  exit 1
fi
