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
# the PostgreSQL client tools, shellcheck (install scripts), and what pip
# needs to build python-evdev.
DEBIAN_PACKAGES=(python3-venv python3-dev gcc linux-libc-dev fonts-dejavu-core espeak-ng alsa-utils sox
                 libusb-1.0-0 xvfb x11-utils systemd chromium openssl postgresql-client shellcheck)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version))" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
# Reinstall only when setup.py changed since the last install.
if [ ! -f .venv/.installed ] || [ setup.py -nt .venv/.installed ]; then
  echo "setup: installing the kiosk and its test tools into .venv"
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[test]'
  touch .venv/.installed
fi
