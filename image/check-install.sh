#!/usr/bin/env bash
# The install check: image/install.sh in a fresh Debian bookworm root.
#
#   sudo image/check-install.sh [--fresh] [--keep]
#
# Makes a Debian bookworm root with debootstrap (kept in $KIOSK_CHECK_DIR/base,
# default /var/tmp/kiosk-check, and reused next time unless --fresh), copies it
# to a scratch root, copies this repository in, runs image/install.sh inside it
# with chroot (twice: the second run must succeed too), then, inside the root:
#   - the kiosk user, groups, venv, unit, drop-ins and udev rules are in place;
#   - `kiosk doctor` on config/demo.toml (every device simulated) says OK for
#     every line but the clock (a chroot has no NTP);
#   - `kiosk demo --out /tmp/demo --minutes 20 --speed 120` exits 0 and writes
#     tickets, board frames, announcements and a summary.
# Pi-only packages (python3-lgpio, python3-picamera2) are not in Debian's
# archive: install.sh skips them with a note, which this check expects.
# Slow (a few minutes; needs Debian's archive and PyPI), so not part of
# `make test`. Prints PASS or FAIL per step and exits 1 if any failed.
# --keep leaves the scratch root in place to look around (chroot into it).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${KIOSK_CHECK_DIR:-/var/tmp/kiosk-check}
BASE=$WORK/base
ROOT=$WORK/root
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
LOG=$WORK/check.log

FRESH=0
KEEP=0
for arg in "$@"; do
  case "$arg" in
    --fresh) FRESH=1 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check-install: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || { echo "check-install: run me as root: sudo $0" >&2; exit 2; }
mkdir -p "$WORK"
: > "$LOG"

failed=0
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failed=$((failed + 1)); }
step() { printf '\n== %s\n' "$*"; printf '\n== %s\n' "$*" >> "$LOG"; }

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "$KEEP" -eq 0 ] && [ -d "$ROOT" ]; then rm -rf --one-file-system "$ROOT"; fi
}
trap cleanup EXIT
bind() { mkdir -p "$ROOT$1"; mount --bind "$1" "$ROOT$1"; mounted+=("$ROOT$1"); }
in_root() {
  chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt "$@"
}

# ---------------------------------------------------------------------------
step "a Debian bookworm root (debootstrap)"
if ! command -v debootstrap >/dev/null; then
  echo "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >> "$LOG" 2>&1
fi
if [ "$FRESH" -eq 1 ]; then rm -rf --one-file-system "$BASE"; fi
if [ ! -x "$BASE/usr/bin/apt-get" ]; then
  echo "debootstrap bookworm into $BASE (a few minutes; log: $LOG)"
  rm -rf --one-file-system "$BASE.tmp"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$BASE.tmp" "$MIRROR" >> "$LOG" 2>&1 \
    || { fail "debootstrap (see $LOG)"; exit 1; }
  mv "$BASE.tmp" "$BASE"
else
  echo "reusing $BASE (--fresh to make it again)"
fi
rm -rf --one-file-system "$ROOT"
cp -a "$BASE" "$ROOT"
pass "bookworm root at $ROOT"

bind /proc; bind /sys; bind /dev; bind /dev/pts
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Sites whose network inspects TLS add their CA to the host's store: trust it in
# the root too, or pip cannot reach PyPI (pip is told to use the system store).
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
  in_root update-ca-certificates >> "$LOG" 2>&1
fi
# Like a Pi: a boot partition for kiosk.toml and cmdline.txt.
mkdir -p "$ROOT/boot/firmware"
echo "console=tty1 root=LABEL=rootfs rootfstype=ext4 fsck.repair=yes rootwait" > "$ROOT/boot/firmware/cmdline.txt"

# The repository, without the developer's venv, git history and outputs.
mkdir -p "$ROOT/opt/kiosk-src"
# tar exits 1 when a file changed while read (a test writing in the checkout): fine.
tar --warning=no-file-changed -C "$REPO" --exclude=./.venv --exclude=./.git --exclude=./var --exclude=./build \
    --exclude='*.egg-info' --exclude=./.hypothesis --exclude=./.pytest_cache --exclude='__pycache__' \
    --exclude='./bench/bench-*' -cf "$WORK/kiosk-src.tar" . || [ $? -eq 1 ]
tar -C "$ROOT/opt/kiosk-src" -xf "$WORK/kiosk-src.tar"
rm -f "$WORK/kiosk-src.tar"

# ---------------------------------------------------------------------------
step "image/install.sh inside the root"
if in_root /opt/kiosk-src/image/install.sh 2>&1 | tee -a "$LOG"; then
  pass "install.sh"
else
  fail "install.sh (see $LOG)"; exit 1
fi
if grep -q "NOTE: skipping python3-lgpio" "$LOG"; then pass "python3-lgpio skipped with a note (not in Debian)"
else fail "no note about skipping python3-lgpio"; fi

step "image/install.sh again (idempotent)"
if in_root /opt/kiosk-src/image/install.sh 2>&1 | tee -a "$LOG"; then pass "install.sh, second run"
else fail "install.sh, second run (see $LOG)"; fi

# ---------------------------------------------------------------------------
step "what install.sh put in place"
check() {  # check DESCRIPTION COMMAND...: PASS when the command succeeds in the root
  local what=$1; shift
  if in_root "$@" >> "$LOG" 2>&1; then pass "$what"; else fail "$what"; fi
}
# shellcheck disable=SC2016  # expanded inside the root, not here
check "user kiosk in groups gpio lp audio video input render dialout" \
  sh -c 'for g in gpio lp audio video input render dialout; do id -nG kiosk | tr " " "\n" | grep -qx "$g" || exit 1; done'
check "kiosk on the PATH (/usr/local/bin/kiosk)" /usr/local/bin/kiosk --help
check "venv sees the OS's packages" grep -q '^include-system-site-packages = true' /opt/kiosk/venv/pyvenv.cfg
check "board uses the OS's pygame (not PyPI's)" \
  sh -c '/opt/kiosk/venv/bin/python -c "import pygame; print(pygame.__file__)" | grep -q ^/usr/lib/python3/dist-packages/'
check "kiosk.service installed and enabled" test -L /etc/systemd/system/multi-user.target.wants/kiosk.service
check "journald in RAM with a cap" grep -qx 'Storage=volatile' /etc/systemd/journald.conf.d/60-kiosk.conf
check "hardware watchdog" grep -q '^RuntimeWatchdogSec=' /etc/systemd/system.conf.d/60-kiosk-watchdog.conf
check "Wi-Fi power saving off" grep -qx 'wifi.powersave = 2' /etc/NetworkManager/conf.d/60-kiosk-wifi-powersave.conf
check "udev rule for USB printers" grep -q 'GROUP="lp"' /etc/udev/rules.d/60-kiosk-printer.rules
check "default /etc/kiosk/kiosk.toml" /opt/kiosk/venv/bin/kiosk check-config /etc/kiosk/kiosk.toml
check "kiosk.toml on the boot partition" test -f /boot/firmware/kiosk.toml
# shellcheck disable=SC2016  # expanded inside the root, not here
check "consoleblank=0 added once" sh -c '[ "$(grep -o consoleblank=0 /boot/firmware/cmdline.txt | wc -l)" -eq 1 ]'
if command -v systemd-analyze >/dev/null && [ -x "$ROOT/usr/bin/systemd-analyze" ]; then
  out=$(in_root systemd-analyze verify /etc/systemd/system/kiosk.service 2>&1 || true)
  if [ -z "$out" ]; then pass "systemd-analyze verify kiosk.service prints nothing"
  else printf '%s\n' "$out" >> "$LOG"; fail "systemd-analyze verify kiosk.service: $out"; fi
fi

# ---------------------------------------------------------------------------
step "kiosk doctor on simulated devices (config/demo.toml)"
doctor=$(in_root /opt/kiosk/venv/bin/kiosk doctor --config /opt/kiosk/venv/share/kiosk/config/demo.toml 2>>"$LOG" || true)
printf '%s\n' "$doctor" >> "$LOG"
printf '%s\n' "$doctor" | sed 's/^/  | /'
bad=$(printf '%s\n' "$doctor" | grep '^FAIL' | grep -v '^FAIL clock:' || true)
oks=$(printf '%s\n' "$doctor" | grep -c '^OK' || true)
if [ -z "$bad" ] && [ "$oks" -ge 8 ]; then pass "kiosk doctor: $oks OK, only the clock may fail (no NTP in a chroot)"
else fail "kiosk doctor: ${bad:-only $oks OK lines}"; fi

step "kiosk demo --minutes 20 --speed 120"
if in_root /opt/kiosk/venv/bin/kiosk demo --config /opt/kiosk/venv/share/kiosk/config/demo.toml --out /tmp/demo \
     --minutes 20 --speed 120 >> "$LOG" 2>&1; then
  tickets=$(find "$ROOT/tmp/demo" -name '*.png' -path '*ticket*' | wc -l)
  frames=$(find "$ROOT/tmp/demo" -name '*.png' | wc -l)
  wavs=$(find "$ROOT/tmp/demo" -name '*.wav' | wc -l)
  if [ "$tickets" -gt 0 ] && [ "$wavs" -gt 0 ] && [ -s "$ROOT/tmp/demo/summary.txt" ]; then
    pass "kiosk demo: $tickets ticket PNGs, $frames PNGs in all, $wavs announcements in /tmp/demo"
  else
    fail "kiosk demo exited 0 but wrote $tickets tickets, $wavs WAVs and no summary.txt"
  fi
else
  fail "kiosk demo (see $LOG)"
fi

# ---------------------------------------------------------------------------
echo
if [ "$failed" -eq 0 ]; then
  echo "check-install: PASS (log: $LOG)"
else
  echo "check-install: FAIL, $failed step(s) (log: $LOG)"
fi
[ "$KEEP" -eq 1 ] && echo "the root is kept at $ROOT (sudo chroot $ROOT)"
[ "$failed" -eq 0 ]
