#!/usr/bin/env bash
# Build the kiosk's SD card image with pi-gen (Raspberry Pi OS Lite, bookworm,
# plus image/stage-kiosk).
#
#   KIOSK_FIRST_USER_PASS=... image/build.sh [--arch arm64|armhf] [--pi-gen DIR] [--docker]
#
# It needs what a pi-gen build needs: pi-gen itself (cloned from GitHub when
# --pi-gen is not given), the Raspberry Pi OS archive (archive.raspberrypi.com,
# raspbian.raspberrypi.com), root or Docker, and about 10 GB of disk. Neither
# pi-gen nor the Raspberry Pi OS archive is reachable from the project's test
# machines: there the script says so and stops with exit status 3. What can be
# tested there is: tests/test_image.py (the stage's files, shell syntax and
# the shellcheck linter) and image/check-install.sh (install.sh in a Debian bookworm root).
#
# The image: stage0-2 of pi-gen (Raspberry Pi OS Lite) and stage-kiosk, which
# runs image/install.sh inside it. Output: pi-gen's deploy/ folder, an
# image_<date>-kiosk.img.xz to write to the card with Raspberry Pi Imager.
#   --arch       arm64 (default, Pi 4 and 5) or armhf (32-bit)
#   --pi-gen     use this pi-gen checkout instead of cloning one
#   --docker     build with pi-gen's build-docker.sh (no root needed, Docker is)
# KIOSK_FIRST_USER_PASS is the password of the technician's login user
# (KIOSK_FIRST_USER, default "kythuat"); there is no default password.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARCH=arm64
PIGEN_DIR=""
USE_DOCKER=0
PIGEN_URL=${PIGEN_URL:-https://github.com/RPi-Distro/pi-gen.git}

die() { printf 'build: ERROR: %s\n' "$*" >&2; exit "${2:-1}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) shift; ARCH=${1:-} ;;
    --pi-gen) shift; PIGEN_DIR=${1:-} ;;
    --docker) USE_DOCKER=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" 2 ;;
  esac
  shift
done
case "$ARCH" in
  arm64) BRANCH=arm64; ARCHIVE=http://archive.raspberrypi.com/debian/ ;;
  armhf) BRANCH=master; ARCHIVE=http://raspbian.raspberrypi.com/raspbian/ ;;
  *) die "--arch must be arm64 or armhf" 2 ;;
esac
[ -n "${KIOSK_FIRST_USER_PASS:-}" ] || die "set KIOSK_FIRST_USER_PASS (the technician's login password; there is no default)" 2

# Can we reach what pi-gen needs? On the project's test machines we cannot.
unreachable=()
if [ -z "$PIGEN_DIR" ] && ! timeout 20 git ls-remote --heads "$PIGEN_URL" >/dev/null 2>&1; then
  unreachable+=("pi-gen ($PIGEN_URL)")
fi
if ! timeout 20 curl -fsI "$ARCHIVE" >/dev/null 2>&1; then
  unreachable+=("the Raspberry Pi OS archive ($ARCHIVE)")
fi
if [ ${#unreachable[@]} -gt 0 ]; then
  reasons=$(printf '%s and ' "${unreachable[@]}")
  printf 'build: cannot build the image here: cannot reach %s.\n' "${reasons% and }" >&2
  printf 'build: build on a machine with internet access, or test what can be tested here:\n' >&2
  printf 'build:   .venv/bin/python -m pytest tests/test_image.py   and   sudo image/check-install.sh\n' >&2
  exit 3
fi

WORK=${KIOSK_BUILD_DIR:-$REPO/var/image-build}
mkdir -p "$WORK"
if [ -z "$PIGEN_DIR" ]; then
  PIGEN_DIR=$WORK/pi-gen
  if [ -d "$PIGEN_DIR/.git" ]; then
    git -C "$PIGEN_DIR" fetch --depth 1 origin "$BRANCH" && git -C "$PIGEN_DIR" checkout -q FETCH_HEAD
  else
    git clone --depth 1 --branch "$BRANCH" "$PIGEN_URL" "$PIGEN_DIR"
  fi
fi
[ -x "$PIGEN_DIR/build.sh" ] || die "$PIGEN_DIR is not a pi-gen checkout (no build.sh)"

# The kiosk stage, with the source packed for 00-run.sh.
rm -rf "$PIGEN_DIR/stage-kiosk"
cp -a "$REPO/image/stage-kiosk" "$PIGEN_DIR/stage-kiosk"
tar --warning=no-file-changed -C "$REPO" --exclude=./.venv --exclude=./.git --exclude=./var --exclude=./build --exclude='*.egg-info' \
    --exclude=./.hypothesis --exclude=./.pytest_cache --exclude='__pycache__' \
    -cf "$PIGEN_DIR/stage-kiosk/00-kiosk/files/kiosk-src.tar" . || [ $? -eq 1 ]  # 1: a file changed while read
# Only the kiosk image, not the plain Lite one that stage2 would export too.
touch "$PIGEN_DIR/stage2/SKIP_IMAGES"

cat > "$PIGEN_DIR/config" <<EOF
IMG_NAME=onestop-kiosk
RELEASE=bookworm
DEPLOY_COMPRESSION=xz
LOCALE_DEFAULT=vi_VN.UTF-8
KEYBOARD_KEYMAP=us
KEYBOARD_LAYOUT="English (US)"
TIMEZONE_DEFAULT=Asia/Ho_Chi_Minh
FIRST_USER_NAME=${KIOSK_FIRST_USER:-kythuat}
FIRST_USER_PASS=${KIOSK_FIRST_USER_PASS}
DISABLE_FIRST_BOOT_USER_RENAME=1
ENABLE_SSH=${KIOSK_ENABLE_SSH:-0}
STAGE_LIST="stage0 stage1 stage2 stage-kiosk"
EOF

cd "$PIGEN_DIR"
if [ "$USE_DOCKER" -eq 1 ]; then
  ./build-docker.sh
else
  [ "$(id -u)" -eq 0 ] || die "pi-gen's build.sh needs root (or use --docker)"
  ./build.sh
fi
echo "build: done; the image is in $PIGEN_DIR/deploy/"
