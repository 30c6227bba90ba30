"""Packaging for the one-stop queue kiosk."""

from setuptools import find_packages, setup

setup(
    name="onestop-kiosk",
    version="0.1.0",
    description="Queue kiosk for a one-stop government office, on a Raspberry Pi",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.11",
    packages=find_packages(include=["kiosk", "kiosk.*", "drivers", "drivers.*"]),
    include_package_data=True,
    install_requires=[
        "pydantic>=2.7,<3",
        "sqlite-utils>=4.2,<5",
        "tzdata",
        # devices (on a Pi, pygame, lgpio and picamera2 come from the OS: see docs/)
        "pillow>=10",
        "segno>=1.6",
        "python-escpos[usb,serial]>=3.1,<4",
        "pygame>=2.5",
        "gpiozero>=2.0",
        "evdev>=1.7",
        "pyttsx3>=2.90",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "hypothesis>=6.100",
        ],
    },
    entry_points={"console_scripts": ["kiosk = kiosk.cli:main"]},
)
