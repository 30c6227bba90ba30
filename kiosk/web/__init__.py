"""The local web pages: an officer page per counter, the leader page, their JSON API, and the simulate-mode panel.

:func:`kiosk.web.app.create_app` builds the FastAPI app for an office (what it
may ask of the office is :class:`kiosk.web.office.OfficeForPages`);
:func:`kiosk.web.server.start_server` serves it with uvicorn in a thread.
See ``docs/web.md``.
"""
