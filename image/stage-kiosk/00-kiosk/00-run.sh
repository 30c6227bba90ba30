#!/bin/bash -e
# pi-gen, on the build host: put the kiosk's source (packed by image/build.sh
# into files/kiosk-src.tar) into the image, for 00-run-chroot.sh to install.
if [ ! -f files/kiosk-src.tar ]; then
	echo "stage-kiosk: files/kiosk-src.tar is missing: build with image/build.sh, which packs it" >&2
	exit 1
fi
rm -rf "${ROOTFS_DIR}/opt/kiosk-src"
install -d "${ROOTFS_DIR}/opt/kiosk-src"
tar -C "${ROOTFS_DIR}/opt/kiosk-src" -xf files/kiosk-src.tar
