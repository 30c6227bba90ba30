"""What every request passes before a handler sees it: a size limit, and a JSON body that can be read.

- :class:`BodyLimit` (ASGI middleware) answers 413 to a body larger than
  :data:`MAX_BODY_BYTES`: at once when ``Content-Length`` says so (the body is
  never read), and while it streams otherwise (a chunked body is counted and
  cut off at the limit). So an unauthenticated 100 MB upload costs the server
  nothing but the first chunks.
- :class:`JsonRoute` reads a JSON body before FastAPI does and turns what
  FastAPI would answer with a bare 400 (bytes that are not UTF-8, nesting too
  deep for the parser, a number too long to convert) into the 422 the OpenAPI
  document lists, with the reason. At most :data:`MAX_BODIES_AT_ONCE` bodies are
  read and handled at once in a process; the other requests wait unread. A body
  declared as a :class:`OnePassBody` (the kiosks' event batches) is validated by
  pydantic straight from its bytes, without ``json.loads`` first.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The largest request body (8 MiB): a full batch of 1,000 ordinary events is a
#: few hundred KiB; a kiosk that meets the limit halves its batches (kiosk/sync.py).
MAX_BODY_BYTES = 8 * 1024 * 1024
#: JSON nested deeper than this is refused (the kiosk sends at most a few levels).
MAX_DEPTH = 64
#: Request bodies read and handled at once by one server process. Fifty kiosks uploading
#: together would otherwise each hold a parsed batch in memory while they wait for the
#: database and the CPU (two cores): more at once is no faster, only bigger.
MAX_BODIES_AT_ONCE = 4
_semaphores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _bodies() -> asyncio.Semaphore:
    """The running event loop's limit of bodies at once (one per loop: tests run several in a process)."""
    loop = asyncio.get_running_loop()
    if loop not in _semaphores:
        _semaphores[loop] = asyncio.Semaphore(MAX_BODIES_AT_ONCE)
    return _semaphores[loop]


class TooLarge(HTTPException):
    """The body grew past the limit while it streamed (FastAPI re-raises HTTPExceptions from body reading)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large(limit))


def _too_large(limit: int) -> str:
    return f"the request body is larger than {limit} bytes ({limit // (1024 * 1024)} MiB); send less at a time"


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``limit`` bytes, decided before or while it is read."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.limit:
            await _refuse(send, self.limit)  # the body is never read
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLarge(self.limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except TooLarge:
            if started:
                raise
            await _refuse(send, self.limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"detail": _too_large(limit)}).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})


def depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: no recursion on hostile input).

    Only containers go on the stack: a batch holds tens of thousands of plain values,
    and each one costs a look, not a push and a pop.
    """
    if not isinstance(value, dict | list):
        return 1
    deepest, stack = 1, [(value, 1)]
    while stack:
        item, level = stack.pop()
        for inner in item.values() if isinstance(item, dict) else item:
            if isinstance(inner, dict | list):
                stack.append((inner, level + 1))
            elif level >= deepest:
                deepest = level + 1
        if level > deepest:
            deepest = level  # an empty container is a level of its own
    return deepest


class OnePassBody(BaseModel):
    """A request body that pydantic validates straight from the request's bytes (``model_validate_json``).

    For the hottest body, the kiosks' batches of events: reading the JSON into
    Python first and validating that costs about twice as much. A subclass must
    itself refuse a value nested deeper than :data:`MAX_DEPTH` (a free-form field's
    validator checks :func:`depth`), since the body is not read into Python
    first. A body that fails is read again the ordinary way, so its 422 (or a 401
    for a missing token, which FastAPI checks first) is exactly the ordinary one.
    """


def _invalid(reason: str) -> RequestValidationError:
    return RequestValidationError([{"type": "json_invalid", "loc": ("body",), "msg": reason, "input": None}])


class JsonRoute(APIRoute):
    """An API route whose JSON body problems are 422s with the reason, never FastAPI's bare 400."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None  # a GET's stray body stays unread, as FastAPI leaves it
        declared = self.body_field.field_info.annotation if self.body_field is not None else None
        one_pass = declared if isinstance(declared, type) and issubclass(declared, OnePassBody) else None

        async def route(request: Request) -> Response:
            if not takes_body:
                return await handler(request)
            async with _bodies():
                return await read_then_handle(request)

        async def read_then_handle(request: Request) -> Response:
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "application/json" or kind.endswith("+json"):
                raw = await request.body()  # cached on the request: FastAPI reads the same bytes
                if raw and one_pass is not None:
                    try:
                        model = one_pass.model_validate_json(raw)
                    except ValidationError:
                        model = None  # read again below: the answer is then exactly the ordinary one
                    if model is not None:
                        request._json = model  # FastAPI's validation hands a model's own instance back as it is
                        return await handler(request)
                if raw:
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise _invalid(f"the body is not UTF-8 (byte {exc.start})") from None
                    try:
                        value = json.loads(text)
                    except json.JSONDecodeError as exc:
                        raise _invalid(f"the body is not JSON ({exc.msg} at character {exc.pos})") from None
                    except RecursionError:
                        raise _invalid(f"the body nests deeper than {MAX_DEPTH} levels") from None
                    except ValueError as exc:  # e.g. an integer with more digits than Python converts
                        raise _invalid(f"the body cannot be read as JSON ({exc})") from None
                    if depth(value) > MAX_DEPTH:
                        raise _invalid(f"the body nests deeper than {MAX_DEPTH} levels")
                    request._json = value  # what request.json() returns: parsed once
            return await handler(request)

        return route
