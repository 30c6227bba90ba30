"""Names on the loudspeaker: the syllable bank, names prepared ahead, the scan tones, privacy."""

from __future__ import annotations

import array
import io
import itertools
import logging
import math
import re
import shutil
import threading
import time
import unicodedata
import wave
from collections import defaultdict
from pathlib import Path
from typing import Sequence

import pytest

from drivers.base import DeviceError
from drivers.speaker import missing_syllables, open_announcer
from drivers.speaker.announcer import Announcer, Composer, Speaker
from drivers.speaker.config import SOUNDS_DIR, SpeakerConfig
from drivers.speaker.engines import EspeakNgEngine, Job, SpeechEngine
from drivers.speaker.phrases import named_call_announcement, results_ready_announcement
from drivers.speaker.simulated import SimulatedSpeaker
from drivers.speaker.syllables import syllable_file
from drivers.speaker.wav import FORMAT, read_wav, write_wav
from tests.drivers.test_speaker import BlockingSpeaker

NAMES = ["Nguyễn Thị Hường", "Đặng Văn Ước", "Lê Thị Ánh Tuyết", "Hoàng Quốc Việt"]


def _frames(wav: bytes) -> bytes:
    with wave.open(io.BytesIO(wav), "rb") as reader:
        return reader.readframes(reader.getnframes())


def _clip(name: str, sounds: Path = SOUNDS_DIR) -> bytes:
    return read_wav(sounds / f"{name}.wav")[1]


def _sine(freq: float, seconds: float = 0.2) -> bytes:
    n = int(seconds * FORMAT.rate)
    return array.array("h", (int(8000 * math.sin(2 * math.pi * freq * i / FORMAT.rate))
                             for i in range(n))).tobytes()


def _power(frames: bytes, freq: float) -> float:
    """Goertzel: how much of ``freq`` is in ``frames`` (normalised)."""
    samples = array.array("h")
    samples.frombytes(frames)
    coeff = 2 * math.cos(2 * math.pi * freq / FORMAT.rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / len(samples) ** 2


class Recording(EspeakNgEngine):
    """espeak-ng, noting what it was asked to say (and at which priority)."""

    def __init__(self) -> None:
        super().__init__()
        self.said: list[tuple[str, bool]] = []

    def speak(self, text, voice, rate, *, low_priority=False):  # type: ignore[override]
        self.said.append((text, low_priority))
        return super().speak(text, voice, rate, low_priority=low_priority)


class Tones(SpeechEngine):
    """A fast stand-in engine: a short tone per text, the same for the same text."""

    name = "tones"

    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []
        self.hold: dict[str, threading.Event] = {}
        self.started: defaultdict[str, threading.Event] = defaultdict(threading.Event)

    def render_many(self, jobs: Sequence[Job]) -> None:
        for text, _voice, _rate, path in jobs:
            write_wav(Path(path), self.speak(text, "vi", 150)[1])

    def speak(self, text, voice, rate, *, low_priority=False):  # type: ignore[override]
        self.said.append(text)
        self.started[text].set()
        if text in self.hold:
            assert self.hold[text].wait(10)
        return FORMAT, _sine(300 + sum(map(ord, text)) % 900)


@pytest.fixture
def config(tmp_path: Path) -> SpeakerConfig:
    return SpeakerConfig(backend="simulated", output_dir=tmp_path / "out")


@pytest.fixture
def sounds(tmp_path: Path) -> Path:
    """A copy of the shipped clips with a small syllable bank: nguyễn, văn, an."""
    folder = tmp_path / "sounds"
    shutil.copytree(SOUNDS_DIR, folder)
    for index, syllable in enumerate(["nguyễn", "văn", "an"]):
        write_wav(folder / "vi/syllables" / f"{syllable_file(syllable)}.wav", _sine(500 + 200 * index))
    return folder


# --- file names of the syllable bank --------------------------------------


@pytest.mark.parametrize("syllable, file", [
    ("nguyễn", "nguyeenx"), ("hường", "huwowngf"), ("đặng", "ddawngj"), ("ước", "uwowcs"),
    ("việt", "vieetj"), ("tuyết", "tuyeets"), ("thị", "thij"), ("ánh", "anhs"), ("an", "an"),
    ("quỳnh", "quynhf"), ("giữ", "giuwx"), ("lý", "lys"), ("hoàng", "hoangf"), ("ngô", "ngoo"),
    ("bửu", "buwur"), ("đỗ", "ddoox"), ("dương", "duwowng"), ("khuê", "khuee"), ("mỹ", "myx"),
])
def test_syllable_file_is_telex_with_the_tone_last(syllable: str, file: str) -> None:
    assert syllable_file(syllable) == file
    assert syllable_file(unicodedata.normalize("NFD", syllable.upper())) == file


def test_old_and_new_tone_placement_share_a_file() -> None:
    assert syllable_file("thuỷ") == syllable_file("thủy") == "thuyr"
    assert syllable_file("hoà") == syllable_file("hòa") == "hoaf"


@pytest.mark.parametrize("syllable", ["ksor", "xoong", "wang", "john", "an1", "ab-c", "", "ǎn"])
def test_a_syllable_that_is_not_vietnamese_has_no_file(syllable: str) -> None:
    assert syllable_file(syllable) is None


_TONE_MARKS = {"\u0301", "\u0300", "\u0309", "\u0303", "\u0323"}


def _vietnamese_syllables() -> set[tuple[str, str]]:
    """Syllables as (letters without the tone, tone): where a tone mark sits
    ("thuỷ", "thủy") does not make another syllable."""
    initials = ["", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng",
                "ngh", "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"]
    rhymes = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "âu",
              "ay", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "ua",
              "uâ", "uê", "ui", "uô", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "uyê", "oai", "uôi",
              "ươi", "ươu", "iêu", "yêu", "uya", "oay"]
    finals = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "u", "o", "y"]
    tones = ["", *_TONE_MARKS]
    found = set()
    for initial, rhyme, final, tone in itertools.product(initials, rhymes, finals, tones):
        letters = initial + rhyme + final
        if any(double in letters for double in ("aa", "dd", "ee", "oo")):
            continue  # no Vietnamese syllable spells these
        found.add((letters, tone))
    return found


def test_file_names_are_one_to_one_lowercase_ascii() -> None:
    seen: dict[str, tuple[str, str]] = {}
    for letters, tone in _vietnamese_syllables():
        # The tone on each vowel in turn: the same file wherever it sits.
        files = {
            syllable_file(unicodedata.normalize("NFC", letters[:i + 1] + tone + letters[i + 1:]))
            for i, char in enumerate(letters) if char in "aăâeêioôơuưy"
        }
        assert len(files) == 1, (letters, tone, files)
        file = files.pop()
        assert file is not None and re.fullmatch(r"[a-z]+", file), (letters, tone, file)
        assert seen.setdefault(file, (letters, tone)) == (letters, tone), file
    assert len(seen) > 50_000


def _readme_examples(text: str) -> list[tuple[str, str]]:
    rows = re.findall(r"^\| ([^|`]+?) \| `vi/syllables/([a-z]+)\.wav` \|$", text, re.M)
    spelled = re.findall(r"(\w+)\s+->\s+([a-z]+)\.wav", text)
    return [(s, f) for syllables, f in rows for s in syllables.split(", ")] + spelled


@pytest.mark.parametrize("readme", ["README.md", "vi/syllables/README.md"])
def test_readme_examples_are_the_file_names(readme: str) -> None:
    examples = _readme_examples((SOUNDS_DIR / readme).read_text(encoding="utf-8"))
    assert len(examples) >= 6
    for syllable, file in examples:
        assert syllable_file(syllable) == file, syllable


def test_missing_syllables_counts_the_names_that_need_each(tmp_path: Path) -> None:
    bank = tmp_path / "vi/syllables"
    for syllable in ("nguyễn", "thị"):
        write_wav(bank / f"{syllable_file(syllable)}.wav", _sine(440))
    names = ["NGUYỄN  thị hường", unicodedata.normalize("NFD", "Nguyễn Văn An"),
             "Lê Văn An", "Trần Văn Văn", "Hơ-Mok K'Sor", "1234", ""]
    assert missing_syllables(names, tmp_path) == {
        "văn": 3, "an": 2, "hơ": 1, "hường": 1, "k": 1, "lê": 1, "mok": 1, "sor": 1, "trần": 1,
    }
    assert missing_syllables([], tmp_path) == {}
    assert missing_syllables(["An"], tmp_path / "nowhere") == {"an": 1}


# --- names: the bank, or the engine ----------------------------------------


def test_name_is_joined_from_the_bank_when_every_syllable_is_there(
    config: SpeakerConfig, sounds: Path
) -> None:
    engine = Recording()
    cfg = config.model_copy(update={"sounds_dir": sounds, "languages": ["vi"]})
    wav = Composer(cfg, engine).wav(results_ready_announcement(cfg, 2, name="nguyễn  VĂN an"))
    name = b"".join(_clip(f"vi/syllables/{f}", sounds) for f in ("nguyeenx", "vawn", "an"))
    before = _clip("chime") + _clip("vi/moi_cong_dan")
    assert _frames(wav) == before + name + _clip("vi/den_quay_so") + _clip("vi/hai") + _clip(
        "vi/nhan_ket_qua")
    assert engine.said == []


def test_name_is_said_by_the_engine_when_a_syllable_is_missing(
    config: SpeakerConfig, sounds: Path
) -> None:
    engine = Recording()
    cfg = config.model_copy(update={"sounds_dir": sounds, "languages": ["vi"]})
    frames = _frames(Composer(cfg, engine).wav(
        results_ready_announcement(cfg, 2, name="Nguyễn Văn Bình")))
    assert engine.said == [("Nguyễn Văn Bình", False)]
    assert _clip("vi/syllables/nguyeenx", sounds) not in frames  # never half recorded


def test_unreadable_syllable_clip_falls_back_to_the_engine(
    config: SpeakerConfig, sounds: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (sounds / "vi/syllables/an.wav").write_bytes(b"not a wav")
    engine = Recording()
    cfg = config.model_copy(update={"sounds_dir": sounds, "languages": ["vi"]})
    with caplog.at_level(logging.WARNING):
        Composer(cfg, engine).wav(results_ready_announcement(cfg, 2, name="Nguyễn Văn An"))
    assert engine.said == [("Nguyễn Văn An", False)]
    assert "an.wav unreadable" in caplog.text


def test_the_wav_text_of_calls_with_names(config: SpeakerConfig) -> None:
    announcer = open_announcer(config)
    announcer.call("1005", 3, name="  nguyễn   thị HƯỜNG ")
    announcer.results_ready(4, name="Đặng Văn Ước", number="1006")
    announcer.results_ready(5, number="A7")
    assert announcer.wait(30)
    announcer.close()
    texts = [p.read_text(encoding="utf-8") for p in sorted(config.output_dir.glob("*.txt"))]
    assert texts == [
        "Mời công dân Nguyễn Thị Hường, số thứ tự một nghìn không trăm linh năm, đến quầy số ba\n"
        "Citizen Nguyễn Thị Hường, ticket number one thousand and five, please go to counter three\n",
        "Mời công dân Đặng Văn Ước đến quầy số bốn nhận kết quả\n"
        "Citizen Đặng Văn Ước, please come to counter four to collect your results\n",
        "Mời công dân có số thứ tự a bảy đến quầy số năm nhận kết quả\n"
        "Ticket number A seven, please come to counter five to collect your results\n",
    ]


def test_the_name_sounds_the_same_in_both_languages(config: SpeakerConfig) -> None:
    """The English sentence says the name in the Vietnamese voice: the very same sound."""
    composer = Composer(config)
    frames = _frames(composer.wav(named_call_announcement(config, "5", 1, "Hoàng Quốc Việt")))
    name = composer.name_frames(named_call_announcement(config, "5", 1, "Hoàng Quốc Việt")
                                .segments[1])  # type: ignore[arg-type]
    assert len(name) > FORMAT.rate  # over half a second of speech
    assert frames.count(name) == 2


def test_a_call_with_something_that_is_not_a_name_calls_the_number(
    config: SpeakerConfig, caplog: pytest.LogCaptureFixture
) -> None:
    announcer = open_announcer(config)
    with caplog.at_level(logging.WARNING):
        phrase = announcer.call("12", 1, name="0123456789|x")
    assert phrase.text.startswith("Mời công dân có số thứ tự mười hai")
    assert "0123456789" not in caplog.text
    announcer.close()


def test_configured_words_without_a_clip_are_said_by_the_engine(config: SpeakerConfig) -> None:
    cfg = config.model_copy(update={"languages": ["vi"], "phrasing": SpeakerConfig(
        phrasing={"vi": {"named_call": "Xin mời ông bà {name} tới quầy số {counter}"}}).phrasing})
    engine = Recording()
    composer = Composer(cfg, engine)
    composer.preload()  # at start-up, not at the first call
    assert engine.said == [("Xin mời ông bà", False), ("tới quầy số", False)]
    frames = _frames(composer.wav(named_call_announcement(cfg, "5", 2, "Nguyễn Văn An")))
    name = composer.name_frames(named_call_announcement(cfg, "5", 2, "Nguyễn Văn An")
                                .segments[1])  # type: ignore[arg-type]
    assert frames == (_clip("chime") + composer.speech("Xin mời ông bà", "vi") + name
                      + composer.speech("tới quầy số", "vi") + _clip("vi/hai"))
    assert [t for t, _ in engine.said] == ["Xin mời ông bà", "tới quầy số", "Nguyễn Văn An"]


# --- prepared ahead, cached, forgotten --------------------------------------


def test_a_prepared_name_is_not_rendered_again_when_called(config: SpeakerConfig) -> None:
    engine = Recording()
    announcer = Announcer(SimulatedSpeaker(config.output_dir), Composer(config, engine))
    announcer.prepare("Lê Thị Ánh Tuyết")
    _wait_until(lambda: announcer.composer.is_prepared("Lê Thị Ánh Tuyết"))
    assert engine.said == [("Lê Thị Ánh Tuyết", True)]  # in the background, at low priority
    announcer.call("1001", 2, name="LÊ THỊ ÁNH TUYẾT")
    announcer.call("1001", 2, name="Lê Thị Ánh Tuyết")  # recall
    assert announcer.wait(30)
    announcer.close()
    assert engine.said == [("Lê Thị Ánh Tuyết", True)]
    first, recall = sorted(config.output_dir.glob("*.wav"))
    assert first.read_bytes() == recall.read_bytes()
    # A fresh composer, nothing cached, makes the very same WAV.
    fresh = Composer(config).wav(named_call_announcement(config, "1001", 2, "Lê Thị Ánh Tuyết"))
    assert fresh == first.read_bytes()


def test_a_cold_name_is_rendered_at_full_priority(config: SpeakerConfig) -> None:
    engine = Recording()
    announcer = Announcer(SimulatedSpeaker(config.output_dir), Composer(config, engine))
    announcer.call("7", 1, name="Hoàng Quốc Việt")
    assert announcer.wait(30)
    announcer.close()
    assert engine.said == [("Hoàng Quốc Việt", False)]


def test_preparing_waits_while_an_announcement_is_composed(config: SpeakerConfig) -> None:
    engine = Tones()
    engine.hold["Trần Văn Bình"] = threading.Event()
    announcer = Announcer(SimulatedSpeaker(config.output_dir), Composer(config, engine))
    announcer.call("1", 1, name="Trần Văn Bình")
    assert engine.started["Trần Văn Bình"].wait(5)
    announcer.prepare("Phạm Minh Đức")
    time.sleep(0.3)
    assert engine.said == ["Trần Văn Bình"]  # the call's composing is not shared with it
    engine.hold["Trần Văn Bình"].set()
    assert announcer.wait(10)
    _wait_until(lambda: announcer.composer.is_prepared("Phạm Minh Đức"))
    assert engine.said == ["Trần Văn Bình", "Phạm Minh Đức"]
    announcer.close()


def test_a_call_while_its_name_is_being_prepared_waits_for_that_render(
    config: SpeakerConfig,
) -> None:
    engine = Tones()
    engine.hold["Vũ Thị Lan"] = threading.Event()
    announcer = Announcer(SimulatedSpeaker(config.output_dir), Composer(config, engine))
    announcer.prepare("Vũ Thị Lan")
    assert engine.started["Vũ Thị Lan"].wait(5)
    announcer.call("3", 2, name="Vũ Thị Lan")
    time.sleep(0.1)
    engine.hold["Vũ Thị Lan"].set()
    assert announcer.wait(10)
    announcer.close()
    assert engine.said == ["Vũ Thị Lan"]  # one render, shared


def test_forget_names_drops_every_name_sound(config: SpeakerConfig) -> None:
    engine = Tones()
    announcer = Announcer(SimulatedSpeaker(config.output_dir), Composer(config, engine))
    announcer.prepare("Bùi Văn Hùng")
    _wait_until(lambda: announcer.composer.is_prepared("Bùi Văn Hùng"))
    announcer.call("9", 1, name="Bùi Văn Hùng")
    assert announcer.wait(10)
    announcer.forget_names()
    assert not announcer.composer.is_prepared("Bùi Văn Hùng")
    announcer.call("9", 1, name="Bùi Văn Hùng")  # not even the composed WAV is kept
    assert announcer.wait(10)
    announcer.close()
    assert engine.said == ["Bùi Văn Hùng", "Bùi Văn Hùng"]


def test_forget_names_drops_the_names_waiting_to_be_prepared(config: SpeakerConfig) -> None:
    engine = Tones()
    engine.hold["Đỗ Văn Nam"] = threading.Event()
    announcer = Announcer(SimulatedSpeaker(config.output_dir), Composer(config, engine))
    announcer.prepare("Đỗ Văn Nam")
    assert engine.started["Đỗ Văn Nam"].wait(5)
    announcer.prepare("Ngô Thị Mai")  # waits behind the first
    announcer.forget_names()
    engine.hold["Đỗ Văn Nam"].set()
    time.sleep(0.3)
    announcer.close()
    assert engine.said == ["Đỗ Văn Nam"]
    assert not announcer.composer.is_prepared("Đỗ Văn Nam")  # its render ended after the forget


def test_the_name_cache_is_bounded(config: SpeakerConfig) -> None:
    from drivers.speaker.composer import NAME_CACHE

    composer = Composer(config, Tones())
    names = [f"Nguyễn Văn {chr(0x41 + i // 26)}{chr(0x61 + i % 26)}" for i in range(NAME_CACHE + 10)]
    for name in names:
        assert composer.prepare(name)
    assert not composer.is_prepared(names[0])
    assert all(composer.is_prepared(n) for n in names[-NAME_CACHE:])


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- the scan tones --------------------------------------------------------


def test_tones_are_short_distinct_and_not_the_chime(config: SpeakerConfig) -> None:
    composer = Composer(config)
    ok, error = _frames(composer.tone("ok")), _frames(composer.tone("error"))
    assert 0.1 < FORMAT.seconds(ok) < 0.5 and 0.1 < FORMAT.seconds(error) < 0.6
    assert _power(ok, 880) > 100 * _power(ok, 196) and _power(ok, 1318.5) > 100 * _power(ok, 196)
    assert _power(error, 196) > 100 * _power(error, 880)
    chime = _clip("chime")
    assert not chime.startswith(ok[:1000]) and not chime.startswith(error[:1000])
    with pytest.raises(ValueError, match="ok or error"):
        composer.tone("beep")  # type: ignore[arg-type]


def test_a_tone_is_played_before_the_announcements_waiting(config: SpeakerConfig) -> None:
    speaker = BlockingSpeaker()
    announcer = Announcer(speaker, Composer(config))
    announcer.rating_prompt()
    assert speaker.started.wait(5)
    announcer.call("5", 1)
    announcer.tone("error")
    speaker.release.set()
    assert announcer.wait(10)
    announcer.close()
    assert [t.split("\n")[0] for t in speaker.texts] == [
        "Kính mời công dân đánh giá mức độ hài lòng", "(tone: error)",
        "Mời công dân có số thứ tự năm đến quầy số một",
    ]


def test_a_tone_plays_at_once_when_the_speaker_is_free(config: SpeakerConfig) -> None:
    announcer = open_announcer(config)
    start = time.perf_counter()
    announcer.tone("ok")
    assert announcer.wait(5)
    played = announcer.speaker.played  # type: ignore[attr-defined]
    assert played[0].text == "(tone: ok)"
    assert played[0].start - start < 0.05
    announcer.close()


# --- personal data ---------------------------------------------------------


def _chain(exc: BaseException | None) -> str:
    text = ""
    while exc is not None:
        text += f"{exc!s} {exc!r} {exc.args!r} "
        exc = exc.__cause__ or exc.__context__
    return text


def _assert_private(text: str, name: str) -> None:
    for piece in (name, name.casefold(), unicodedata.normalize("NFD", name)):
        assert piece not in text


class _Failing(Speaker):
    def play(self, wav: bytes, text: str) -> None:
        raise DeviceError("speaker", "unplugged", "plug it in")


class _Leaky(Tones):
    """An engine whose error repeats what it was asked to say (as some do)."""

    def speak(self, text, voice, rate, *, low_priority=False):  # type: ignore[override]
        raise RuntimeError(f"cannot say {text!r}")


@pytest.mark.parametrize("case", ["no espeak", "bad voice", "speaker unplugged", "leaky engine"])
def test_no_log_line_or_error_holds_a_name(
    case: str, config: SpeakerConfig, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    name = "Hoàng Quốc Việt"
    engine: SpeechEngine = EspeakNgEngine()
    speaker: Speaker = SimulatedSpeaker(config.output_dir)
    if case == "no espeak":
        monkeypatch.setenv("PATH", str(tmp_path))
    elif case == "bad voice":
        config = config.model_copy(update={"voice": "nowhere"})
    elif case == "speaker unplugged":
        speaker = _Failing()
    else:
        engine = _Leaky()
    errors: list[Exception] = []
    announcer = Announcer(speaker, Composer(config, engine), on_error=errors.append)
    with caplog.at_level(logging.DEBUG):
        announcer.prepare(name)
        time.sleep(0.3)
        announcer.call("1005", 3, name=name)
        announcer.results_ready(3, name=name, number="1005")
        assert announcer.wait(30)
        announcer.close()
    assert len(errors) == 2
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "named call failed" in logged and "named results call failed" in logged
    _assert_private(logged + _chain(errors[0]) + _chain(errors[1]), name)


def test_the_real_backend_writes_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a Pi the name goes to espeak-ng on stdin and comes back through a
    pipe: no file, not even a temporary one."""
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.chdir(tmp_path)
    cfg = SpeakerConfig(backend="real", alsa_device="null")
    announcer = open_announcer(cfg)
    announcer.prepare("Đặng Văn Ước")
    announcer.call("1005", 3, name="Nguyễn Thị Hường")
    announcer.results_ready(3, name="Lê Thị Ánh Tuyết")
    assert announcer.wait(30)
    announcer.close()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["tmp"]


def test_the_speaker_reprs_hold_no_name(config: SpeakerConfig) -> None:
    announcer = open_announcer(config)
    announcer.call("1", 1, name="Lê Thị Ánh Tuyết")
    assert announcer.wait(30)
    announcer.close()
    played = announcer.speaker.played  # type: ignore[attr-defined]
    _assert_private(repr(played), "Lê Thị Ánh Tuyết")
    assert "Lê Thị Ánh Tuyết" in played[0].text  # the demo's file still says it
