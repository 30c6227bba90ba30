#!/usr/bin/env bash
# Install the one-stop queue kiosk on Raspberry Pi OS (bookworm), as root.
#
# The one install script: the pi-gen stage (image/stage-kiosk) runs it inside the
# image being built, a technician can run it on a stock Raspberry Pi OS, and
# image/check-install.sh runs it in a plain Debian bookworm root made with
# debootstrap. Safe to run again: every step checks before it changes anything.
#
#   sudo image/install.sh [options] [SOURCE]
#
# SOURCE is a kiosk wheel (onestop_kiosk-*.whl) or a source folder with setup.py;
# the default is the repository this script sits in.
#
# Options:
#   --read-only-root      also make the root file system read-only (overlayroot)
#                         with the kiosk's data on its own partition; see
#                         docs/technician.md, "Read-only root"
#   --data-device DEV     the data partition for --read-only-root
#                         (default: the partition labelled KIOSKDATA)
#   --no-apt              do not run apt-get (the OS packages are already there)
#   -h, --help            this text
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)     # units, config, sounds and docs come from here
PREFIX=${KIOSK_PREFIX:-/opt/kiosk}
VENV=$PREFIX/venv
KIOSK_USER=kiosk
KIOSK_GROUPS=(gpio lp audio video input render dialout i2c)
BOOT_DIR=${KIOSK_BOOT_DIR:-/boot/firmware}

# OS packages. Needed: the kiosk cannot work without them.
#  python3-venv: the virtual environment; python3-dev, gcc, linux-libc-dev: pip
#  builds python-evdev (keypads) from source; python3-pygame: the board, built
#  on the OS's SDL with KMSDRM (pygame from PyPI has none); espeak-ng: speech;
#  alsa-utils (aplay) and sox: announcements; fonts-dejavu-core: Vietnamese on
#  tickets and board; libusb-1.0-0: USB printers; sqlite3: looking at the store
#  by hand; systemd, udev: the service, watchdog and device rules; procps:
#  /bin/kill, which kiosk.service's ExecReload runs; i2c-tools: i2cdetect, to find
#  the rating pads' MCP23017 expanders.
NEEDED_PACKAGES=(python3 python3-venv python3-dev gcc linux-libc-dev python3-pygame espeak-ng alsa-utils sox
                 fonts-dejavu-core libusb-1.0-0 sqlite3 ca-certificates tzdata systemd udev procps i2c-tools)
# Wanted but not in every archive: python3-lgpio (GPIO buttons and LEDs) and
# python3-picamera2 (camera) exist only in the Raspberry Pi OS archive;
# python3-evdev is replaced by pip's python-evdev when too old or missing.
OPTIONAL_PACKAGES=(python3-lgpio python3-picamera2 python3-evdev)

say() { printf 'install: %s\n' "$*"; }
note() { printf 'install: NOTE: %s\n' "$*"; }
die() { printf 'install: ERROR: %s\n' "$*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

READ_ONLY_ROOT=0
DATA_DEVICE=""
RUN_APT=1
SOURCE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --read-only-root) READ_ONLY_ROOT=1 ;;
    --data-device) shift; [ $# -gt 0 ] || die "--data-device needs a device, e.g. /dev/mmcblk0p3"; DATA_DEVICE=$1 ;;
    --no-apt) RUN_APT=0 ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$SOURCE" ] || die "only one SOURCE, got '$SOURCE' and '$1'"; SOURCE=$1 ;;
  esac
  shift
done
SOURCE=${SOURCE:-$REPO}

[ "$(id -u)" -eq 0 ] || die "run me as root: sudo $0 $*"
[ -e "$SOURCE" ] || die "no kiosk wheel or source folder at $SOURCE"
if [ -d "$SOURCE" ] && [ ! -f "$SOURCE/setup.py" ]; then die "$SOURCE has no setup.py"; fi
for needed in systemd/kiosk.service config/kiosk.example.toml sounds; do
  [ -e "$REPO/$needed" ] || die "$REPO/$needed is missing (run this script from a full kiosk checkout)"
done

# systemd answers only when it is PID 1 here: not in a chroot (pi-gen, the
# debootstrap check), where units are enabled by symlink and nothing is started.
systemd_running() { [ -d /run/systemd/system ]; }

# ---------------------------------------------------------------------------
# 1. OS packages
# ---------------------------------------------------------------------------
apt_has() {  # is there an installable candidate for package $1?
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
  [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if [ "$RUN_APT" -eq 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  say "updating the package lists (apt-get update)"
  apt-get update -qq
  to_install=()
  for package in "${NEEDED_PACKAGES[@]}"; do
    installed "$package" && continue
    apt_has "$package" || die "the OS package $package cannot be found (check /etc/apt/sources.list and the network)"
    to_install+=("$package")
  done
  for package in "${OPTIONAL_PACKAGES[@]}"; do
    installed "$package" && continue
    if apt_has "$package"; then
      to_install+=("$package")
    else
      case "$package" in
        python3-lgpio) note "skipping python3-lgpio: not in this archive (it is in Raspberry Pi OS's). Real GPIO buttons need it; simulated ones do not." ;;
        python3-picamera2) note "skipping python3-picamera2: not in this archive (it is in Raspberry Pi OS's). The camera needs it; set [camera] enabled = false or backend = \"simulated\" without it." ;;
        *) note "skipping $package: not in this archive (pip installs the Python package instead)" ;;
      esac
    fi
  done
  if [ ${#to_install[@]} -gt 0 ]; then
    say "installing OS packages: ${to_install[*]}"
    apt-get install -y -qq --no-install-recommends "${to_install[@]}" >/dev/null
  else
    say "OS packages already installed"
  fi
else
  say "skipping apt-get (--no-apt)"
fi
if [ "$READ_ONLY_ROOT" -eq 1 ] && [ "$RUN_APT" -eq 1 ] && ! installed overlayroot; then
  if apt_has overlayroot; then apt-get install -y -qq --no-install-recommends overlayroot >/dev/null
  else die "--read-only-root needs the overlayroot package, which apt cannot find"; fi
fi

# ---------------------------------------------------------------------------
# 2. The kiosk user and its groups
# ---------------------------------------------------------------------------
for group in "${KIOSK_GROUPS[@]}"; do
  if ! getent group "$group" >/dev/null; then
    say "creating group $group"
    groupadd --system "$group"
  fi
done
if ! id -u "$KIOSK_USER" >/dev/null 2>&1; then
  say "creating user $KIOSK_USER"
  useradd --system --user-group --home-dir /var/lib/kiosk --no-create-home --shell /usr/sbin/nologin \
    --comment "one-stop queue kiosk" "$KIOSK_USER"
fi
usermod -a -G "$(IFS=,; echo "${KIOSK_GROUPS[*]}")" "$KIOSK_USER"
install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0750 /var/lib/kiosk
install -d -o "$KIOSK_USER" -g "$KIOSK_USER" -m 0750 /var/cache/kiosk
install -d -o root -g "$KIOSK_USER" -m 0750 /etc/kiosk

# ---------------------------------------------------------------------------
# 3. The virtual environment with the kiosk in it
# ---------------------------------------------------------------------------
# --system-site-packages: pygame (KMSDRM), lgpio and picamera2 come from the OS.
install -d -m 0755 "$PREFIX"
if [ -x "$VENV/bin/python" ] && ! grep -q '^include-system-site-packages = true' "$VENV/pyvenv.cfg"; then
  say "recreating $VENV: it does not see the OS's Python packages"
  rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
  say "creating the virtual environment $VENV"
  python3 -m venv --system-site-packages "$VENV"
fi

build_dir=$(mktemp -d)
trap 'rm -rf "$build_dir" "$build_dir.tar"' EXIT
if [ -d "$SOURCE" ]; then
  # Build from a clean copy so the checkout gets no build/ or .egg-info folders.
  say "building the kiosk from $SOURCE"
  # tar exits 1 when a file changed while read (a test writing in the checkout): fine.
  tar --warning=no-file-changed -C "$SOURCE" --exclude=./.venv --exclude=./.git --exclude=./var --exclude=./build \
      --exclude='*.egg-info' --exclude=./.hypothesis --exclude=./.pytest_cache \
      -cf "$build_dir.tar" . || [ $? -eq 1 ]
  tar -C "$build_dir" -xf "$build_dir.tar"
  rm -f "$build_dir.tar"
  package=$build_dir
else
  package=$SOURCE
fi
say "installing the kiosk into $VENV (pip)"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install --quiet --upgrade --use-pep517 "$package"

# The board must use the OS's pygame (built on SDL with KMSDRM). When pip put a
# PyPI pygame into the venv because the OS's is older than setup.py asks, it
# would hide the OS's one: take it out again.
venv_site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
os_pygame=$(/usr/bin/python3 -c 'import pygame, os; print(os.path.dirname(pygame.__file__))' 2>/dev/null | tail -1 || true)
if [ -n "$os_pygame" ] && [ -d "$venv_site/pygame" ]; then
  note "removing the PyPI pygame from the venv so the OS's pygame ($os_pygame, with KMSDRM) is used"
  "$VENV/bin/pip" uninstall --quiet -y pygame
fi

# The package carries the clips and the configs itself (share/kiosk in the
# venv); the README and docs are copied for the technician.
cp "$REPO/README.md" "$PREFIX/README.md"
rm -rf "$PREFIX/docs" && cp -a "$REPO/docs" "$PREFIX/docs"
"$VENV/bin/kiosk" --help >/dev/null || die "the installed kiosk command does not run"
# On the PATH, so a technician types just `kiosk doctor`.
ln -sfn "$VENV/bin/kiosk" /usr/local/bin/kiosk
say "kiosk installed: $VENV/bin/kiosk"

# ---------------------------------------------------------------------------
# 4. The office's config
# ---------------------------------------------------------------------------
if [ ! -f /etc/kiosk/kiosk.toml ]; then
  say "installing the default /etc/kiosk/kiosk.toml (from config/kiosk.example.toml)"
  install -o root -g "$KIOSK_USER" -m 0640 "$REPO/config/kiosk.example.toml" /etc/kiosk/kiosk.toml
else
  say "keeping the existing /etc/kiosk/kiosk.toml"
fi
# The technician edits the copy on the SD card's FAT partition from a laptop.
if [ -d "$BOOT_DIR" ] && [ ! -f "$BOOT_DIR/kiosk.toml" ]; then
  say "putting kiosk.toml on the boot partition ($BOOT_DIR/kiosk.toml) for the technician to edit"
  cp "$REPO/config/kiosk.example.toml" "$BOOT_DIR/kiosk.toml"
fi

# ---------------------------------------------------------------------------
# 5. systemd: the units, journald in RAM, the hardware watchdog
# ---------------------------------------------------------------------------
for unit in "$REPO"/systemd/*.service "$REPO"/systemd/*.timer "$REPO"/systemd/*.path; do
  [ -f "$unit" ] || continue
  install -m 0644 "$unit" "/etc/systemd/system/$(basename "$unit")"
done

# Journald in RAM: an SD card wears out under constant log writes, and a power
# cut cannot corrupt a journal that is not on it. Capped so it cannot eat RAM.
install -d -m 0755 /etc/systemd/journald.conf.d
cat > /etc/systemd/journald.conf.d/60-kiosk.conf <<'EOF'
# Installed by the kiosk's image/install.sh: keep the journal in RAM, capped.
[Journal]
Storage=volatile
RuntimeMaxUse=48M
RuntimeMaxFileSize=8M
ForwardToSyslog=no
EOF

# The hardware watchdog: systemd pings it, and the board resets the Pi when
# the whole system hangs (the Pi's bcm2835 watchdog allows at most 15 s).
install -d -m 0755 /etc/systemd/system.conf.d
cat > /etc/systemd/system.conf.d/60-kiosk-watchdog.conf <<'EOF'
# Installed by the kiosk's image/install.sh: reset the Pi when it hangs.
[Manager]
RuntimeWatchdogSec=15
RebootWatchdogSec=2min
EOF

# ---------------------------------------------------------------------------
# 6. Wi-Fi power saving off (NetworkManager, Raspberry Pi OS bookworm)
# ---------------------------------------------------------------------------
# Power saving makes the Pi's Wi-Fi drop and sleep: sync and the pages stall.
install -d -m 0755 /etc/NetworkManager/conf.d
cat > /etc/NetworkManager/conf.d/60-kiosk-wifi-powersave.conf <<'EOF'
# Installed by the kiosk's image/install.sh: Wi-Fi power saving off (2 = disable).
[connection]
wifi.powersave = 2
EOF

# ---------------------------------------------------------------------------
# 7. udev: USB printers (and GPIO on plain Debian) to the kiosk's groups
# ---------------------------------------------------------------------------
printer_ids=$(python3 - /etc/kiosk/kiosk.toml <<'EOF' 2>/dev/null || true
import sys, tomllib
try:
    printer = tomllib.load(open(sys.argv[1], "rb")).get("printer", {})
    vendor, product = printer.get("vendor_id"), printer.get("product_id")
    if vendor and product:
        as_hex = lambda v: f"{v:04x}" if isinstance(v, int) else str(v).lower().removeprefix("0x").zfill(4)
        print(as_hex(vendor), as_hex(product))
except Exception:
    pass
EOF
)
{
  echo "# Installed by the kiosk's image/install.sh (docs/printer.md)."
  echo "# Any USB device with a printer interface (class 07) belongs to group lp."
  echo 'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ENV{ID_USB_INTERFACES}=="*:07????:*", MODE="0660", GROUP="lp"'
  echo "# Common ESC/POS thermal printers that report a vendor-specific class."
  for ids in "0416 5011" "0483 5720" "0483 5743" "28e9 0289" "0fe6 811e" "04b8 0202" "04b8 0e15" "1fc9 2016"; do
    # shellcheck disable=SC2086  # split "vendor product" on purpose
    set -- $ids
    echo "SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"$1\", ATTRS{idProduct}==\"$2\", MODE=\"0660\", GROUP=\"lp\""
  done
  if [ -n "$printer_ids" ]; then
    # shellcheck disable=SC2086  # split "vendor product" on purpose
    set -- $printer_ids
    echo "# The printer named in /etc/kiosk/kiosk.toml when this script ran."
    echo "SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"$1\", ATTRS{idProduct}==\"$2\", MODE=\"0660\", GROUP=\"lp\""
  fi
} > /etc/udev/rules.d/60-kiosk-printer.rules
cat > /etc/udev/rules.d/60-kiosk-gpio.rules <<'EOF'
# Installed by the kiosk's image/install.sh: GPIO chips to group gpio
# (Raspberry Pi OS has this already; plain Debian does not).
SUBSYSTEM=="gpio", KERNEL=="gpiochip*", GROUP="gpio", MODE="0660"
EOF

# ---------------------------------------------------------------------------
# 8. Boot settings: the screen never blanks (the board is on all day); I2C on
# ---------------------------------------------------------------------------
if [ -f "$BOOT_DIR/cmdline.txt" ] && ! grep -q 'consoleblank=0' "$BOOT_DIR/cmdline.txt"; then
  say "adding consoleblank=0 to $BOOT_DIR/cmdline.txt"
  sed -i '1 s/$/ consoleblank=0/' "$BOOT_DIR/cmdline.txt"
fi
# The I2C bus on, for rating pads on MCP23017 expanders (harmless without them).
if [ -f "$BOOT_DIR/config.txt" ] && ! grep -q '^dtparam=i2c_arm=on' "$BOOT_DIR/config.txt"; then
  say "turning on I2C in $BOOT_DIR/config.txt (dtparam=i2c_arm=on)"
  echo 'dtparam=i2c_arm=on' >> "$BOOT_DIR/config.txt"
fi

# ---------------------------------------------------------------------------
# 9. Read-only root with the data on its own partition (optional)
# ---------------------------------------------------------------------------
if [ "$READ_ONLY_ROOT" -eq 1 ]; then
  if [ -z "$DATA_DEVICE" ]; then
    DATA_DEVICE=$(blkid -L KIOSKDATA 2>/dev/null || true)
  fi
  if [ -z "$DATA_DEVICE" ]; then
    note "--read-only-root: no data partition (none given with --data-device, none labelled KIOSKDATA)."
    note "Make one first (docs/technician.md, 'Read-only root'), e.g. on a second card partition:"
    note "  mkfs.ext4 -L KIOSKDATA /dev/mmcblk0p3   then run this script again with --read-only-root."
    note "The root file system stays writable for now."
  else
    say "read-only root: the kiosk's data on $DATA_DEVICE (LABEL=KIOSKDATA), mounted on /var/lib/kiosk"
    label=$(blkid -o value -s LABEL "$DATA_DEVICE" 2>/dev/null || true)
    [ "$label" = "KIOSKDATA" ] || e2label "$DATA_DEVICE" KIOSKDATA
    if ! grep -q '^LABEL=KIOSKDATA' /etc/fstab; then
      echo 'LABEL=KIOSKDATA /var/lib/kiosk ext4 defaults,noatime,commit=5 0 2' >> /etc/fstab
    fi
    if ! mountpoint -q /var/lib/kiosk; then
      # Move what the kiosk has stored so far onto the new partition.
      mnt=$(mktemp -d)
      mount "$DATA_DEVICE" "$mnt"
      cp -a /var/lib/kiosk/. "$mnt/"
      chown "$KIOSK_USER:$KIOSK_USER" "$mnt"
      umount "$mnt"; rmdir "$mnt"
    fi
    # recurse=0: only / gets the RAM overlay; /var/lib/kiosk and /boot/firmware
    # stay writable, so the store and the enrolment step keep their changes.
    cat > /etc/overlayroot.local.conf <<'EOF'
# Installed by the kiosk's image/install.sh --read-only-root.
overlayroot="tmpfs:recurse=0"
EOF
    if command -v raspi-config >/dev/null; then
      raspi-config nonint do_overlayfs 0   # builds the initramfs and sets the boot flags
    else
      note "no raspi-config (not Raspberry Pi OS): /etc/overlayroot.local.conf is written; run update-initramfs -u yourself."
    fi
    say "read-only root is active after the next reboot; to change the system later: sudo overlayroot-chroot"
  fi
fi

# ---------------------------------------------------------------------------
# 10. Enable (and, with systemd running, reload)
# ---------------------------------------------------------------------------
if command -v systemctl >/dev/null; then
  systemctl enable kiosk.service >/dev/null 2>&1 || systemctl enable kiosk.service
  say "kiosk.service enabled (starts on boot)"
fi
if systemd_running; then
  systemctl daemon-reload
  udevadm control --reload-rules || true
  udevadm trigger --subsystem-match=usb || true
  say "done. Edit $BOOT_DIR/kiosk.toml (or /etc/kiosk/kiosk.toml), run 'sudo $VENV/bin/kiosk doctor', then reboot"
else
  note "systemd is not running here (a chroot): nothing was started or reloaded; it all takes effect on first boot"
  say "done"
fi
