"""The loudspeaker: the clip set, the composed WAV, the queue, both backends."""

from __future__ import annotations

import array
import io
import logging
import math
import os
import re
import shutil
import subprocess
import threading
import tomllib
import wave
from pathlib import Path

import pytest
from pydantic import ValidationError

from drivers.base import DeviceError
from drivers.speaker import announce_command, open_announcer, open_speaker
from drivers.speaker.alsa_backend import AlsaSpeaker
from drivers.speaker.announcer import Announcer, Composer, Speaker
from drivers.speaker.config import SOUNDS_DIR, SpeakerConfig
from drivers.speaker.engines import EspeakNgEngine, make_engine
from drivers.speaker.phrases import (
    CLIPS,
    Clip,
    Phrase,
    Speech,
    call_announcement,
    call_phrase,
    results_ready_announcement,
)
from drivers.speaker.simulated import SimulatedSpeaker
from drivers.speaker.soundset import build_clips, default_clip_set
from drivers.speaker.wav import FORMAT, AudioFormat, chime_frames, read_wav


def _samples(frames: bytes) -> array.array:
    samples = array.array("h")
    samples.frombytes(frames)
    return samples


def _wav(data: bytes) -> tuple[AudioFormat, bytes]:
    with wave.open(io.BytesIO(data), "rb") as reader:
        fmt = AudioFormat(reader.getframerate(), reader.getnchannels(), reader.getsampwidth())
        return fmt, reader.readframes(reader.getnframes())


def _clip_frames(name: str) -> bytes:
    fmt, frames = read_wav(SOUNDS_DIR / f"{name}.wav")
    assert fmt == FORMAT
    return frames


def _tone_power(samples: array.array, rate: int, freq: float) -> float:
    """Goertzel: how much of ``freq`` is in ``samples`` (normalised)."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / len(samples) ** 2


def _rms(samples: array.array) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))


@pytest.fixture
def config(tmp_path: Path) -> SpeakerConfig:
    return SpeakerConfig(backend="simulated", output_dir=tmp_path / "out")


# --- the clip set ----------------------------------------------------------


def test_every_default_clip_is_shipped_in_format_and_not_silent() -> None:
    clips = default_clip_set()
    assert set(clips) == set(CLIPS)
    total = 0
    for name in clips:
        path = SOUNDS_DIR / f"{name}.wav"
        fmt, frames = read_wav(path)
        assert fmt == FORMAT, name
        total += path.stat().st_size
        peak = max(abs(s) for s in _samples(frames))
        if name == "pause":
            assert peak == 0 and len(frames) == 0.6 * 16000 * 2
        else:
            assert peak > 3000, f"{name} is (nearly) silent"
            assert 0.1 < FORMAT.seconds(frames) < 3.0, name
    assert total < 3 * 1024 * 1024


def test_sounds_readme_lists_every_clip_and_its_words() -> None:
    readme = (SOUNDS_DIR / "README.md").read_text(encoding="utf-8")
    for name, words in CLIPS.items():
        if name in ("chime", "pause"):
            assert f"`{name}.wav`" in readme
        else:
            assert f"| `{name}.wav` | {words} |" in readme


def test_chime_is_two_tones() -> None:
    samples = _samples(chime_frames())
    rate = FORMAT.rate
    assert len(samples) == int(2.0 * rate)
    assert max(abs(s) for s in samples[-10:]) < 50  # faded out: no click
    first = samples[int(0.05 * rate): int(0.45 * rate)]
    second = samples[int(0.75 * rate): int(1.2 * rate)]
    # E5 (659 Hz) rings first, C5 (523 Hz) after.
    assert _tone_power(first, rate, 659.25) > 20 * _tone_power(first, rate, 523.25)
    assert _tone_power(second, rate, 523.25) > 5 * _tone_power(second, rate, 659.25)
    assert max(abs(s) for s in samples) < 32767  # no clipping


def test_build_clips_makes_every_clip(tmp_path: Path) -> None:
    written = build_clips(tmp_path, ["vi", "en"])
    assert len(written) == len(CLIPS)
    for name in CLIPS:
        fmt, frames = read_wav(tmp_path / f"{name}.wav")
        assert fmt == FORMAT
        if name != "pause":
            assert max(abs(s) for s in _samples(frames)) > 3000, name
    # The words differ in sound: một and mốt, mười and mươi are not the same clip.
    assert (tmp_path / "vi/mot.wav").read_bytes() != (tmp_path / "vi/mot_sac.wav").read_bytes()
    assert (tmp_path / "vi/muoi.wav").read_bytes() != (tmp_path / "vi/muoi_ngang.wav").read_bytes()


def test_build_clips_can_keep_recorded_clips(tmp_path: Path) -> None:
    build_clips(tmp_path, ["vi"])
    recorded = tmp_path / "vi/ba.wav"
    recorded.write_bytes((SOUNDS_DIR / "vi/hai.wav").read_bytes())  # "an office's recording"
    (tmp_path / "vi/tu.wav").unlink()
    written = build_clips(tmp_path, ["vi"], overwrite=False)
    assert written == [tmp_path / "vi/tu.wav"]
    assert recorded.read_bytes() == (SOUNDS_DIR / "vi/hai.wav").read_bytes()


# --- composing -------------------------------------------------------------


def test_announcement_wav_is_chime_plus_clips(config: SpeakerConfig) -> None:
    phrase = call_phrase("1005", 3)
    wav = Composer(config).wav(phrase)
    fmt, frames = _wav(wav)
    assert fmt == AudioFormat(rate=16000, channels=1, width=2)
    expected = _clip_frames("chime") + b"".join(_clip_frames(s.name) for s in phrase.segments)
    assert frames == expected
    clip_seconds = sum(FORMAT.seconds(_clip_frames(s.name)) for s in phrase.segments)
    assert FORMAT.seconds(frames) == pytest.approx(2.0 + clip_seconds, abs=1e-9)


def test_bilingual_call_has_a_pause_between_languages(config: SpeakerConfig) -> None:
    phrase = call_announcement(config, "A001", 2)
    assert phrase.text == (
        "Mời công dân có số thứ tự a một đến quầy số hai\n"
        "Ticket number A one, please go to counter two"
    )
    _fmt, frames = _wav(Composer(config).wav(phrase))
    vi_part = b"".join(_clip_frames(s.name) for s in call_phrase("A001", 2, "vi").segments)
    start = len(_clip_frames("chime")) + len(vi_part)
    pause = int(0.6 * 16000) * 2
    assert frames[start: start + pause] == bytes(pause)
    assert frames[start + pause:].startswith(_clip_frames("en/ticket_number"))


def test_generated_wav_checked_with_sox(config: SpeakerConfig, tmp_path: Path) -> None:
    out = tmp_path / "call.wav"
    assert announce_command("1005", 3, "vi", False, out, config) == 0
    info = subprocess.run(["sox", "--i", str(out)], capture_output=True, text=True, check=True)
    assert re.search(r"Channels\s*:\s*1\b", info.stdout)
    assert re.search(r"Sample Rate\s*:\s*16000\b", info.stdout)
    assert re.search(r"Precision\s*:\s*16-bit", info.stdout)
    stat = subprocess.run(["sox", str(out), "-n", "stat"], capture_output=True, text=True)
    values = dict(
        (k.strip(), v.strip()) for k, v in
        (line.split(":", 1) for line in stat.stderr.splitlines() if ":" in line)
    )
    assert float(values["RMS     amplitude"]) > 0.05  # clearly not silent
    assert float(values["Maximum amplitude"]) > 0.5
    assert float(values["Length (seconds)"]) > 5.0


def test_volume_scales_the_samples(config: SpeakerConfig) -> None:
    phrase = call_phrase("5", 1)
    loud = _samples(_wav(Composer(config).wav(phrase))[1])
    half = config.model_copy(update={"volume": 0.5})
    quiet = _samples(_wav(Composer(half).wav(phrase))[1])
    assert len(quiet) == len(loud)
    assert max(abs(s) for s in quiet) == pytest.approx(max(abs(s) for s in loud) / 2, abs=1)


def test_name_is_spoken_by_the_engine(config: SpeakerConfig) -> None:
    calls: list[tuple[str, str]] = []

    class Recording(EspeakNgEngine):
        def speak(self, text, voice, rate, *, low_priority=False):  # type: ignore[override]
            calls.append((text, voice))
            return super().speak(text, voice, rate, low_priority=low_priority)

    south = config.model_copy(update={"voice": "vi-vn-x-south", "languages": ["vi"]})
    phrase = results_ready_announcement(south, 4, name="Nguyễn Thị Hương")
    frames = _wav(Composer(south, Recording()).wav(phrase))[1]
    assert calls == [("Nguyễn Thị Hương", "vi-vn-x-south")]
    before = _clip_frames("chime") + _clip_frames("vi/moi_cong_dan")
    after = b"".join(_clip_frames(n) for n in ("vi/den_quay_so", "vi/bon", "vi/nhan_ket_qua"))
    assert frames.startswith(before) and frames.endswith(after)
    name = _samples(frames[len(before): len(frames) - len(after)])
    assert 0.5 < len(name) / FORMAT.rate < 3.0  # three syllables
    assert _rms(name) > 1000


@pytest.mark.parametrize("engine", ["pyttsx3", "espeak-ng"])
def test_both_engines_speak_vietnamese(config: SpeakerConfig, engine: str) -> None:
    composer = Composer(config, make_engine(engine))  # type: ignore[arg-type]
    frames = composer.speech("Trần Văn Đức", "vi")
    assert 0.5 < FORMAT.seconds(frames) < 3.0
    assert _rms(_samples(frames)) > 1000


def test_speech_engine_gives_the_same_sound_every_time(tmp_path: Path) -> None:
    """The default engine: the same text, the same samples (pyttsx3 2.99 does
    not guarantee this, see docs/sound.md), and the shipped clips are exactly
    what it makes."""
    texts = [("T", "en"), ("một", "vi"), ("T", "en"), ("một", "vi")]
    jobs = [(t, v, 150, tmp_path / f"e{i}.wav") for i, (t, v) in enumerate(texts)]
    make_engine().render_many(jobs)
    frames = [read_wav(path)[1] for *_rest, path in jobs]
    assert frames[0] == frames[2] and frames[1] == frames[3]
    build_clips(tmp_path / "built", ["vi"])
    for name in ("vi/mot", "vi/tu", "vi/moi_cong_dan_co_so_thu_tu"):
        assert (tmp_path / "built" / f"{name}.wav").read_bytes() == (
            SOUNDS_DIR / f"{name}.wav"
        ).read_bytes()


def test_missing_clip_falls_back_to_speech(
    config: SpeakerConfig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sounds = tmp_path / "sounds"
    shutil.copytree(SOUNDS_DIR, sounds)
    (sounds / "vi/ba.wav").unlink()
    cfg = config.model_copy(update={"sounds_dir": sounds, "languages": ["vi"]})
    composer = Composer(cfg)
    assert composer.missing_clips() == ["vi/ba"]
    with caplog.at_level(logging.WARNING):
        frames = _wav(composer.wav(call_phrase("7", 3)))[1]
    assert "vi/ba.wav" in caplog.text and "kiosk sounds build" in caplog.text
    before = _clip_frames("chime") + b"".join(
        _clip_frames(n) for n in ("vi/moi_cong_dan_co_so_thu_tu", "vi/bay", "vi/den_quay_so")
    )
    assert frames.startswith(before)
    spoken_ba = _samples(frames[len(before):])
    assert 0.15 < len(spoken_ba) / FORMAT.rate < 1.5
    assert _rms(spoken_ba) > 1000


def test_missing_sounds_folder_is_a_device_error(config: SpeakerConfig, tmp_path: Path) -> None:
    cfg = config.model_copy(update={"sounds_dir": tmp_path / "nowhere"})
    with pytest.raises(DeviceError, match="kiosk sounds build"):
        open_announcer(cfg)


def test_recorded_clip_in_another_format_is_converted(config: SpeakerConfig, tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    shutil.copytree(SOUNDS_DIR, sounds)
    # A 44.1 kHz stereo 24-bit "recording" of a 440 Hz tone, 0.5 s long.
    rate, n = 44100, 22050
    data = bytearray()
    for i in range(n):
        value = int(0.5 * 8388607 * math.sin(2 * math.pi * 440 * i / rate))
        data += value.to_bytes(3, "little", signed=True) * 2
    with wave.open(str(sounds / "vi/ba.wav"), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(3)
        out.setframerate(rate)
        out.writeframes(bytes(data))
    frames = Composer(config.model_copy(update={"sounds_dir": sounds})).clip("vi/ba")
    samples = _samples(frames)
    assert len(samples) == pytest.approx(8000, abs=2)
    assert _tone_power(samples, 16000, 440) > 100 * _tone_power(samples, 16000, 880)
    assert max(abs(s) for s in samples) == pytest.approx(16383, rel=0.05)


def test_unreadable_clip_names_the_fix(config: SpeakerConfig, tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    shutil.copytree(SOUNDS_DIR, sounds)
    (sounds / "vi/ba.wav").write_bytes(b"ID3 this is an mp3")
    with pytest.raises(ValueError, match="sox INPUT -r 16000 -c 1 -b 16 ba.wav"):
        Composer(config.model_copy(update={"sounds_dir": sounds})).clip("vi/ba")


def test_hung_speech_engine_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "bin" / "espeak-ng"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(DeviceError, match="did not finish within 1 s"):
        EspeakNgEngine(timeout_s=1).render("một", "vi", 150, tmp_path / "x.wav")


# --- the queue -------------------------------------------------------------


def test_recall_gives_the_identical_wav(config: SpeakerConfig) -> None:
    announcer = open_announcer(config)
    announcer.call("A1005", 3)
    announcer.results_ready(3, name="Lê Văn Tám")
    announcer.call("A1005", 3)  # recall
    announcer.results_ready(3, name="Lê Văn Tám")
    assert announcer.wait(30)
    announcer.close()
    out = config.output_dir
    assert sorted(p.name for p in out.glob("*.wav")) == [f"announce-000{i}.wav" for i in (1, 2, 3, 4)]
    assert (out / "announce-0001.wav").read_bytes() == (out / "announce-0003.wav").read_bytes()
    assert (out / "announce-0002.wav").read_bytes() == (out / "announce-0004.wav").read_bytes()
    assert (out / "announce-0001.txt").read_text(encoding="utf-8") == (
        "Mời công dân có số thứ tự a một nghìn không trăm linh năm đến quầy số ba\n"
        "Ticket number A one thousand and five, please go to counter three\n"
    )
    # A fresh composer (nothing cached) makes the same bytes: no randomness.
    phrase = call_announcement(config, "A1005", 3)
    assert Composer(config).wav(phrase) == (out / "announce-0001.wav").read_bytes()


def test_announcements_from_two_threads_never_overlap(tmp_path: Path) -> None:
    cfg = SpeakerConfig(backend="simulated", output_dir=tmp_path / "out", pace=0.004)
    announcer = open_announcer(cfg)

    def counter_desk(counter: int) -> None:
        for number in range(1, 6):
            announcer.call(f"{counter}{number:03d}", counter)

    threads = [threading.Thread(target=counter_desk, args=(c,)) for c in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert announcer.wait(30)
    played = announcer.speaker.played  # type: ignore[attr-defined]
    assert len(played) == 10
    for earlier, later in zip(played, played[1:]):
        assert earlier.end <= later.start
        assert later.end - later.start > 0.02  # it really "played" for a while
    for counter in (1, 2):  # each desk's calls in the order it made them
        texts = [p.text for p in played if p.text.split("\n")[1].endswith(
            f"counter {['', 'one', 'two'][counter]}")]
        assert texts == [call_announcement(cfg, f"{counter}{n:03d}", counter).text
                         for n in range(1, 6)]
    announcer.close()


class BlockingSpeaker(Speaker):
    """A speaker whose ``play`` holds the announcer until ``release`` is set (``started``: it is playing)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.texts: list[str] = []

    def play(self, wav: bytes, text: str) -> None:
        self.started.set()
        assert self.release.wait(10)
        self.texts.append(text)


def test_announce_returns_while_the_speaker_is_busy(config: SpeakerConfig) -> None:
    speaker = BlockingSpeaker()
    announcer = Announcer(speaker, Composer(config))
    announcer.rating_prompt()
    assert speaker.started.wait(5)
    announcer.rating_thanks()  # returns although the first is still playing
    assert speaker.texts == []
    assert not announcer.wait(0.05)
    speaker.release.set()
    assert announcer.wait(5)
    assert speaker.texts == [
        "Kính mời công dân đánh giá mức độ hài lòng\n"
        "Please rate your satisfaction with our service",
        "Cảm ơn công dân đã đánh giá\nThank you for your rating",
    ]
    announcer.close()


def test_a_failed_announcement_does_not_stop_the_next(config: SpeakerConfig) -> None:
    class Flaky(SimulatedSpeaker):
        def play(self, wav: bytes, text: str) -> None:
            if not self.played and not getattr(self, "failed", False):
                self.failed = True
                raise DeviceError("speaker", "unplugged", "plug it in")
            super().play(wav, text)

    errors: list[Exception] = []
    announcer = Announcer(Flaky(config.output_dir), Composer(config), on_error=errors.append)
    announcer.call("1", 1)
    announcer.call("2", 1)
    assert announcer.wait(10)
    assert [str(e) for e in errors] == ["speaker: unplugged (plug it in)"]
    assert len(announcer.speaker.played) == 1  # type: ignore[attr-defined]
    assert "số thứ tự hai" in announcer.speaker.played[0].text  # type: ignore[attr-defined]
    announcer.close()


# --- the real backend ------------------------------------------------------


def test_real_backend_plays_through_aplay(tmp_path: Path) -> None:
    # ALSA's "null" device exists on every machine with alsa-utils, sound card or not.
    cfg = SpeakerConfig(backend="real", alsa_device="null")
    speaker = open_speaker(cfg)
    assert isinstance(speaker, AlsaSpeaker)
    wav = Composer(cfg).wav(call_phrase("5", 1))
    speaker.play(wav, "test")


def test_missing_alsa_device_is_a_device_error() -> None:
    with pytest.raises(DeviceError, match=r"ALSA device 'hw:9,0'.*aplay -L"):
        open_speaker(SpeakerConfig(backend="real", alsa_device="hw:9,0"))


def test_missing_aplay_is_a_device_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DeviceError, match="apt-get install alsa-utils"):
        open_speaker(SpeakerConfig(backend="real"))


def test_wedged_aplay_is_killed(tmp_path: Path) -> None:
    fake = tmp_path / "aplay"
    fake.write_text("#!/bin/sh\ncat > /dev/null\nexec sleep 30\n")
    fake.chmod(0o755)
    speaker = AlsaSpeaker.__new__(AlsaSpeaker)  # skip the start-up probe
    speaker.device, speaker._aplay = "default", str(fake)
    with pytest.raises(DeviceError, match="did not finish within 1 s.*replug"):
        speaker._run(b"RIFF", timeout=1)


# --- the technician's command and the config ------------------------------


def test_announce_command(config: SpeakerConfig, tmp_path: Path, capsys) -> None:
    assert announce_command("1005", 3, "vi", True, None, config) == 0
    assert capsys.readouterr().out == (
        "Mời công dân có số thứ tự một nghìn không trăm linh năm đến quầy số ba\n"
    )
    assert not config.output_dir.exists()  # --text plays nothing

    assert announce_command("B7", 2, "en", False, None, config) == 0
    assert "Ticket number B seven, please go to counter two" in capsys.readouterr().out
    played = config.output_dir / "announce-0001.wav"
    assert _wav(played.read_bytes())[1].startswith(_clip_frames("chime"))

    assert announce_command("7B", 2, None, False, None, config) == 2
    assert "letters followed by digits" in capsys.readouterr().err
    assert announce_command("7", 2, "fr", False, None, config) == 2

    real = SpeakerConfig(backend="real", alsa_device="hw:9,0")
    assert announce_command("7", 2, "vi", False, None, real) == 1
    assert "aplay -L" in capsys.readouterr().err


def test_config_from_toml(tmp_path: Path) -> None:
    text = """
[speaker]
backend = "simulated"
languages = ["vi"]
read_numbers = "digits"
four_after_tens = "bốn"
voice = "vi-vn-x-south"
volume = 0.8
output_dir = "/tmp/announcements"
"""
    cfg = SpeakerConfig(**tomllib.loads(text)["speaker"])
    assert call_announcement(cfg, "1024", 24).text == (
        "Mời công dân có số thứ tự một không hai bốn đến quầy số hai mươi bốn"
    )
    with pytest.raises(ValidationError, match="extra"):
        SpeakerConfig(backend="simulated", colume=1.0)
    with pytest.raises(ValidationError):
        SpeakerConfig(languages=[])
    with pytest.raises(ValidationError):
        SpeakerConfig(languages=["vi", "fr"])
    with pytest.raises(ValidationError):
        SpeakerConfig(volume=1.5)
    with pytest.raises(ValidationError):
        SpeakerConfig(voice="vi-north")


def test_phrasing_from_toml_keeps_the_other_defaults() -> None:
    text = """
[speaker]
languages = ["vi", "en"]

[speaker.phrasing.vi]
results_named = "Xin mời công dân {name} đến quầy {counter} nhận kết quả"

[speaker.phrasing.en]
named_call = "{name}, number {number}, counter {counter}, please"
"""
    cfg = SpeakerConfig(**tomllib.loads(text)["speaker"])
    assert cfg.phrasing.vi.results_named == "Xin mời công dân {name} đến quầy {counter} nhận kết quả"
    assert cfg.phrasing.vi.named_call == "Mời công dân {name}, số thứ tự {number}, đến quầy số {counter}"
    assert cfg.phrasing.en.named_call == "{name}, number {number}, counter {counter}, please"
    assert cfg.phrasing.en.results_number == (
        "Ticket number {number}, please come to counter {counter} to collect your results"
    )


def test_phrasing_template_is_stored_nfc() -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Mời công dân {name} đến quầy số {counter}")
    cfg = SpeakerConfig(phrasing={"vi": {"named_call": decomposed}})
    assert cfg.phrasing.vi.named_call == "Mời công dân {name} đến quầy số {counter}"


@pytest.mark.parametrize("key, template, message", [
    ("named_call", "Mời công dân {name}", "named_call must say {counter}"),
    ("named_call", "Mời công dân số {number} quầy {counter}", "named_call must say {name}"),
    ("results_named", "Mời {ten} đến quầy {counter}", "{ten} is not a placeholder"),
    ("results_named", "Mời {name đến quầy {counter}", "results_named: .*placeholder"),
    ("results_named", "Mời {name!r} đến quầy {counter}", r"{name!r} is not a placeholder"),
    ("results_number", "Mời {name}, số {number}, quầy {counter}", "results_number must not say {name}"),
    ("results_number", "Mời số {number}", "results_number must say {counter}"),
    ("results_number", "   ", "results_number is empty"),
])
def test_bad_phrasing_is_refused_naming_the_key(key: str, template: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        SpeakerConfig(phrasing={"vi": {key: template}})
    assert caught.value.errors()[0]["loc"] == ("phrasing", "vi", key)


def test_unknown_phrasing_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="extra") as caught:
        SpeakerConfig(phrasing={"en": {"name_call": "{name} {counter}"}})
    assert caught.value.errors()[0]["loc"] == ("phrasing", "en", "name_call")


def test_segments_are_clip_or_speech(config: SpeakerConfig) -> None:
    mixed = Phrase("ba An", (Clip("vi/ba"), Speech("An", "vi")))
    frames = _wav(Composer(config).wav(mixed))[1]
    assert frames.startswith(_clip_frames("chime") + _clip_frames("vi/ba"))
    with pytest.raises(TypeError):
        Composer(config).frames(Phrase("x", ("vi/ba",)))  # type: ignore[arg-type]
