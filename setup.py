"""Packaging for the one-stop queue kiosk."""

from pathlib import Path

from setuptools import find_packages, setup


def shipped(folder: str) -> list[tuple[str, list[str]]]:
    """Every file under ``folder``, installed to share/kiosk/<folder>/... (drivers.base.shipped_dir)."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            found.setdefault(f"share/kiosk/{path.parent}", []).append(str(path))
    return sorted(found.items())


setup(
    name="onestop-kiosk",
    version="0.1.0",
    description="Queue kiosk for a one-stop government office, on a Raspberry Pi",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["kiosk", "kiosk.*", "drivers", "drivers.*", "central", "central.*"]),
    include_package_data=True,
    package_data={"kiosk.web": ["static/*"], "central": ["templates/*", "static/*", "static/vendor/*"]},
    data_files=shipped("sounds") + shipped("config"),
    install_requires=[
        "pydantic>=2.7,<3",
        "sqlite-utils>=4.2,<5",
        "tzdata",
        # devices (on a Pi, pygame, lgpio and picamera2 come from the OS: see docs/)
        "pillow>=10",
        "segno>=1.6",
        "python-escpos[usb,serial]>=3.1,<4",
        "pygame>=2.1",  # Raspberry Pi OS bookworm's python3-pygame is 2.1.2
        "gpiozero>=2.0",
        "evdev>=1.7",
        "adafruit-circuitpython-mcp230xx>=2.5",  # rating pads on MCP23017 I2C expanders (brings adafruit-blinka)
        "adafruit-extended-bus>=1.0",  # opens I2C bus N by its number for the expanders
        "pyttsx3>=2.90",
        # local web pages and the sync client
        "fastapi>=0.110",
        "uvicorn>=0.29",
        "python-multipart>=0.0.9",
        "httpx>=0.27",
    ],
    extras_require={
        # the central server (kiosk-central)
        "central": [
            "fastapi>=0.110",
            "uvicorn>=0.29",
            "python-multipart>=0.0.9",
            "sqlalchemy>=2.0",
            "alembic>=1.13",
            "psycopg[binary]>=3.1",
            "jinja2>=3.1",
            "openpyxl>=3.1",  # the XLSX reports
            "lxml>=4.9",  # openpyxl writes the XML with it, several times faster than without
            "fpdf2>=2.7",  # the PDF reports (Vietnamese font embedded)
        ],
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.2",  # a hung test fails with its traceback instead of stalling CI
            "pytest-xdist>=3.5",  # make test-fast runs on both cores
            "hypothesis>=6.100",
            "schemathesis>=3.30",
            "playwright>=1.40",  # the browser is Debian's chromium, never `playwright install`
            "sqlalchemy>=2.0",
            "alembic>=1.13",
            "psycopg[binary]>=3.1",
            "jinja2>=3.1",
            "openpyxl>=3.1",
            "lxml>=4.9",
            "fpdf2>=2.7",
            "import-linter>=2.0",  # the layers of docs/architecture.md, checked by make test
        ],
    },
    entry_points={"console_scripts": ["kiosk = kiosk.cli:main", "kiosk-central = central.cli:main"]},
)
