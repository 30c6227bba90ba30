"""The real backend: plays each announcement WAV through ALSA with ``aplay``."""

from __future__ import annotations

from drivers.base import DeviceError, last_error_line, run_tool
from drivers.speaker.announcer import Speaker
from drivers.speaker.wav import silence_frames, wav_bytes, wav_seconds


class AlsaSpeaker(Speaker):
    """Plays through ALSA with ``aplay`` in a child process.

    A child process, not pygame.mixer: a wedged sound device can only hang
    aplay, which is killed at the timeout, and pygame must stay in the main
    thread for the board while this runs on the announcer's thread.
    """

    def __init__(self, device: str = "default") -> None:
        self.device = device
        self._aplay = "aplay"
        # Open the device once with a short silence, so a missing aplay or a
        # wrong device is reported at start-up rather than at the first call.
        self._run(wav_bytes(silence_frames(0.05)), timeout=10.0)

    def _run(self, wav: bytes, timeout: float) -> None:
        result = run_tool(
            "speaker", [self._aplay, "-q", "-D", self.device, "-"], timeout=timeout, input=wav,
            missing_fix="install it with: sudo apt-get install alsa-utils",
            timeout_fix=f"the sound device {self.device!r} is stuck: unplug and replug the USB "
            "speaker, or reboot",
        )
        if result.returncode != 0:
            raise DeviceError(
                "speaker",
                f"cannot play on ALSA device {self.device!r}: {last_error_line(result)}",
                "check that the speaker is plugged in (aplay -l lists sound cards) and set "
                "alsa_device in [speaker] to one from aplay -L, e.g. \"plughw:1,0\"",
            )

    def play(self, wav: bytes, text: str) -> None:
        """Play ``wav``; a device that does not finish within its length + 10 s is killed."""
        self._run(wav, timeout=wav_seconds(wav) + 10.0)
