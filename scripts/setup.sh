#!/usr/bin/env bash
# Set up this checkout: the Debian packages the kiosk and its tests need, and a
# Python virtual environment in .venv with the kiosk installed in it.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: fonts that cover Vietnamese (tickets, board), the speech
# engine, ALSA's aplay and sox (announcements), libusb (USB printers), a virtual
# screen and xdpyinfo (board tests), systemd-analyze (unit file test),
# chromium (browser tests of the pages), openssl (TLS tests of the sync),
# PostgreSQL (the central tests start a private cluster with its initdb and
# pg_ctl when no server answers on 127.0.0.1:5432; tests/central/pg_cluster.py),
# the shell script checker (install scripts), LibreOffice Calc without its
# GUI and poppler's pdftoppm/pdftotext/pdffonts (the report tests open the
# XLSX and PDF reports with them), what pip needs to build python-evdev, and
# the media server: nginx with its RTMP module (central's front door: kiosks
# push RTMP, browsers get HLS; `kiosk-central media`) and ffmpeg (the kiosk's
# encoder off a Pi, and the media tests' publisher and ffprobe).
DEBIAN_PACKAGES=(python3-venv python3-dev gcc linux-libc-dev fonts-dejavu-core espeak-ng alsa-utils sox
                 libusb-1.0-0 xvfb x11-utils systemd chromium openssl postgresql postgresql-client shellcheck
                 libreoffice-calc-nogui poppler-utils nginx-light libnginx-mod-rtmp ffmpeg)

step() { echo "setup: $*"; }

step "checking ${#DEBIAN_PACKAGES[@]} Debian packages"
missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  step "apt-get update"
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  step "installing ${#missing[@]} Debian packages (a few minutes the first time): ${missing[*]}"
  # -q: one line per package as apt unpacks and sets it up, no progress bars.
  # (pipefail: a failing apt-get fails the script; the filter never does.)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
    | { grep --line-buffered -E '^(Get:|Unpacking|Setting up)' || true; }
else
  step "Debian packages: all present"
fi

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version))" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  step "creating .venv"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when setup.py changed since the last install.
if [ ! -f .venv/.installed ] || [ setup.py -nt .venv/.installed ]; then
  step "upgrading pip in .venv"
  .venv/bin/pip install --quiet --upgrade pip
  step "installing the kiosk and its test tools into .venv (a line per package)"
  .venv/bin/pip install --progress-bar off -e '.[test]' | { grep --line-buffered -E '^(Collecting|Successfully)' || true; }
  touch .venv/.installed
fi
step "ready (.venv)"
