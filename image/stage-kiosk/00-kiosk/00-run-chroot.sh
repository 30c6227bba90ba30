#!/bin/bash -e
# pi-gen, inside the image: the same install script a technician runs on a stock
# Raspberry Pi OS (packages from 00-packages are already there; install.sh checks
# again and installs only what is missing). systemd is not running in the
# chroot: install.sh enables kiosk.service and starts nothing.
/opt/kiosk-src/image/install.sh
# The source is no longer needed: the kiosk lives in /opt/kiosk.
rm -rf /opt/kiosk-src
