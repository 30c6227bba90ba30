"""The scanner's pure layers: layouts, the key decoder and the code handler, driven with evdev events.

Key sequences written out by hand check the tables against what a scanner set
to each layout really sends; the encoder (the simulated scanner's side) is
checked against the decoder for every layout and way of typing Vietnamese.
"""

from __future__ import annotations

import unicodedata
from typing import get_args

import pytest
from evdev import InputEvent, ecodes
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.scanner import CodeScanned, ScanHandler, ScannerConfig, ScanRejected
from drivers.scanner.config import LayoutName
from drivers.scanner.decoder import alt_code_char, repair_utf8
from drivers.scanner.encoder import METHODS, alt_code_keys, encode
from drivers.scanner.layouts import LAYOUTS

DEV = "/dev/input/by-id/usb-Test_Barcode_Scanner-event-kbd"
NAMES = ["Nguyễn Thị Hường", "Đặng Văn Ước", "Lê Thị Ánh Tuyết", "Hoàng Quốc Việt"]
K = ecodes.ecodes


def tap(name: str) -> list[tuple[int, int]]:
    return [(K[name], 1), (K[name], 0)]


def held(modifier: str, *names: str) -> list[tuple[int, int]]:
    """Keys typed with ``modifier`` held down."""
    return [(K[modifier], 1)] + [k for n in names for k in tap(n)] + [(K[modifier], 0)]


def keys(*names: str) -> list[tuple[int, int]]:
    return [k for n in names for k in tap(n)]


def alt_code(digits: str) -> list[tuple[int, int]]:
    return held("KEY_LEFTALT", *(f"KEY_KP{d}" for d in digits))


ENTER = tap("KEY_ENTER")


class Reader:
    """A handler for one scanner and a clock; key changes go in as evdev events, 1 ms apart."""

    def __init__(self, layout: LayoutName = "us", **config) -> None:
        self.handler = ScanHandler(DEV, ScannerConfig(layout=layout, **config))
        self.t = 100.0

    def send(self, changes) -> list:
        out = []
        for code, value in changes:
            sec = int(self.t)
            event = InputEvent(sec, int((self.t - sec) * 1e6), ecodes.EV_KEY, code, value)
            out += self.handler.handle_event(event, self.t)
            self.t += 0.001
        return out

    def silence(self, seconds: float = 1.0) -> list:
        self.t += seconds
        return self.handler.tick(self.t)

    def code(self, changes) -> str:
        """The one code these keys (ended by Enter or silence) read as."""
        out = self.send(changes) + self.silence()
        assert len(out) == 1 and isinstance(out[0], CodeScanned), out
        return out[0].code

    def rejected(self, changes) -> str:
        out = self.send(changes) + self.silence()
        assert len(out) == 1 and isinstance(out[0], ScanRejected), out
        return out[0].reason


def test_the_layout_tables_are_the_layouts_the_config_accepts():
    assert sorted(LAYOUTS) == sorted(get_args(LayoutName))


# --------------------------------------------------------------------------
# Layouts: what a scanner set to each one sends
# --------------------------------------------------------------------------

DIGIT_KEYS = [f"KEY_{d}" for d in "1234567890"]


@pytest.mark.parametrize(
    "layout, sequence",
    [
        ("us", keys(*DIGIT_KEYS) + held("KEY_LEFTSHIFT", "KEY_BACKSLASH")),
        ("de", keys(*DIGIT_KEYS) + held("KEY_RIGHTALT", "KEY_102ND")),
        ("fr", held("KEY_LEFTSHIFT", *DIGIT_KEYS) + held("KEY_RIGHTALT", "KEY_6")),
    ],
)
def test_digits_and_the_bar_come_from_the_keys_of_each_layout(layout, sequence):
    assert Reader(layout).code(sequence + ENTER) == "1234567890|"


@pytest.mark.parametrize("layout, word", [("us", "qwyzam,"), ("de", "qwzyam,"), ("fr", "azywq,;")])
def test_letters_sit_where_each_layout_puts_them(layout, word):
    sequence = keys("KEY_Q", "KEY_W", "KEY_Y", "KEY_Z", "KEY_A", "KEY_M", "KEY_COMMA")
    assert Reader(layout).code(sequence + ENTER) == word


def test_a_scanner_set_to_another_layout_gives_wrong_digits():
    """The one mistake the docs warn about: a "us" scanner read as "fr" types &é\"' for 1234."""
    assert Reader("fr").code(keys("KEY_1", "KEY_2", "KEY_3", "KEY_4") + ENTER) == "&é\"'"


def test_the_german_numpad_types_a_decimal_comma():
    assert Reader("de").code(keys("KEY_KP1", "KEY_KPDOT", "KEY_KP5") + ENTER) == "1,5"


def test_numpad_digits_are_digits_on_every_layout():
    for layout in LAYOUTS:
        assert Reader(layout).code(keys("KEY_KP0", "KEY_KP9") + ENTER) == "09"


def test_capslock_turns_letters_but_not_digits_and_shift_turns_them_back():
    sequence = tap("KEY_CAPSLOCK") + keys("KEY_A", "KEY_1") + held("KEY_LEFTSHIFT", "KEY_B") + ENTER
    assert Reader("us").code(sequence) == "A1b"


@pytest.mark.parametrize(
    "layout, sequence, text",
    [
        ("de", tap("KEY_GRAVE") + tap("KEY_E"), "ê"),
        ("de", tap("KEY_EQUAL") + tap("KEY_A"), "á"),
        ("de", held("KEY_LEFTSHIFT", "KEY_EQUAL") + tap("KEY_O"), "ò"),
        ("fr", tap("KEY_LEFTBRACE") + tap("KEY_E"), "ê"),
        ("fr", held("KEY_LEFTSHIFT", "KEY_LEFTBRACE") + tap("KEY_U"), "ü"),
        ("fr", tap("KEY_LEFTBRACE") + tap("KEY_SPACE"), "^"),
        ("de", tap("KEY_GRAVE") + tap("KEY_X"), "^x"),  # nothing to put the mark on: both, as the keyboard does
    ],
)
def test_dead_keys_put_their_mark_on_the_next_letter(layout, sequence, text):
    assert Reader(layout).code(sequence + ENTER) == text


# --------------------------------------------------------------------------
# Vietnamese letters: Alt codes, Ctrl+Shift+U, combining marks
# --------------------------------------------------------------------------


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", NAMES)
def test_vietnamese_names_come_out_right_on_every_layout_and_method(layout, method, name):
    assert Reader(layout).code(encode(name + "\n", LAYOUTS[layout], method)) == name


@pytest.mark.parametrize("name", NAMES)
def test_ctrl_shift_u_with_the_modifiers_held_through_the_digits(name):
    assert Reader("us").code(encode(name + "\n", LAYOUTS["us"], "ctrl_shift_u", held=True)) == name


def test_every_character_as_an_alt_code_reads_too():
    """Some scanners in Alt mode send every character as a code, plain letters included."""
    name = NAMES[0]
    assert Reader("de").code([k for c in name for k in alt_code_keys(c)] + ENTER) == name


def test_a_name_in_decomposed_form_comes_out_composed():
    text = Reader("us").code(tap("KEY_E") + alt_code("770") + alt_code("771") + ENTER)
    assert text == "ễ" and len(text) == 1


def test_alt_codes_with_a_leading_zero_are_windows_1252_and_others_unicode():
    assert Reader("us").code(alt_code("0128") + alt_code("0224") + alt_code("7877") + alt_code("273") + ENTER) == "€àễđ"
    assert alt_code_char("128") == "\x80"  # the code point: a control character, refused below


def test_utf8_bytes_typed_one_by_one_as_alt_codes_come_out_as_the_name():
    """A cheap scanner's way: "Nguyễn" as the bytes 4E 67 75 79 E1 BB 85 6E, each an Alt+0xxx."""
    sequence = held("KEY_LEFTSHIFT", "KEY_N") + keys("KEY_G", "KEY_U", "KEY_Y")
    sequence += alt_code("0225") + alt_code("0187") + alt_code("0133") + keys("KEY_N") + ENTER
    assert Reader("us").code(sequence) == "Nguyễn"


@pytest.mark.parametrize("text", ["Lê Thúy", "Hà Nội", "Ông Bà", "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ àáâãèéêìíòóôõùúý", "abc"])
def test_vietnamese_text_is_never_mistaken_for_utf8_bytes(text):
    """Its Latin-1 letters are all lead bytes (C0-FD), never the continuation bytes UTF-8 needs after them."""
    assert repair_utf8(text) == text


def test_a_c1_control_that_is_no_utf8_byte_is_refused():
    assert "control characters" in Reader("us").rejected(keys("KEY_A") + alt_code("128") + ENTER)


def test_a_byte_order_mark_at_the_start_is_dropped():
    assert Reader("us").code(alt_code("65279") + keys("KEY_A") + ENTER) == "a"


# --------------------------------------------------------------------------
# Where a code ends
# --------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["KEY_ENTER", "KEY_KPENTER", "KEY_TAB"])
def test_enter_or_tab_ends_a_code_at_once(end):
    reader = Reader("us")
    assert reader.send(keys("KEY_A", "KEY_B", end)) == [CodeScanned(DEV, "ab")]


def test_ctrl_m_is_a_carriage_return_and_ends_the_code():
    assert Reader("us").send(keys("KEY_A") + held("KEY_LEFTCTRL", "KEY_M")) == [CodeScanned(DEV, "a")]


def test_without_a_suffix_the_code_ends_after_the_silence():
    reader = Reader("us", end_gap_ms=100)
    assert reader.send(keys("KEY_A", "KEY_B")) == []
    assert reader.silence(0.05) == []
    assert reader.silence(0.06) == [CodeScanned(DEV, "ab")]


def test_two_codes_with_a_pause_between_them_are_two_codes():
    reader = Reader("us")
    first = reader.send(keys("KEY_A"))
    reader.t += 0.5  # no tick in between: the next key notices the silence itself
    assert first + reader.send(keys("KEY_B")) + reader.silence() == [CodeScanned(DEV, "a"), CodeScanned(DEV, "b")]


def test_a_lone_enter_is_no_code():
    reader = Reader("us")
    assert reader.send(ENTER + ENTER) + reader.silence() == []


def test_a_modifier_or_capslock_left_on_by_one_burst_does_not_change_the_next():
    reader = Reader("us")
    assert reader.send([(K["KEY_LEFTSHIFT"], 1)] + tap("KEY_CAPSLOCK") + keys("KEY_A") + ENTER) == [CodeScanned(DEV, "a")]
    reader.silence()  # Shift was never released
    assert reader.code(keys("KEY_A", "KEY_1") + ENTER) == "a1"


def test_autorepeat_of_a_stuck_key_types_nothing_more():
    assert Reader("us").code([(K["KEY_A"], 1), (K["KEY_A"], 2), (K["KEY_A"], 2), (K["KEY_A"], 0)] + ENTER) == "a"


# --------------------------------------------------------------------------
# Garbage
# --------------------------------------------------------------------------


def test_a_key_that_types_nothing_rejects_the_whole_code_naming_the_key():
    reason = Reader("us").rejected(keys("KEY_1", "KEY_F5", "KEY_2") + ENTER)
    assert "KEY_F5" in reason and "1" not in reason.replace("KEY_F5", "")


def test_alt_with_a_letter_is_refused():
    assert "Alt with a key other than the numpad digits" in Reader("us").rejected(held("KEY_LEFTALT", "KEY_A") + ENTER)


def test_an_alt_code_beyond_unicode_is_refused():
    assert "no printable character" in Reader("us").rejected(alt_code("1114112") + ENTER)


def test_an_alt_code_for_a_control_character_is_refused():
    assert "no printable character" in Reader("us").rejected(alt_code("7") + ENTER)


def test_ctrl_shift_u_followed_by_a_non_hex_key_is_refused():
    ctrl_shift_u = [(K["KEY_LEFTCTRL"], 1), (K["KEY_LEFTSHIFT"], 1), *tap("KEY_U"), (K["KEY_LEFTSHIFT"], 0),
                    (K["KEY_LEFTCTRL"], 0)]
    assert "no hex digit" in Reader("us").rejected(ctrl_shift_u + tap("KEY_X") + ENTER)


def test_other_ctrl_keys_are_refused():
    assert "Ctrl with another key" in Reader("us").rejected(held("KEY_LEFTCTRL", "KEY_C") + ENTER)


def test_silence_in_the_middle_of_an_alt_code_refuses_the_code():
    reader = Reader("us")
    reader.send(keys("KEY_A") + [(K["KEY_LEFTALT"], 1)] + tap("KEY_KP2"))
    out = reader.silence()
    assert len(out) == 1 and "in the middle of a character" in out[0].reason


def test_a_burst_longer_than_the_limit_is_dropped_whole_with_one_rejection():
    reader = Reader("us", max_length=64)
    out = reader.send(keys(*["KEY_A"] * 200) + ENTER + keys(*["KEY_B"] * 10) + ENTER)
    assert [type(o) for o in out] == [ScanRejected]
    assert "more than 64 characters" in out[0].reason
    assert reader.silence() == []
    assert reader.code(keys("KEY_C") + ENTER) == "c"  # after the silence, the next code reads


def test_lines_before_a_burst_gets_too_long_still_read():
    reader = Reader("us", max_length=64)
    out = reader.send(keys("KEY_A") + ENTER + keys(*["KEY_B"] * 100))
    assert out[0] == CodeScanned(DEV, "a") and isinstance(out[1], ScanRejected)


def test_after_a_rejected_code_the_next_one_reads():
    reader = Reader("us")
    reader.rejected(keys("KEY_F1") + ENTER)
    assert reader.code(keys("KEY_A") + ENTER) == "a"


_KEY_CODES = sorted({c for c in ecodes.keys if c < 256})
# Modifiers and numpad digits often, so that Alt codes, Ctrl+Shift+U and dead keys start and break off.
_BUSY_KEYS = [K[n] for n in ("KEY_LEFTALT", "KEY_RIGHTALT", "KEY_LEFTCTRL", "KEY_LEFTSHIFT", "KEY_U", "KEY_SPACE",
                             "KEY_ENTER", "KEY_GRAVE", "KEY_LEFTBRACE", "KEY_EQUAL", "KEY_KP1", "KEY_KP7", "KEY_A")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(_BUSY_KEYS), st.sampled_from(_KEY_CODES)),
                          st.sampled_from([0, 1, 1, 2])), max_size=400),
       st.sampled_from(sorted(LAYOUTS)))
def test_random_keys_never_crash_and_give_only_codes_or_rejections(changes, layout):
    reader = Reader(layout, max_length=64)
    out = reader.send(changes) + reader.silence()
    for item in out:
        assert isinstance(item, (CodeScanned, ScanRejected))
        if isinstance(item, CodeScanned):
            assert item.code and len(item.code) <= 64 and item.code == unicodedata.normalize("NFC", item.code)


# Vietnamese letters (every vowel with every tone, đ), upper and lower case, and what a CCCD's other fields hold.
_VOWELS = "aăâeêioôơuưy"
_TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
_LETTERS = sorted(
    {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES} | set("bcdđghklmnpqrstvx")
)
_ALPHABET = "".join(_LETTERS + [c.upper() for c in _LETTERS]) + "0123456789 |,./-"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, min_size=1, max_size=60), st.sampled_from(sorted(LAYOUTS)),
       st.sampled_from(METHODS), st.booleans(), st.sampled_from(["NFC", "NFD"]))
def test_any_vietnamese_text_a_scanner_types_decodes_to_its_nfc_form(text, layout, method, held_, form):
    typed = unicodedata.normalize(form, text)
    sent = encode(typed + "\n", LAYOUTS[layout], method, held=held_)
    assert Reader(layout).code(sent) == unicodedata.normalize("NFC", text)


def test_events_show_no_code_in_their_repr():
    event = CodeScanned(DEV, "001099000001||Nguyễn Thị Hường|12031985|Nữ|Số 1|15062021")
    assert "Hường" not in repr(event) and "001099" not in repr(event) and "Hường" not in str(event)
