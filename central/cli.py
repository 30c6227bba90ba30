"""The ``kiosk-central`` command: everything an admin needs to bring an office online.

    kiosk-central migrate
    kiosk-central add-site ld-csgt "Phòng CSGT Lâm Đồng" --province "Lâm Đồng"
    kiosk-central set-config ld-csgt /path/to/kiosk.toml --server-url https://central.example.gov.vn
    kiosk-central add-user director1 --role director
    kiosk-central enrolment-code ld-csgt
    kiosk-central serve --host 0.0.0.0 --port 8080
    kiosk-central revoke DEVICE-ID
    kiosk-central rebuild-summaries [--site ld-csgt]
    kiosk-central reports --period month    # every unit's XLSX and PDF of last month, and the ranking
    kiosk-central media --config central.toml   # nginx (RTMP in, HLS out, central's front door) + retention

``--db`` (or ``KIOSK_CENTRAL_DB``) selects the database: a SQLite URL by default,
``postgresql://user@host/dbname`` for production.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from central import core, summary
from central.db import DEFAULT_DB, make_engine, migrate


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=os.environ.get("KIOSK_CENTRAL_DB", DEFAULT_DB),
        help="database URL (default: $KIOSK_CENTRAL_DB or %(default)s); e.g. postgresql://kiosk@db/kiosk",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (every sub-command has --help)."""
    parser = argparse.ArgumentParser(prog="kiosk-central", description="Central server of the queue kiosks.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run the web server (migrates the database first)")
    _db_arg(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    p.add_argument("--port", type=int, default=8080, help="port (default %(default)s)")
    p.add_argument("--workers", type=int, default=1, help="server processes (default %(default)s)")
    p.add_argument("--ssl-certfile", help="TLS certificate (PEM); without it, put a TLS proxy in front")
    p.add_argument("--ssl-keyfile", help="TLS private key (PEM)")
    p.add_argument(
        "--config",
        default=os.environ.get("KIOSK_CENTRAL_CONFIG"),
        help="central's settings file (TOML: classification, ranking, reports; docs/central.md); "
        "default: $KIOSK_CENTRAL_CONFIG, else the built-in defaults",
    )

    p = sub.add_parser("migrate", help="create or upgrade the database schema")
    _db_arg(p)

    p = sub.add_parser("add-site", help="add a site (unit)")
    _db_arg(p)
    p.add_argument("code", help="short code, e.g. ld-csgt")
    p.add_argument("name", help="the unit's name")
    p.add_argument("--province", default="", help="province it belongs to")
    p.add_argument("--department", default="", help="department it belongs to")

    p = sub.add_parser("set-config", help="give a site a kiosk configuration (TOML, checked first)")
    _db_arg(p)
    p.add_argument("site", help="site code")
    p.add_argument("file", help="the kiosk's TOML configuration (what central may push: docs/central.md)")
    p.add_argument(
        "--server-url",
        default=os.environ.get("KIOSK_CENTRAL_URL"),
        help="the address kiosks reach this server at; the file's [sync] server_url must be it "
        "(default: $KIOSK_CENTRAL_URL, else the site's current configuration's)",
    )

    p = sub.add_parser("add-user", help="add a dashboard user (asks for the password)")
    _db_arg(p)
    p.add_argument("username")
    p.add_argument("--role", choices=core.ROLES, required=True, help="admin, director (every site) or leader (one site)")
    p.add_argument("--site", help="site code (required for a leader)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    p = sub.add_parser("enrolment-code", help="print a one-time enrolment code for one kiosk of SITE")
    _db_arg(p)
    p.add_argument("site", help="site code")
    p.add_argument("--hours", type=float, default=24, help="hours before the code expires (default %(default)s)")

    p = sub.add_parser("revoke", help="revoke a device's token")
    _db_arg(p)
    p.add_argument("device", help="device id")

    p = sub.add_parser("rebuild-summaries", help="recompute the figures' summary tables from the stored events")
    _db_arg(p)
    p.add_argument("--site", help="only this site's (code); default: every site")

    p = sub.add_parser("reports", help="write every unit's report and the ranking (XLSX and PDF) of a month or quarter")
    _db_arg(p)
    p.add_argument("--period", choices=("month", "quarter"), required=True, help="what each report covers")
    p.add_argument("--day", help="a day of the period to report (YYYY-MM-DD); default: the last complete one")
    p.add_argument("--out", help="folder to write to (default: reports.out_dir of the settings file)")
    p.add_argument("--config", default=os.environ.get("KIOSK_CENTRAL_CONFIG"),
                   help="central's settings file (default: $KIOSK_CENTRAL_CONFIG, else the built-in defaults)")

    p = sub.add_parser("media", help="run the media server: nginx with the RTMP module in front of central, "
                       "and the recordings' retention (the [media] settings; docs/central.md)")
    p.add_argument("--config", default=os.environ.get("KIOSK_CENTRAL_CONFIG"),
                   help="central's settings file (default: $KIOSK_CENTRAL_CONFIG)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kiosk-central``; returns the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        import uvicorn

        from central.settings import SettingsError, load_settings

        try:
            load_settings(args.config)  # refuse a wrong file now, with every wrong key, not in each worker
        except SettingsError as exc:
            print(f"kiosk-central: {exc}", file=sys.stderr)
            return 2
        os.environ["KIOSK_CENTRAL_DB"] = args.db
        if args.config:
            os.environ["KIOSK_CENTRAL_CONFIG"] = os.path.abspath(args.config)
        migrate(make_engine(args.db))
        uvicorn.run(
            "central.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            ssl_certfile=args.ssl_certfile,
            ssl_keyfile=args.ssl_keyfile,
            proxy_headers=True,
            timeout_graceful_shutdown=5,  # the operations room's open event streams (/ops/stream) end by then
        )
        return 0
    if args.command == "media":
        return _media(args.config)
    engine = make_engine(args.db)
    if args.command == "migrate":
        migrate(engine)
        print(f"database is at the newest schema: {engine.url.render_as_string(hide_password=True)}")
        return 0
    if args.command == "reports":
        return _reports(engine, args.period, args.day, args.out, args.config)
    try:
        if args.command == "set-config":
            return _set_config(engine, args.site, args.file, args.server_url)
        if args.command == "add-user":
            password = sys.stdin.readline().rstrip("\n") if args.password_stdin else _ask_password()
            with engine.begin() as conn:
                core.add_user(conn, args.username, password, args.role, args.site)
            print(f"user {args.username} added ({args.role})")
            return 0
        with engine.begin() as conn:
            if args.command == "add-site":
                core.add_site(conn, args.code, args.name, args.province, args.department)
                print(f"site {args.code} added")
            elif args.command == "enrolment-code":
                print(core.new_enrolment_code(conn, args.site, int(args.hours * 3600)))
            elif args.command == "revoke":
                core.revoke(conn, args.device)
                print(f"device {args.device} revoked")
            elif args.command == "rebuild-summaries":
                site_id = core.site_by_code(conn, args.site).id if args.site else None
                tickets = summary.rebuild(conn, site_id)
                print(f"summaries rebuilt from the events: {tickets} tickets ({args.site or 'every site'})")
    except core.Refused as exc:
        print(f"kiosk-central: {exc.reason}", file=sys.stderr)
        return 1
    return 0


def _reports(engine, period: str, day: str | None, out: str | None, config: str | None) -> int:  # type: ignore[no-untyped-def]
    """Write the period's reports; print each file written."""
    from pathlib import Path

    from central.reports.data import check_period
    from central.reports.files import previous_period_day, today, write_period
    from central.settings import SettingsError, load_settings

    try:
        settings = load_settings(config)
        period, chosen = check_period(period, day or previous_period_day(period, today()), today())
    except (SettingsError, ValueError) as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2
    folder = Path(out or settings.reports.out_dir)
    try:
        written = write_period(engine, settings, period, chosen, folder)
    except OSError as exc:
        print(f"kiosk-central: cannot write the reports to {folder}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def _media(config: str | None) -> int:
    """Run nginx and the retention until stopped; say what to fix when it cannot start."""
    import logging

    from central.media.server import MediaError, run
    from central.settings import SettingsError, load_settings

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(config)
        if not settings.media.enabled:
            raise MediaError("[media] enabled is false in the settings file: set it to true to run the media server")
        return run(settings.media)
    except (SettingsError, MediaError) as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2


def _ask_password() -> str:
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise core.Refused(400, "the passwords differ")
    return first


def _set_config(engine, site: str, path: str, server_url: str | None) -> int:  # type: ignore[no-untyped-def]
    import tomllib

    from central import pushed
    from kiosk.config import ConfigError, load_config

    try:
        load_config(path)  # every problem, in the kiosk's own words
    except ConfigError as exc:
        print(f"kiosk-central: {path} is not a valid kiosk configuration:\n{exc}", file=sys.stderr)
        return 1
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    with engine.begin() as conn:
        version = pushed.push(conn, site, data, server_url)  # refused if it would cut the kiosks off
    print(f"site {site} now has configuration version {version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
