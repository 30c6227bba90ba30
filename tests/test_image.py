"""Static checks of the SD-image build (image/): fast, no root, no network.

The slow check, install.sh in a real Debian bookworm root, is
`sudo image/check-install.sh` (docs/technician.md); the image itself can only be
built where pi-gen and the Raspberry Pi OS archive are reachable (image/build.sh).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
IMAGE = REPO / "image"
STAGE = IMAGE / "stage-kiosk"
SUBSTAGE = STAGE / "00-kiosk"
SCRIPTS = [
    IMAGE / "install.sh",
    IMAGE / "check-install.sh",
    IMAGE / "build.sh",
    STAGE / "prerun.sh",
    SUBSTAGE / "00-run.sh",
    SUBSTAGE / "00-run-chroot.sh",
]


def bash_array(script: Path, name: str) -> list[str]:
    """The words of the bash array ``name=(...)`` in ``script``."""
    text = script.read_text(encoding="utf-8")
    match = re.search(rf"^{name}=\((.*?)\)", text, re.S | re.M)
    assert match, f"{name}=(...) not found in {script}"
    return match.group(1).split()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_script_is_valid_bash_and_executable(script: Path) -> None:
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert os.access(script, os.X_OK), f"{script} is not executable (pi-gen and technicians run it directly)"
    assert script.read_text(encoding="utf-8").startswith("#!"), f"{script} has no #! line"


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed (apt-get install shellcheck)")
def test_shellcheck_finds_nothing() -> None:
    result = subprocess.run(["shellcheck", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "", result.stdout


def test_stage_has_what_pi_gen_runs() -> None:
    # pi-gen runs prerun.sh of the stage, then in each sub-stage folder
    # NN-packages (installed with apt), NN-run.sh (on the host), NN-run-chroot.sh
    # (inside the image); EXPORT_IMAGE makes it export an image after the stage.
    assert (STAGE / "prerun.sh").read_text().count("copy_previous") == 1
    assert 'IMG_SUFFIX="-kiosk"' in (STAGE / "EXPORT_IMAGE").read_text()
    for name in ("00-packages", "00-run.sh", "00-run-chroot.sh"):
        assert (SUBSTAGE / name).is_file(), f"{name} missing from {SUBSTAGE}"
    assert "/opt/kiosk-src/image/install.sh" in (SUBSTAGE / "00-run-chroot.sh").read_text()
    assert "kiosk-src.tar" in (SUBSTAGE / "00-run.sh").read_text()
    assert "stage-kiosk/00-kiosk/files/kiosk-src.tar" in (IMAGE / "build.sh").read_text()


def test_install_script_installs_the_packages_the_brief_names() -> None:
    install = IMAGE / "install.sh"
    needed = bash_array(install, "NEEDED_PACKAGES")
    optional = bash_array(install, "OPTIONAL_PACKAGES")
    for package in ("python3-venv", "python3-pygame", "espeak-ng", "alsa-utils", "sox", "fonts-dejavu-core",
                    "libusb-1.0-0", "sqlite3"):
        assert package in needed, package
    # Only in the Raspberry Pi OS archive: skipped with a note elsewhere.
    for package in ("python3-lgpio", "python3-picamera2"):
        assert package in optional and package not in needed, package
    # The image installs the same packages up front.
    stage_packages = (SUBSTAGE / "00-packages").read_text().split()
    assert sorted(stage_packages) == sorted(needed + optional)


def test_install_script_sets_up_what_the_kiosk_needs() -> None:
    text = (IMAGE / "install.sh").read_text(encoding="utf-8")
    service = (REPO / "systemd" / "kiosk.service").read_text(encoding="utf-8")
    # The venv where the unit expects it, seeing the OS's pygame/lgpio/picamera2.
    exec_start = re.search(r"^ExecStart=(\S+)", service, re.M).group(1)
    assert exec_start == "/opt/kiosk/venv/bin/kiosk"
    assert 'PREFIX=${KIOSK_PREFIX:-/opt/kiosk}' in text and 'VENV=$PREFIX/venv' in text
    assert "python3 -m venv --system-site-packages" in text
    # Every group of the unit exists and the kiosk user is in it.
    unit_groups = re.search(r"^SupplementaryGroups=(.*)$", service, re.M).group(1).split()
    assert sorted(bash_array(IMAGE / "install.sh", "KIOSK_GROUPS")) == sorted(unit_groups)
    # Journald in RAM with a cap, the hardware watchdog, Wi-Fi power saving off.
    assert "Storage=volatile" in text and re.search(r"^RuntimeMaxUse=\d+M$", text, re.M)
    assert re.search(r"^RuntimeWatchdogSec=\d+$", text, re.M)
    assert "wifi.powersave = 2" in text
    # The printer's udev rule, the default config, chroot-safe enabling.
    assert 'GROUP="lp"' in text and "/etc/udev/rules.d/60-kiosk-printer.rules" in text
    assert "config/kiosk.example.toml" in text and "[ ! -f /etc/kiosk/kiosk.toml ]" in text
    assert "[ -d /run/systemd/system ]" in text


def test_install_script_refuses_bad_usage_before_touching_anything(tmp_path: Path) -> None:
    result = subprocess.run(["bash", str(IMAGE / "install.sh"), "--no-such-option"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "unknown option --no-such-option" in result.stderr
    help_text = subprocess.run(["bash", str(IMAGE / "install.sh"), "--help"], capture_output=True, text=True)
    assert help_text.returncode == 0 and "--read-only-root" in help_text.stdout


def test_build_says_it_cannot_build_without_a_password() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_FIRST_USER_PASS"}
    result = subprocess.run(["bash", str(IMAGE / "build.sh")], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "KIOSK_FIRST_USER_PASS" in result.stderr
