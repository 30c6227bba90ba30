"""The simulate-mode API: drive the simulated hardware from outside the process.

Only added when the office runs in simulate mode, which binds to a loopback
address (checked by :func:`kiosk.web.app.create_app`). No login is needed;
requests from another web site (Origin / Sec-Fetch-Site) and with a Host that
is not this machine (DNS rebinding) are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from kiosk.simulation import PressOutcome
from kiosk.web.api import ApiError, view_json
from kiosk.web.office import OfficeForPages, SimulationForPages

#: Keypad symbols a simulated keypad accepts ("E" is Enter).
KEYPAD_KEYS = frozenset("0123456789.-+*/E")
MAX_KEYS = 64
#: The longest code the simulated scanner takes, in characters: room for a 10 KB burst of keys
#: (a scanner gone wild), which the scanner and the app must refuse without crashing.
MAX_SCAN = 11000
_MAX_SCAN_BYTES = 6 * MAX_SCAN + 1024  # its JSON body, were every character escaped (\u001b: 6 bytes)
_SURROGATES = re.compile("[\ud800-\udfff]")
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def add_sim_routes(
    app: FastAPI,
    office: OfficeForPages,
    sim: SimulationForPages,
    check_origin: Callable[[Request], None],
    latest_view: Callable[[int | None, float], Awaitable[Any]],
    page: Callable[..., HTMLResponse],
) -> None:
    """Add ``/sim`` and ``/sim/...`` to ``app``, driving ``sim``, the simulated devices of ``office``."""

    def local_only(request: Request, post: bool = False) -> None:
        host = request.headers.get("host", "")
        name = host.split("]")[0] + "]" if host.startswith("[") else host.split(":")[0]
        if name not in _LOCAL_HOSTS and name != "testserver":  # testserver: FastAPI's TestClient
            raise ApiError(403, "not_local", "API mô phỏng chỉ dùng từ chính máy này.",
                           "The sim API is only for this machine.")
        if post:
            check_origin(request)

    def done(**extra: Any) -> JSONResponse:
        return JSONResponse({"ok": True, **extra}, headers={"Cache-Control": "no-store"})

    def known_counter(counter: int) -> None:
        """404 for a counter the office does not have."""
        try:
            office.config.counter(counter)
        except KeyError:
            raise ApiError(404, "unknown_counter", f"Không có quầy số {counter}.",
                           f"There is no counter {counter}.") from None

    def refused(exc: Exception) -> ApiError:
        return ApiError(422, "sim_refused", f"Thiết bị mô phỏng từ chối: {exc}", f"The simulated device refused: {exc}")

    @app.get("/sim", response_class=HTMLResponse)
    def sim_page(request: Request) -> HTMLResponse:
        local_only(request)
        return page("sim.html", request, "Mô phỏng thiết bị")

    @app.get("/sim/layout")
    def layout(request: Request) -> JSONResponse:
        """What the panel draws: the service buttons, the counters, their rating buttons."""
        local_only(request)
        config = office.config
        scanners = {entry.counter for entry in config.counter_scanners}
        return JSONResponse({
            "unit_vi": config.site.unit_name.vi,
            "services": [
                {"id": s.id, "vi": s.name.vi, "en": s.name.get("en"), "priority_allowed": s.priority_allowed}
                for s in config.services
            ],
            "counters": [
                {"number": c.number, "vi": c.display_name("vi"), "en": c.display_name("en"),
                 "rating_buttons": c.rating_buttons, "scanner": c.number in scanners}
                for c in config.counters
            ],
            "rating_levels": [{"vi": t.vi, "en": t.get("en")} for t in config.rating.levels],
            # The machine's priority-group buttons, where fitted ([buttons.groups.<id>]).
            "group_buttons": [
                {"id": g.id, "vi": g.name.vi, "en": g.name.get("en")}
                for g in config.priority_groups if config.buttons is not None and g.id in config.buttons.groups
            ],
            "sample_cards": sample_cards(),
            "max_scan": MAX_SCAN,
        })

    @app.get("/sim/view")
    async def sim_view(request: Request, since: int | None = None, wait: float = 0) -> JSONResponse:
        local_only(request)
        view = await latest_view(since, wait)
        return JSONResponse(view_json(office, view, {}), headers={"Cache-Control": "no-store"})

    @app.post("/sim/press/{service_id}")
    def press(request: Request, service_id: str, priority: bool = False, group: str | None = None) -> JSONResponse:
        local_only(request, post=True)
        try:
            service = office.config.service(service_id)
        except KeyError:
            raise ApiError(404, "unknown_service", f"Không có dịch vụ {service_id!r}.",
                           f"There is no service {service_id!r}.") from None
        if group is not None and group not in {g.id for g in office.config.priority_groups}:
            raise ApiError(404, "unknown_group", f"Không có nhóm ưu tiên {group!r}.",
                           f"There is no priority group {group!r}.")
        if (priority or group is not None) and not service.priority_allowed:
            raise ApiError(422, "priority_not_allowed", f"Dịch vụ {service.name.vi} không cấp số ưu tiên.",
                           f"Service {service.name.get('en')} takes no priority tickets.")
        try:
            outcome = sim.press_service(service_id, priority=priority, group=group)
        except (ValueError, KeyError) as exc:
            raise refused(exc) from None
        if isinstance(outcome, PressOutcome) and outcome.refused:  # the same sentence as the board's notice
            raise ApiError(409, outcome.code, outcome.text_vi, outcome.text_en)
        return done(service=service_id, priority=priority, group=group, ticket=outcome.ticket if outcome else None)

    @app.post("/sim/rate/{counter}/{level}")
    def rate(request: Request, counter: int, level: int) -> JSONResponse:
        local_only(request, post=True)
        try:
            fitted = office.config.counter(counter).rating_buttons
        except KeyError:
            raise ApiError(404, "unknown_counter", f"Không có quầy số {counter}.",
                           f"There is no counter {counter}.") from None
        if not fitted:
            raise ApiError(422, "no_rating_buttons", f"Quầy {counter} không có nút đánh giá.",
                           f"Counter {counter} has no rating buttons.")
        levels = len(office.config.rating.levels)
        if not 1 <= level <= levels:
            raise ApiError(422, "bad_rating_level", f"Mức đánh giá phải từ 1 đến {levels}.",
                           f"The rating level must be 1 to {levels}.")
        try:
            sim.press_rating(counter, level)
        except (ValueError, KeyError) as exc:
            raise refused(exc) from None
        return done(counter=counter, level=level)

    @app.post("/sim/keypad/{counter}")
    async def keypad(request: Request, counter: int) -> JSONResponse:
        local_only(request, post=True)
        known_counter(counter)
        body = await request.body()
        try:
            keys = body.decode("utf-8").strip()
        except UnicodeDecodeError:
            keys = "\ufffd"
        if not keys or len(keys) > MAX_KEYS or not set(keys) <= KEYPAD_KEYS:
            raise ApiError(
                422, "bad_keys",
                f"Phím không hợp lệ: chỉ dùng 0-9 . - + * / và E (Enter), tối đa {MAX_KEYS} phím.",
                f"Bad keys: use only 0-9 . - + * / and E (Enter), at most {MAX_KEYS} keys.",
            )
        try:
            await _in_thread(sim.type_keys, counter, keys)
        except (ValueError, KeyError) as exc:
            raise refused(exc) from None
        return done(counter=counter, keys=keys)

    @app.post("/sim/scan")
    async def scan(request: Request) -> JSONResponse:
        """Type ``{"code": "..."}`` on the simulated scanner; the board greets the card's holder, or says why not."""
        local_only(request, post=True)
        code = scanned_code(await _body(request, _MAX_SCAN_BYTES))
        try:
            await _in_thread(sim.scan, code)
        except LookupError:
            raise ApiError(404, "no_scanner", "Kiosk này không có máy quét thẻ (mục [scanner] trong cấu hình).",
                           "This kiosk has no card scanner ([scanner] in the config).") from None
        except ValueError:
            # Not the exception's text: it may quote the code, and the code may hold a name.
            raise ApiError(422, "sim_refused", "Máy quét mô phỏng từ chối mã này.",
                           "The simulated scanner refused this code.") from None
        return done(length=len(code))  # not the code: it may hold a name

    @app.post("/sim/scan/{counter}")
    async def scan_at_counter(request: Request, counter: int) -> JSONResponse:
        """Type ``{"code": "..."}`` on the simulated scanner of a counter: the receipt's dossier code, or anything."""
        local_only(request, post=True)
        known_counter(counter)
        code = scanned_code(await _body(request, _MAX_SCAN_BYTES))
        try:
            await _in_thread(sim.scan_at_counter, counter, code)
        except LookupError:
            raise ApiError(404, "no_counter_scanner",
                           f"Quầy {counter} không có máy quét mã (mục [[counter_scanners]] trong cấu hình).",
                           f"Counter {counter} has no scanner ([[counter_scanners]] in the config).") from None
        except ValueError:
            # Not the exception's text: it may quote the code (a CCCD scanned by mistake holds a name).
            raise ApiError(422, "sim_refused", "Máy quét mô phỏng từ chối mã này.",
                           "The simulated scanner refused this code.") from None
        return done(counter=counter, length=len(code))  # not the code: it may be a CCCD's

    @app.post("/sim/paper")
    def paper(request: Request, present: bool) -> JSONResponse:
        local_only(request, post=True)
        sim.set_paper(present)
        return done(present=present)

    def media(data: bytes | None, kind: str, what_vi: str, what_en: str) -> Response:
        if data is None:
            raise ApiError(404, "nothing_yet", f"Chưa có {what_vi}.", f"No {what_en} yet.")
        return Response(data, media_type=kind, headers={"Cache-Control": "no-store"})

    @app.get("/sim/ticket.png")
    def ticket_png(request: Request) -> Response:
        local_only(request)
        return media(sim.last_ticket_png(), "image/png", "phiếu nào được in", "ticket printed")

    @app.get("/sim/board.png")
    def board_png(request: Request) -> Response:
        local_only(request)
        return media(sim.board_png(), "image/png", "hình bảng hiển thị", "board image")

    @app.get("/sim/announcement.wav")
    def announcement(request: Request) -> Response:
        local_only(request)
        return media(sim.last_announcement_wav(), "audio/wav", "lời mời nào", "announcement")


def sample_cards() -> list[dict[str, str]]:
    """The made-up cards of :data:`kiosk.cccd.SAMPLE_CARDS` as ``[{"name", "code"}]`` for the panel's list."""
    from kiosk.cccd import SAMPLE_CARDS, NotACard, parse_cccd  # made-up cards: only the panel needs them

    cards = []
    for i, code in enumerate(SAMPLE_CARDS, 1):
        try:
            name = parse_cccd(code).name
        except NotACard:  # a sample of a broken card
            name = f"Thẻ mẫu {i} (hỏng)"
        cards.append({"name": name, "code": code})
    return cards


def scanned_code(body: bytes) -> str:
    """The code of a ``/sim/scan`` body ``{"code": "..."}``; :class:`ApiError` (413 or 422) saying what is wrong.

    Any text is taken, garbage included (the scanner and the app must refuse it
    themselves); lone surrogates, which no keyboard can type, become U+FFFD.
    """
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    code = data.get("code") if isinstance(data, dict) and set(data) == {"code"} else None
    if not isinstance(code, str):
        raise ApiError(422, "bad_scan", 'Hãy gửi {"code": "mã cần quét"}.', 'Send {"code": "the code to scan"}.')
    if not code:
        raise ApiError(422, "bad_scan", "Hãy nhập mã cần quét.", "Enter the code to scan.")
    if len(code) > MAX_SCAN:
        raise _too_long()
    return _SURROGATES.sub("\ufffd", code)



def _too_long() -> ApiError:
    return ApiError(413, "scan_too_long", f"Mã quá dài: tối đa {MAX_SCAN} ký tự.",
                    f"The code is too long: at most {MAX_SCAN} characters.")


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, refused with 413 as soon as it passes ``limit`` bytes (before reading it all)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_long()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_long()
    return bytes(body)


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    import anyio

    return await anyio.to_thread.run_sync(function, *args)
