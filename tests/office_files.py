"""Office configuration files generated for property tests: each one valid on its own.

``office_documents()`` is a hypothesis strategy of TOML documents (as dicts)
that ``kiosk check-config`` accepts: any services (ids the image's defaults use
too, and others), counters serving them, rating levels, buttons wired to free
pins (service buttons, a priority button, rating buttons for the counters that
have them), and some device sections. ``toml_text`` writes one as a file a
technician could have written: ``[section]`` headers and ``[[services]]`` blocks.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import strategies as st

#: Ids the shipped files use (oto, xemay, vipham, cccd) and others, so renames and new ones both occur.
SERVICE_IDS = ("oto", "xemay", "vipham", "cccd", "hochieu", "a", "dv-2")
FREE_PINS = tuple(range(2, 28))  # 0 and 1 are reserved for the HAT EEPROM
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

texts = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạếềểễệốồổỗộ ĐCQ0123456789", min_size=1, max_size=24)


def _text(draw: Any) -> dict[str, str]:
    value = {"vi": draw(texts)}
    if draw(st.booleans()):
        value["en"] = draw(texts)
    return value


@st.composite
def office_documents(draw: Any) -> dict[str, Any]:
    """A whole office's configuration, valid on its own."""
    ids = draw(st.lists(st.sampled_from(SERVICE_IDS), min_size=1, max_size=4, unique=True))
    prefixed = draw(st.booleans())
    services = []
    for i, service_id in enumerate(ids):
        if prefixed:
            numbering: dict[str, Any] = {"prefix": "ABCD"[i], "start": 1, "end": 999, "width": 3}
        else:
            numbering = {"start": 1000 * (i + 1) + 1, "end": 1000 * (i + 1) + 999}
        service: dict[str, Any] = {"id": service_id, "name": _text(draw), "numbering": numbering}
        if draw(st.booleans()):
            service["daily_cap"] = draw(st.integers(1, 999))
        if draw(st.booleans()):
            days = draw(st.lists(st.sampled_from(DAYS), min_size=1, unique=True))
            service["opening"] = {"days": days, "hours": [["07:30", "11:30"], ["13:30", "17:00"]]}
        if draw(st.booleans()):
            service["expected_minutes"] = draw(st.integers(1, 60))
        services.append(service)
    numbers = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True))
    counters = [{"number": n, "services": draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))}
                for n in numbers]
    for i, service_id in enumerate(ids):  # every service has a counter
        served = counters[i % len(counters)]["services"]
        if service_id not in served:
            served.append(service_id)
    site: dict[str, Any] = {"unit_name": _text(draw)}
    if draw(st.booleans()):
        site["hotline"] = draw(st.from_regex(r"0[0-9]{3} [0-9]{3} [0-9]{3}", fullmatch=True))
    if draw(st.booleans()):
        site["languages"] = {"board": ["vi"], "ticket": draw(st.sampled_from([["vi"], ["vi", "en"]]))}
    document: dict[str, Any] = {"site": site, "services": services, "counters": counters}
    levels = draw(st.none() | st.integers(2, 5))
    if levels is not None:
        document["rating"] = {"levels": [{"vi": f"Mức {i}"} for i in range(1, levels + 1)]}
    if draw(st.booleans()):
        pins = iter(draw(st.permutations(FREE_PINS)))
        buttons: dict[str, Any] = {"backend": "simulated"}
        buttons["services"] = {
            service_id: {"button": next(pins), **({"led": next(pins)} if draw(st.booleans()) else {})}
            for service_id in draw(st.lists(st.sampled_from(ids), unique=True))
        }
        if draw(st.booleans()):
            buttons["priority"] = {"button": next(pins), "led": next(pins)}
        rated = draw(st.lists(st.sampled_from(numbers), max_size=2, unique=True))
        if rated:
            buttons["rating"] = {
                str(n): {"buttons": [next(pins) for _ in range(levels or 4)], "leds": [next(pins)]} for n in rated
            }
        for counter in counters:
            if counter["number"] in rated:
                counter["rating_buttons"] = True
            elif draw(st.booleans()):
                counter["rating_buttons"] = False
        document["buttons"] = buttons
    if draw(st.booleans()):
        document["queue"] = {"priority": draw(st.sampled_from(["strict", "interleave"])),
                             "priority_every": draw(st.integers(1, 5))}
    if draw(st.booleans()):
        document["printer"] = {"backend": "simulated", "paper_width_mm": draw(st.sampled_from([58, 80]))}
    if draw(st.booleans()):
        size = draw(st.sampled_from([(0, 0), (800, 480), (1920, 1080)]))
        document["board"] = {"backend": "simulated", "width": size[0], "height": size[1],
                             "notices": [draw(texts)]}
    if draw(st.booleans()):
        document["speaker"] = {"backend": "simulated", "volume": 0.5}
    if draw(st.booleans()):
        document["keypads"] = {"backend": "simulated", "pairing_pin": "1357"}
    if draw(st.booleans()):
        document["sync"] = {"server_url": "https://central.example.vn",
                            "interval_seconds": draw(st.sampled_from([0.5, 2.0, 30.0]))}
    if draw(st.booleans()):
        document["web"] = {"port": draw(st.integers(1024, 65535))}
    return document


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def toml_text(document: dict[str, Any]) -> str:
    """``document`` as a TOML file: ``[section]`` headers, ``[[services]]`` blocks, inline values."""
    lines: list[str] = []
    for section, value in document.items():
        blocks = value if isinstance(value, list) else [value]
        for block in blocks:
            lines.append(f"[[{section}]]" if isinstance(value, list) else f"[{section}]")
            lines += [f"{_key(k)} = {_inline(v)}" for k, v in block.items()]
            lines.append("")
    return "\n".join(lines)
