#!/usr/bin/env bash
# Prepares an emulated aarch64 JDK from Debian packages only, for running the kernel tests on
# NEON and SVE under qemu-user on an x86-64 machine (issue 9).
#
#   tools/arm/prepare-sysroot.sh            # JDK 17 (Debian bookworm arm64 packages)
#   tools/arm/prepare-sysroot.sh 25         # JDK 25 (Debian trixie arm64 packages)
#   tools/arm/prepare-sysroot.sh 17 25      # both
#   tools/arm/prepare-sysroot.sh --force 17 # rebuild even if already prepared
#
# Result, per JDK, under $MOBILENET_ARM_CACHE (default ~/.cache/mobilenet-simd/arm64, outside the
# work tree so it survives `mvn clean`):
#   jdkNN/sysroot/          the arm64 packages unpacked with `dpkg -x` (libc6, libstdc++, JDK, ...)
#   jdkNN/bin/java          wrapper JVM: runs the real arm64 java through qemu-aarch64-static with
#                           QEMU_CPU=$MOBILENET_QEMU_CPU (default neoverse-n1 = NEON); usable as
#                           Maven Surefire's -Djvm=... (the path ends in /java)
#   jdkNN/release           the real JDK's release file (Surefire reads it to learn the version)
# The host's apt state is never touched: the arm64 packages are fetched with a private APT_CONFIG
# (own sources, lists and cache under $MOBILENET_ARM_CACHE/apt-SUITE). The only host change is
# `apt-get install qemu-user-static` when qemu-aarch64-static is missing (needs root).
# Idempotent: a prepared JDK (stamp file present) is only checked, not rebuilt.
set -euo pipefail

CACHE=${MOBILENET_ARM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mobilenet-simd/arm64}
MIRROR=${MOBILENET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${MOBILENET_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

force=false
jdks=()
for a in "$@"; do
  case $a in
    --force) force=true ;;
    17|25) jdks+=("$a") ;;
    -h|--help) sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0 ;; # the header comment only
    *) echo "prepare-sysroot: unknown argument '$a' (expected 17, 25 or --force)" >&2; exit 2 ;;
  esac
done
[ ${#jdks[@]} -eq 0 ] && jdks=(17)

log() { echo "[prepare-sysroot] $*" >&2; }
t0=$(date +%s)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else log "need root for: $*"; exit 1
  fi
}

# ---- 1. qemu-aarch64-static on the host ---------------------------------------------------------
if ! command -v qemu-aarch64-static >/dev/null; then
  log "installing qemu-user-static (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y -q --no-install-recommends qemu-user-static >/dev/null 2>&1; then
    as_root apt-get update -q >/dev/null
    as_root apt-get install -y -q --no-install-recommends qemu-user-static >/dev/null
  fi
fi
log "$(qemu-aarch64-static --version | head -1)"

# ---- 2. private apt for arm64 packages of one Debian suite ---------------------------------------
# Writes $CACHE/apt-SUITE/apt.conf and runs `apt-get update` with it (once per run of this script).
setup_apt() {
  local suite=$1 dir=$CACHE/apt-$1
  # apt-get update cannot check the packages without it: say which package provides it.
  if [ ! -f "$KEYRING" ]; then
    log "no $KEYRING to check the Debian arm64 packages with (apt-get install" \
        "debian-archive-keyring)"
    exit 1
  fi
  mkdir -p "$dir"/{lists/partial,archives/partial,sources.list.d,preferences.d,apt.conf.d}
  : > "$dir/status"
  cat > "$dir/sources.list" <<SRC
deb [arch=arm64 signed-by=$KEYRING] $MIRROR $suite main
deb [arch=arm64 signed-by=$KEYRING] $MIRROR $suite-updates main
deb [arch=arm64 signed-by=$KEYRING] $SECURITY_MIRROR $suite-security main
SRC
  # The host's apt.conf.d (proxy and similar settings) is still read; everything stateful is ours.
  cat > "$dir/apt.conf" <<CONF
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Dir::State "$dir";
Dir::State::Lists "$dir/lists";
Dir::State::status "$dir/status";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
Dir::Etc::SourceList "$dir/sources.list";
Dir::Etc::SourceParts "$dir/sources.list.d";
Dir::Etc::Preferences "$dir/preferences";
Dir::Etc::PreferencesParts "$dir/preferences.d";
APT::Get::List-Cleanup "false";
Acquire::Languages "none";
CONF
  log "apt-get update for arm64 $suite (private state in $dir)"
  APT_CONFIG=$dir/apt.conf apt-get update -q -o Debug::NoLocking=1 >"$dir/update.log" 2>&1 \
    || { cat "$dir/update.log" >&2; log "apt-get update failed for $suite"; exit 1; }
}

# ---- 3. one JDK ----------------------------------------------------------------------------------
prepare_jdk() {
  local v=$1 suite jvmdir
  case $v in
    17) suite=bookworm ;;
    25) suite=trixie ;;
  esac
  jvmdir=usr/lib/jvm/java-$v-openjdk-arm64
  local home=$CACHE/jdk$v stamp=$CACHE/jdk$v/.prepared
  local pkgs=(libc6 libgcc-s1 libstdc++6 zlib1g "openjdk-$v-jre-headless" "openjdk-$v-jdk-headless")

  if [ -f "$stamp" ] && ! $force; then
    log "JDK $v: already prepared in $home ($(cat "$stamp"))"
  else
    local ts; ts=$(date +%s)
    setup_apt "$suite"
    local dir=$CACHE/apt-$suite debs=$CACHE/debs-$suite
    rm -rf "$debs" && mkdir -p "$debs"
    log "JDK $v: downloading ${pkgs[*]} (arm64, $suite)"
    (cd "$debs" && APT_CONFIG=$dir/apt.conf apt-get download -q -o Debug::NoLocking=1 "${pkgs[@]}" \
       >"$dir/download.log" 2>&1) || { cat "$dir/download.log" >&2; log "download failed"; exit 1; }

    local tmp=$home.tmp
    rm -rf "$tmp" && mkdir -p "$tmp/sysroot" "$tmp/bin"
    for deb in "$debs"/*.deb; do
      log "JDK $v: unpacking $(basename "$deb")"
      dpkg -x "$deb" "$tmp/sysroot"
    done
    local root=$tmp/sysroot
    # Merged-/usr packages (trixie) put the dynamic loader in usr/lib only.
    if [ ! -e "$root/lib" ]; then ln -s usr/lib "$root/lib"; fi
    if [ ! -e "$root/lib/ld-linux-aarch64.so.1" ]; then
      log "JDK $v: no lib/ld-linux-aarch64.so.1 in the sysroot"; exit 1
    fi
    # Absolute symlinks (lib/jvm.cfg, conf/*, ...) would point into the host: make them relative.
    local n=0 link target
    while IFS= read -r -d '' link; do
      target=$(readlink "$link")
      case $target in
        /*) ln -sfn "$(realpath -s -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
            n=$((n + 1)) ;;
      esac
    done < <(find "$root" -type l -print0)
    log "JDK $v: made $n absolute symlinks relative"
    [ -x "$root/$jvmdir/bin/java" ] || { log "JDK $v: $jvmdir/bin/java missing"; exit 1; }
    cp "$root/$jvmdir/release" "$tmp/release"

    rm -rf "$home" && mv "$tmp" "$home"
    (cd "$debs" && ls *.deb) > "$home/packages.txt"
    echo "$suite, $(grep -c . "$home/packages.txt") packages, $(date -u +%FT%TZ)" > "$stamp"
    rm -rf "$debs"
    log "JDK $v: sysroot ready in $(( $(date +%s) - ts )) s"
  fi

  # The wrapper is rewritten every run (cheap; keeps it in step with this script).
  cat > "$home/bin/java" <<WRAP
#!/bin/sh
# Wrapper JVM written by tools/arm/prepare-sysroot.sh: the arm64 OpenJDK $v under qemu-user.
#   MOBILENET_QEMU_CPU      QEMU CPU model (default neoverse-n1 = NEON, 128-bit vectors);
#                           e.g. max,sve-default-vector-length=32 = SVE at 256 bits (length in
#                           bytes)
#   MOBILENET_ARM_JAVA_OPTS extra JVM options put before the caller's (e.g. -XX:+PrintIntrinsics)
home=\$(cd "\$(dirname "\$0")/.." && pwd)
QEMU_CPU=\${MOBILENET_QEMU_CPU:-neoverse-n1}
export QEMU_CPU
unset QEMU_LD_PREFIX
# shellcheck disable=SC2086
exec qemu-aarch64-static -L "\$home/sysroot" "\$home/sysroot/$jvmdir/bin/java" \\
  \${MOBILENET_ARM_JAVA_OPTS:-} "\$@"
WRAP
  chmod +x "$home/bin/java"

  log "JDK $v: checking $home/bin/java"
  MOBILENET_QEMU_CPU=neoverse-n1 "$home/bin/java" -version 2>&1 | sed 's/^/    /' >&2
  echo "$home/bin/java"
}

mkdir -p "$CACHE"
for v in "${jdks[@]}"; do
  prepare_jdk "$v"
done
log "done in $(( $(date +%s) - t0 )) s"
