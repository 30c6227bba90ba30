"""The local web server: officer pages, the leader page, the JSON API and (simulate mode) the sim API.

Pages are static HTML shells plus plain JavaScript (no CDN, no build step) that
read ``/api/view`` and post actions to ``/api/...``. Every refusal comes back as
JSON ``{"error": code, "vi": "...", "en": "..."}`` with a 4xx status.
"""

from __future__ import annotations

import html
import logging
import secrets
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from drivers.base import DeviceError
from drivers.camera import MJPEG_CONTENT_TYPE, mjpeg_chunks
from kiosk import commands as cmd
from kiosk.credentials import LoginRefused, credentials_for
from kiosk.engine import DOSSIER_CODE
from kiosk.errors import DomainError
from kiosk.officer import ACTIONS, BadAction, officer_command
from kiosk.view import OfficeView
from kiosk.web.auth import SessionStore, sign, unsign
from kiosk.web.api import ApiError, error_response, plain, view_json
from kiosk.web.config import WebConfig, is_loopback
from kiosk.web.office import OfficeForPages
from kiosk.web.sim import add_sim_routes

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
COOKIE = "kiosk_session"
CSRF_HEADER = "x-csrf-token"
#: Longest a long-poll of /api/view waits for a change, in seconds.
MAX_WAIT = 25.0
#: Camera viewers at once (each holds a worker thread; the Pi's CPU is shared with the kiosk).
MAX_CAMERA_VIEWERS = 4
#: Long-polls at once; more wait their turn instead of starving the action requests.
MAX_LONG_POLLS = 16
#: Longest a login waits for the office's view to show the officer signed in, in seconds.
SIGN_IN_VISIBLE = 2.0


# ---------------------------------------------------------------------------
# Request bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OfficerLogin(_Body):
    code: str = Field(min_length=1, max_length=8)
    pin: str = Field(min_length=1, max_length=64)


class LeaderLogin(_Body):
    password: str = Field(min_length=1, max_length=256)


class ActionBody(_Body):
    number: str | None = Field(default=None, max_length=12)
    service: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=100)
    group: str | None = Field(default=None, max_length=40)  # set_group: a group id or its position from 1; "0" clears
    day: str | None = Field(default=None, max_length=10)  # results_ready: the ticket's day, YYYY-MM-DD (or none)


class DossierBody(_Body):
    code: str = Field(max_length=200)  # checked against the dossier code's form, to say what is wrong


#: The officer actions the page posts. Signing in and out is the page's login
#: (with the officer's PIN), never an action; the pause toggle is the keypad's.
PAGE_ACTIONS = frozenset(ACTIONS) - {"sign_in", "sign_out", "pause_or_resume"}


def command_for(action: str, counter: int, body: ActionBody) -> Any:
    """The engine command an officer action stands for; :class:`ApiError` when it is unknown or its field is bad."""
    if action not in PAGE_ACTIONS:
        raise ApiError(404, "unknown_action", f"Không có thao tác {action!r}.", f"there is no action {action!r}")
    needs = ACTIONS[action].needs
    try:
        # officer_command checks the day too (results_ready only; YYYY-MM-DD), as for the keypad and the CLI.
        return officer_command(action, counter, getattr(body, needs) if needs else None, day=body.day)
    except BadAction as exc:
        raise ApiError(404 if exc.code == "unknown_action" else 422, exc.code, exc.vi, exc.en) from None


class _CameraStream(StreamingResponse):
    """The MJPEG response; frees its viewer slot however the stream ends (even before its first frame)."""

    def __init__(self, content: Any, release: Any, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._release = release

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


# ---------------------------------------------------------------------------
# Sessions


class Session:
    """The signed cookie's content: a CSRF token, who is logged in, and the server-side session id."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or {}
        self.csrf: str = data.get("csrf") or secrets.token_urlsafe(24)
        self.exp: float = float(data.get("exp") or 0)
        self.sid: str | None = data.get("sid")
        self.leader: str | None = data.get("leader")
        self.officer: dict[str, Any] | None = data.get("officer")
        self.fresh = not data  # no valid cookie came with the request
        self.changed = self.fresh
        self.signed_out_at: int | None = None  # the counter the officer was signed out of since the last request

    def payload(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "exp": self.exp, "sid": self.sid, "leader": self.leader, "officer": self.officer}


def create_app(office: OfficeForPages, web_config: WebConfig | None = None, clock: Any = time.time) -> FastAPI:
    """The web app for ``office`` (see the contract in ``docs/web.md``).

    The sim API is added only when ``office.simulation`` is set; then ``bind``
    must be a loopback address (ValueError otherwise), since it needs no login.
    """
    web_config = web_config or WebConfig()
    simulate = office.simulation is not None
    if simulate and not is_loopback(web_config.bind):
        raise ValueError(
            f"simulate mode serves the sim API without login, so [web] bind must be a loopback address "
            f"such as 127.0.0.1 (got {web_config.bind!r})"
        )
    credentials = credentials_for(web_config.credentials_file)  # the keypads' too: one set of lockouts
    sessions = SessionStore(clock)
    app = FastAPI(title="Kiosk", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.office = office
    app.state.credentials = credentials
    app.state.sessions = sessions
    app.state.web_config = web_config
    long_polls = anyio.CapacityLimiter(MAX_LONG_POLLS)
    camera_viewers = threading.BoundedSemaphore(MAX_CAMERA_VIEWERS)
    max_age = web_config.session_minutes * 60
    stopping = threading.Event()  # set by the server's stop(): end long-polls and streams
    app.state.stopping = stopping

    # -- errors: always JSON with both languages, never a traceback

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.vi, exc.en)

    @app.exception_handler(LoginRefused)
    async def _login_refused(request: Request, exc: LoginRefused) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.vi, exc.en)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return error_response(409, exc.code, exc.text("vi"), exc.text("en"))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
        )
        return error_response(422, "bad_request", f"Yêu cầu không hợp lệ ({where}).", f"Malformed request ({where}).")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            if request.url.path.startswith("/sim") and not simulate:
                return error_response(404, "not_simulating", "Chỉ có ở chế độ mô phỏng (kiosk run --simulate).",
                              "Only in simulate mode (kiosk run --simulate).")
            return error_response(404, "not_found", "Không có trang này.", "There is no such page.")
        if exc.status_code == 400:  # a body that is not JSON at all
            return error_response(400, "bad_request", "Yêu cầu không hợp lệ (nội dung không đọc được).",
                          "Malformed request (the body cannot be read).")
        if exc.status_code == 405:
            return error_response(405, "method_not_allowed", "Phương thức không được phép.", "Method not allowed.")
        return error_response(exc.status_code, "http_error", str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("web: %s %s failed", request.method, request.url.path)
        return error_response(500, "internal", "Lỗi bên trong máy kiosk; xem nhật ký (journalctl -u kiosk).",
                      "Internal error in the kiosk; see the log (journalctl -u kiosk).")

    # -- sessions

    def read_session(request: Request) -> Session:
        raw = request.cookies.get(COOKIE)
        data = unsign(raw, credentials.secret) if raw else None
        if data is None or float(data.get("exp") or 0) < clock():
            session = Session()
            session.exp = clock() + max_age
            return session
        session = Session(data)
        if (session.leader or session.officer) and not sessions.alive(session.sid):
            # Logged out (this cookie is a copy), or the kiosk restarted: no longer a login.
            session.leader = session.officer = session.sid = None
            session.changed = True
        # A changed password or PIN, or a removed officer, ends the session.
        if session.leader and session.leader != credentials.leader_generation():
            end_role(session, "leader")
        officer = session.officer
        if officer and officer.get("gen") != credentials.officer_generation(str(officer.get("code"))):
            end_role(session, "officer")
        elif officer:
            current = counter_view(office.view(), int(officer.get("counter") or 0))
            if current is None or current.officer != officer.get("code"):
                # Signed out elsewhere (keypad, another login): this page session ends with it.
                end_role(session, "officer")
                session.signed_out_at = int(officer.get("counter") or 0)
        return session

    def start_login(session: Session) -> None:
        """A new session id at every login (the old one is closed): a cookie from before is no login."""
        sessions.close(session.sid)
        session.sid = sessions.open(session.exp)
        session.csrf = secrets.token_urlsafe(24)  # a new token after login
        session.changed = True

    def end_role(session: Session, role: str) -> None:
        """End the leader's or the officer's login; what remains of the session gets a new id."""
        setattr(session, role, None)
        sessions.close(session.sid)
        session.sid = sessions.open(session.exp) if (session.leader or session.officer) else None
        session.changed = True

    def write_session(response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE, sign(session.payload(), credentials.secret), max_age=max_age,
            httponly=True, samesite="strict", path="/",
        )

    def check_origin(request: Request) -> None:
        # Browsers say where a request comes from; another site must not post here.
        site = request.headers.get("sec-fetch-site")
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if (site and site not in ("same-origin", "none")) or (
            origin and origin.split("://", 1)[-1] != host
        ):
            raise ApiError(403, "cross_site", "Yêu cầu từ trang khác bị từ chối.",
                           "A request from another site was refused.")

    def check_csrf(request: Request, session: Session) -> None:
        check_origin(request)
        sent = request.headers.get(CSRF_HEADER, "")
        if session.fresh or not secrets.compare_digest(sent.encode(), session.csrf.encode()):
            raise ApiError(403, "csrf", "Phiên làm việc đã hết hạn: hãy tải lại trang.",
                           "The session has expired: reload the page.")

    def client_of(request: Request) -> str:
        return request.client.host if request.client else ""

    def need_counter(n: int) -> Any:
        try:
            return office.config.counter(n)
        except KeyError:
            raise ApiError(404, "unknown_counter", f"Không có quầy số {n}.", f"There is no counter {n}.") from None

    def counter_view(view: OfficeView, n: int) -> Any:
        return next((c for c in view.counters if c.number == n), None)

    def need_officer(request: Request, session: Session, n: int) -> str:
        officer = session.officer
        if session.signed_out_at == n:
            # Signed out elsewhere (keypad, another login): read_session has ended the page's login.
            raise ApiError(401, "signed_out", f"Cán bộ đã đăng xuất khỏi quầy {n}: hãy đăng nhập lại.",
                           f"The officer was signed out of counter {n}: log in again.")
        if not officer or officer.get("counter") != n:
            raise ApiError(401, "login_required", f"Hãy đăng nhập tại quầy {n}.", f"Log in at counter {n}.")
        return str(officer["code"])

    def wait_until_signed_in(n: int, code: str) -> None:
        """Until the office's view shows ``code`` at counter ``n`` (it is published just after the command)."""
        deadline = time.monotonic() + SIGN_IN_VISIBLE
        view = office.view()
        while (current := counter_view(view, n)) is None or current.officer != code:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            view = office.wait_for_change(view.version, min(remaining, 0.5))

    def need_viewer(session: Session) -> None:
        if not session.leader and not session.officer:
            raise ApiError(401, "login_required", "Hãy đăng nhập.", "Please log in.")

    def submit(command: Any) -> list[Any]:
        try:
            return office.submit(command)
        except TimeoutError:
            raise ApiError(503, "engine_timeout", "Máy kiosk đang bận, hãy thử lại.",
                           "The kiosk is busy, try again.") from None

    def json_with_session(data: dict[str, Any], session: Session, status: int = 200) -> JSONResponse:
        response = JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})
        if session.changed:
            write_session(response, session)
        return response

    # -- pages

    def page(name: str, request: Request, title: str, raw: str = "", **values: str) -> HTMLResponse:
        session = read_session(request)
        text = (STATIC / name).read_text(encoding="utf-8")
        values = {"csrf": session.csrf, "title": title, **values}
        for key, value in values.items():
            text = text.replace("{{" + key + "}}", html.escape(value))
        text = text.replace("<!--raw-->", raw)
        response = HTMLResponse(text, headers={"Cache-Control": "no-store"})
        session.changed = True
        write_session(response, session)
        return response

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        links = "".join(
            f'<a class="big" href="/counter/{c.number}">{html.escape(c.display_name("vi"))}'
            f'<small>{html.escape(c.display_name("en"))}</small></a>'
            for c in office.config.counters
        )
        links += '<a class="big leader" href="/leader">Lãnh đạo<small>Leader</small></a>'
        if simulate:
            links += '<a class="big" href="/sim">Mô phỏng thiết bị<small>Simulated hardware</small></a>'
        return page("index.html", request, office.config.site.unit_name.vi, raw=links)

    @app.get("/counter/{n}", response_class=HTMLResponse)
    def counter_page(request: Request, n: int) -> HTMLResponse:
        need_counter(n)
        return page("counter.html", request, f"Quầy {n}", counter=str(n))

    @app.get("/leader", response_class=HTMLResponse)
    def leader_page(request: Request) -> HTMLResponse:
        return page("leader.html", request, "Lãnh đạo")

    # -- who am I

    @app.get("/api/me")
    def me(request: Request) -> JSONResponse:
        session = read_session(request)
        return json_with_session(
            {
                "leader": bool(session.leader),
                "leader_password_set": credentials.leader_set(),
                "credentials_problem": credentials.problem,
                "officer": session.officer and {k: session.officer[k] for k in ("code", "counter")},
                "officer_name": credentials.officer_names().get(str((session.officer or {}).get("code")), ""),
            },
            session,
        )

    # -- the view

    @app.get("/api/view")
    async def api_view(request: Request, since: int | None = None, wait: float = 0) -> JSONResponse:
        session = read_session(request)
        need_viewer(session)
        view = await latest_view(since, wait)
        officer_of = int(session.officer["counter"]) if session.officer else None  # full names: its own only
        return json_with_session(view_json(office, view, credentials.officer_names(), officer_of), session)

    async def latest_view(since: int | None, wait: float) -> OfficeView:
        view = office.view()
        if since is None or not wait > 0:
            return view
        # Wait in slices of a second so that stopping the server never waits for a long-poll.
        deadline = time.monotonic() + min(wait, MAX_WAIT)
        while view.version <= since and not stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            view = await anyio.to_thread.run_sync(
                office.wait_for_change, since, min(1.0, remaining), limiter=long_polls
            )
        return view

    # -- officers

    @app.post("/api/counter/{n}/login")
    def officer_login(request: Request, n: int, body: OfficerLogin) -> JSONResponse:
        session = read_session(request)
        check_csrf(request, session)
        need_counter(n)
        generation = credentials.check_officer(body.code, body.pin, client_of(request))
        code = body.code.strip()
        submit(officer_command("sign_in", n, code))
        wait_until_signed_in(n, code)
        session.officer = {"code": code, "counter": n, "gen": generation}
        session.exp = clock() + max_age  # the login lasts session_minutes from now
        start_login(session)
        name = credentials.officer_names().get(code, "")
        log.info("web: officer %s signed in at counter %d", code, n)
        return json_with_session({"ok": True, "officer": code, "name": name, "csrf": session.csrf}, session)

    @app.post("/api/counter/{n}/logout")
    def officer_logout(request: Request, n: int) -> JSONResponse:
        session = read_session(request)
        check_csrf(request, session)
        need_counter(n)
        if session.officer and session.officer.get("counter") == n:
            current = counter_view(office.view(), n)
            if current is not None and current.officer == session.officer.get("code"):
                try:
                    submit(officer_command("sign_out", n))
                except DomainError:
                    pass  # already signed out (keypad)
            end_role(session, "officer")  # a copy of the cookie stops working too
        return json_with_session({"ok": True}, session)

    @app.post("/api/counter/{n}/dossier")
    def attach_dossier(request: Request, n: int, body: DossierBody) -> JSONResponse:
        """The officer attaches the dossier code (mã hồ sơ) to the counter's ticket, as the keypad and scanner do."""
        session = read_session(request)
        check_csrf(request, session)
        need_counter(n)
        code = body.code.strip()
        if not DOSSIER_CODE.fullmatch(code):
            raise ApiError(422, "bad_dossier_code",
                           "Mã hồ sơ gồm 1 đến 40 ký tự: chữ, chữ số và các dấu . / -",
                           "A dossier code is 1 to 40 letters, digits, '.', '/' or '-'.")
        need_officer(request, session, n)
        events = submit(cmd.AttachDossier(n, code, "web"))
        return json_with_session(acted(n, "dossier", events), session)

    def acted(n: int, action: str, events: list[Any]) -> dict[str, Any]:
        """What an action's answer holds: the events' types and the counter as it is now."""
        view = office.view()
        current = counter_view(view, n)
        return {"ok": True, "action": action, "events": [e.type for e in events],
                "counter": plain(asdict(current)) if current else None, "version": view.version}

    @app.post("/api/counter/{n}/{action}")
    def officer_action(request: Request, n: int, action: str, body: ActionBody | None = None) -> JSONResponse:
        session = read_session(request)
        check_csrf(request, session)
        need_counter(n)
        command = command_for(action, n, body or ActionBody())
        need_officer(request, session, n)
        events = submit(command)
        return json_with_session(acted(n, action, events), session)

    # -- the leader

    @app.post("/api/leader/login")
    def leader_login(request: Request, body: LeaderLogin) -> JSONResponse:
        session = read_session(request)
        check_csrf(request, session)
        session.leader = credentials.check_leader(body.password, client_of(request))
        session.exp = clock() + max_age  # the login lasts session_minutes from now
        start_login(session)
        log.info("web: leader logged in from %s", request.client.host if request.client else "?")
        return json_with_session({"ok": True, "csrf": session.csrf}, session)

    @app.post("/api/leader/logout")
    def leader_logout(request: Request) -> JSONResponse:
        session = read_session(request)
        check_csrf(request, session)
        if session.leader:
            end_role(session, "leader")  # a copy of the cookie stops working too
        return json_with_session({"ok": True}, session)

    @app.get("/leader/camera.mjpg")
    def camera_stream(request: Request) -> Response:
        session = read_session(request)
        if not session.leader:
            raise ApiError(401, "login_required", "Hãy đăng nhập bằng mật khẩu lãnh đạo.",
                           "Log in with the leader password.")
        camera = office.camera
        if camera is None:
            raise ApiError(404, "no_camera", "Kiosk này không có camera ([camera] enabled = false).",
                           "This kiosk has no camera ([camera] enabled = false).")
        if camera.closed:
            raise ApiError(503, "camera_closed", "Camera đã tắt.", "The camera is closed.")
        if not camera_viewers.acquire(blocking=False):
            raise ApiError(503, "camera_busy", f"Đã có {MAX_CAMERA_VIEWERS} người đang xem camera.",
                           f"{MAX_CAMERA_VIEWERS} people are already watching the camera.")

        def chunks() -> Any:
            try:
                for chunk in mjpeg_chunks(camera):
                    if stopping.is_set():
                        return
                    yield chunk
            except DeviceError as exc:
                log.warning("web: camera stream ended: %s", exc)

        return _CameraStream(
            chunks(), camera_viewers.release, media_type=MJPEG_CONTENT_TYPE,
            headers={"Cache-Control": "no-store, private", "X-Accel-Buffering": "no"},
        )

    if office.simulation is not None:
        add_sim_routes(app, office, office.simulation, check_origin, latest_view, page)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
