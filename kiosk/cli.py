"""The ``kiosk`` command.

``kiosk check-config PATH`` validates a config file; ``kiosk status`` shows
today's queues and counters from the store; ``kiosk events`` prints the event
log as JSON lines. The queue commands (``issue``, ``next``, ``complete`` ...)
drive the engine from a terminal, for testing an office before its devices are
attached; they refuse to run while another process (the kiosk service) holds
the store.

Exit status: 0 done, 1 the queue refused the step (the reason is printed), 2
bad configuration or usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.base import shipped_dir
from drivers.speaker import SOUNDS_DIR
from kiosk import commands as cmd
from kiosk import logs
from kiosk.clock import SystemClock
from kiosk.config import Config, ConfigError, load_config
from kiosk.errors import DomainError
from kiosk.ids import time_ordered_uuid
from kiosk.officer import ACTIONS, BadAction, officer_command
from kiosk.schema import SchemaError
from kiosk.store import Store, StoreBusy, StoredEvent

DEFAULT_CONFIG = "/etc/kiosk/kiosk.toml"
DEMO_CONFIG = shipped_dir("config") / "demo.toml"
log = logging.getLogger("kiosk")


class _FixedClock(SystemClock):
    """The system clock, except that ``now`` is a given instant (``--at``)."""

    def __init__(self, moment: datetime) -> None:
        super().__init__()
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def _config_path(args: argparse.Namespace) -> Path:
    return Path(args.config or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG)


BOOT_CONFIG = Path("/boot/firmware/kiosk.toml")


def _load(args: argparse.Namespace) -> Config:
    """The config a command works on: on a kiosk, the same layers the service runs on."""
    path = _config_path(args)
    boot = Path(os.environ.get("KIOSK_BOOT_CONFIG") or BOOT_CONFIG)
    if not args.config and boot.is_file():
        from kiosk.bootconfig import load_layers

        return load_layers(path if path.exists() else None, boot)[0]
    return load_config(path)


def store_path(config: Config, override: str | None = None) -> Path:
    """The store file: ``--db``, else ``store.path``."""
    return Path(override or config.store.path)


def _moment(at: str, config: Config) -> datetime:
    """``--at``: ISO 8601; without a zone, the office's local time."""
    moment = datetime.fromisoformat(at)
    return moment.replace(tzinfo=config.site.tz) if moment.tzinfo is None else moment


def _port(text: str) -> int:
    """``--port``: a TCP port, 0 to 65535 (0: any free port)."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a TCP port is 0 to 65535, not {text!r}")
    return int(text)


def _open_store(args: argparse.Namespace, config: Config) -> Store:
    clock = SystemClock()
    if args.at:
        clock = _FixedClock(_moment(args.at, config))
    return Store(store_path(config, args.db), config, clock)


# -- commands ------------------------------------------------------------


def do_check_config(args: argparse.Namespace) -> int:
    config = load_config(args.path)
    print(
        f"OK: {args.path}: {config.site.unit_name.vi}; {len(config.services)} dịch vụ/services, "
        f"{len(config.counters)} quầy/counters"
    )
    return 0


def do_status(args: argparse.Namespace) -> int:
    config = _load(args)
    store = _open_store(args, config)
    try:
        engine = store.engine
        print(f"Ngày làm việc / Business day: {engine.state.day or '(chưa bắt đầu / not started)'}")
        print(f"{'Dịch vụ / Service':44} {'Chờ/Waiting':>11} {'Ưu tiên/Priority':>16} {'Đã cấp/Issued':>13}")
        for service in config.services:
            waiting = engine.waiting(service.id)
            issued = engine.state.services[service.id].issued_today
            priority = sum(1 for t in waiting if t.priority)
            print(f"{service.name.vi[:44]:44} {len(waiting):>11} {priority:>16} {issued:>13}")
        print(f"{'Quầy/Counter':12} {'Trạng thái/State':18} {'Cán bộ/Officer':15} {'Số/Ticket':10}")
        modes = {"open": "mở/open", "paused": "tạm dừng/paused", "closed": "đóng/closed"}
        for counter in config.counters:
            state = engine.state.counters[counter.number]
            ticket = engine.ticket_at(counter.number)
            shown = f"{ticket.display} ({ticket.state})" if ticket else "-"
            print(f"{counter.number:<12} {modes[state.mode]:18} {state.officer or '-':15} {shown}")
    finally:
        store.close()
    return 0


def do_events(args: argparse.Namespace) -> int:
    config = _load(args)
    store = _open_store(args, config)
    try:
        for event in store.events(since=args.since):
            print(json.dumps(event.to_json(), ensure_ascii=False))
    finally:
        store.close()
    return 0


def do_doctor(args: argparse.Namespace) -> int:
    from kiosk import doctor

    config = _load(args)
    if args.db:
        config = config.model_copy(update={"store": config.store.model_copy(update={"path": args.db})})
    return doctor.main(config, doctor.Options(args.test_print, args.blink, args.speak))


def do_announce(args: argparse.Namespace) -> int:
    from drivers.speaker import SpeakerConfig, announce_command

    config = _load(args)
    speaker = config.speaker or SpeakerConfig()
    return announce_command(args.number, args.counter, args.lang, args.text, args.out, speaker)


def do_sounds_build(args: argparse.Namespace) -> int:
    from drivers.speaker.soundset import build_clips

    written = build_clips(Path(args.out), languages=tuple(args.lang), overwrite=not args.missing)
    print(f"{len(written)} clips written to {args.out}")
    return 0


def do_sounds_missing(args: argparse.Namespace) -> int:
    """The syllables of today's names with no recorded clip (the names themselves are never printed)."""
    import sqlite3

    from drivers.speaker import SpeakerConfig, missing_syllables, syllable_file

    config = _load(args)
    speaker = config.speaker or SpeakerConfig()
    path = Path(args.db or config.store.path)
    names: list[str] = []
    if path.exists():
        # Read-only: the running kiosk holds the store's writer lock.
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [row[0] for row in connection.execute("SELECT name FROM personal")]
        except sqlite3.OperationalError:
            names = []  # a store older than names
        finally:
            connection.close()
    missing = missing_syllables(names, Path(speaker.sounds_dir))
    if not names:
        print("no names kept now (no card scanned today)")
        return 0
    if not missing:
        print(f"every syllable of today's {len(names)} name(s) has a clip: they are said from the recordings")
        return 0
    print(f"{len(missing)} syllable(s) of today's {len(names)} name(s) have no clip; names with one are said "
          "by espeak-ng. Record them into the folder below (sounds/README.md says how):")
    for syllable, count in missing.items():
        file = syllable_file(syllable)
        where = f"vi/syllables/{file}" if file else "(not a Vietnamese syllable: always said by the engine)"
        print(f"  {count:3d}  {syllable}  {where}")
    return 0


def do_pair(args: argparse.Namespace) -> int:
    from drivers.keypad import list_pairings, reset_pairings

    config = _load(args)
    if config.keypads is None:
        print("no [keypads] section in the config", file=sys.stderr)
        return 2
    path = config.keypads.pairings_file
    if args.reset:
        removed = reset_pairings(path)
        print(f"{removed} pairing(s) removed; type the pairing PIN on each keypad to pair it again")
        return 0
    pairings = list_pairings(path)
    if not pairings:
        print("no keypad is paired")
    for pairing in sorted(pairings, key=lambda p: p.counter):
        print(f"quầy/counter {pairing.counter}: {pairing.device} (paired {pairing.paired_at})")
    return 0


def do_run(args: argparse.Namespace) -> int:
    from kiosk.run import Process
    from kiosk.simulation import pair_keypads, simulated_config

    config_path = _config_path(args)
    if args.at and not args.simulate:
        print("kiosk run: --at needs --simulate (a real office runs on the system clock)", file=sys.stderr)
        return 2
    if args.boot_config:
        from kiosk.bootconfig import load_at_boot
        from kiosk.run import show_error_screen

        defaults = config_path if config_path.exists() else None
        loaded = load_at_boot(defaults, Path(args.boot_config), Path(args.last_good))
        if loaded.problem:
            print(f"kiosk: {args.boot_config}: {loaded.problem}", file=sys.stderr)
        if loaded.config is None:
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            return show_error_screen(loaded.problem or "", stop)
        process = Process(loaded.config, defaults, SystemClock(), boot_path=Path(args.boot_config),
                          startup_problem=loaded.problem, layers=loaded.layers)
        process.install_signals()
        process.start()
        return process.run()
    from kiosk.bootconfig import load_file

    loaded = load_file(config_path)  # with the central server's configuration over it, if one is stored
    config = loaded.config
    clock: Any = SystemClock()
    if args.simulate:
        from kiosk.simulation import ScaledClock

        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        config = simulated_config(config, Path(args.out), headless=headless, web_port=args.port)
        pair_keypads(config)
        if args.at:  # the simulated office's clock starts there and runs at real speed
            clock = ScaledClock(_moment(args.at, config))
        print(f"simulated office: files under {args.out}; board {'headless (PNG frames)' if headless else 'in a window'}"
              f"; clock {clock.now().astimezone(config.site.tz):%Y-%m-%d %H:%M}"
              f"; pages on http://127.0.0.1:{config.web.port if config.web else '-'}/sim", flush=True)
    else:
        if args.db:
            config = config.model_copy(update={"store": config.store.model_copy(update={"path": args.db})})
        if args.port is not None and config.web is not None:
            config = config.model_copy(update={"web": config.web.model_copy(update={"port": args.port})})
    process = Process(config, config_path, clock, simulate=args.simulate, layers=loaded.layers)
    process.install_signals()
    process.start()
    return process.run()


def do_demo(args: argparse.Namespace) -> int:
    from kiosk.demo import run_demo

    config = load_config(_config_path(args) if args.config else DEMO_CONFIG)
    if not args.verbose:  # the morning's every beep is not news: show warnings only (-v for all)
        logging.getLogger().setLevel(logging.WARNING)
    start = _moment(args.at, config) if args.at else None
    summary = run_demo(config, Path(args.out), minutes=args.minutes, speed=args.speed, start=start,
                       progress=lambda line: print(line, flush=True))
    print(summary.text())
    print(f"files: {args.out}/ (printer/, board/, speaker/, summary.json)")
    return 0


def do_users(args: argparse.Namespace) -> int:
    from kiosk.users import users_command

    config = _load(args)
    if config.web is None:
        print("no [web] section in the config", file=sys.stderr)
        return 2
    # --stdin before the sub-command (`kiosk users --stdin add-officer ...`) is parsed here.
    return users_command((["--stdin"] if args.stdin else []) + args.users_args, config.web.credentials_file)


def do_wiring(args: argparse.Namespace) -> int:
    from kiosk import wiring

    return wiring.main(_load(args), Path(args.svg) if args.svg else None)


def do_enroll(args: argparse.Namespace) -> int:
    from kiosk.enrolment import enroll_with, SyncError

    config = _load(args)
    if config.sync is None:
        print("no [sync] section in the config: set sync.server_url and sync.enrolment_code", file=sys.stderr)
        return 2
    try:
        path = enroll_with(config.sync, serial=args.serial, code=args.code)
    except SyncError as exc:
        print(f"kiosk enroll: {exc}", file=sys.stderr)
        return 1
    print(f"enrolled; the token is in {path}")
    return 0


def _wait_words(minutes: int | None) -> str:
    """The wait as the ticket says it: a range, or that there is no estimate (no staffed counter)."""
    from kiosk.estimate import wait_range

    shown = wait_range(minutes)
    if shown is None:
        return "chưa ước tính được/no estimate"
    low, high = shown
    if low == 0:
        return f"dưới/under {high} phút/min"
    return f"khoảng/about {low}–{high} phút/min"


def _report(events: list[StoredEvent], config: Config, displays: dict[str, str]) -> None:
    """One line per event a person cares about; ``displays`` maps ticket ids to numbers."""
    for event in events:
        data = event.data
        if event.type == "ticket_issued":
            service = config.service(data["service"]).name.vi
            mark = " ƯU TIÊN/PRIORITY" if data["priority"] else ""
            print(f"Số/Ticket {data['display']}{mark} - {service} - {data['ahead']} người chờ trước/ahead, "
                  f"{_wait_words(data['wait_minutes'])}")
        elif event.type in ("ticket_called", "ticket_recalled"):
            print(f"Quầy/Counter {data['counter']}: mời số/calling {displays.get(data['ticket_id'], '?')}")
        else:
            shown = {k: v for k, v in data.items() if k not in ("ticket_id", "at")}
            if "ticket_id" in data:
                shown = {"number": displays.get(data["ticket_id"], "?"), **shown}
            print(f"{event.type}: " + ", ".join(f"{k}={v}" for k, v in shown.items()))


def _queue_command(build: Callable[[argparse.Namespace], cmd.Command]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        config = _load(args)
        store = _open_store(args, config)
        try:
            try:
                command = build(args)
            except BadAction as exc:
                print(f"{exc.vi}\n{exc.en}", file=sys.stderr)
                return 2
            try:
                events = store.execute(command)
            except DomainError as exc:
                print(f"Không thực hiện được: {exc.text('vi')}\nRefused: {exc.text('en')}", file=sys.stderr)
                return 1
            displays = {t.id: t.display for t in store.engine.state.tickets.values()}
            _report(events, config, displays)
        finally:
            store.close()
        return 0

    return run


#: The citizens' steps; the officers' are :data:`kiosk.officer.ACTIONS`, named with "-" for "_".
CITIZEN_COMMANDS: dict[str, tuple[str, list[tuple[str, dict[str, Any]]], Callable[[argparse.Namespace], cmd.Command]]] = {
    "issue": (
        "issue a ticket, as the service button does",
        [("service", {"help": "service id"}), ("--priority", {"action": "store_true", "help": "a priority ticket"}),
         ("--group", {"help": "a priority ticket of this priority group (its id), as a group button gives"})],
        lambda a: cmd.Issue(a.service, time_ordered_uuid(), a.priority, a.group),
    ),
    "rate": (
        "press a rating button (1 = very satisfied)",
        [("counter", {"type": int}), ("level", {"type": int})],
        lambda a: cmd.Rate(a.counter, a.level),
    ),
}


def _officer_commands() -> dict[str, tuple[str, list[tuple[str, dict[str, Any]]], Callable[[argparse.Namespace], cmd.Command]]]:
    """One CLI command per officer action: ``kiosk no-show 3``, ``kiosk call-number 3 1005``."""
    found = {}
    for action, spec in ACTIONS.items():
        arguments: list[tuple[str, dict[str, Any]]] = [("counter", {"type": int})]
        if spec.needs is not None:
            arguments.append(("value", {"metavar": spec.needs.upper()}))
        if action == "results_ready":
            arguments.append(("--day", {"help": "the ticket's day, YYYY-MM-DD (default: the most recent)"}))
        found[action.replace("_", "-")] = (
            spec.help, arguments,
            lambda a, action=action: officer_command(action, a.counter, getattr(a, "value", None),
                                                     getattr(a, "day", None)),
        )
    return found


#: Every queue command of the ``kiosk`` command: the citizens' steps and the officers' actions.
QUEUE_COMMANDS = {**CITIZEN_COMMANDS, **_officer_commands()}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with ``--help`` on every command."""
    parser = argparse.ArgumentParser(prog="kiosk", description="Queue kiosk of a one-stop office.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help=f"office config file (default: $KIOSK_CONFIG or {DEFAULT_CONFIG})", default=None
    )
    common.add_argument("--db", help="store file (default: store.path from the config)", default=None)
    common.add_argument(
        "--at", help="pretend it is this time (ISO 8601, e.g. 2026-11-24T08:00), for tests and demos", default=None
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check-config", help="validate a config file", description="Validate a config file.")
    check.add_argument("path", help="the TOML file")
    check.set_defaults(func=do_check_config)

    status = sub.add_parser(
        "status", parents=[common], help="today's queues and counters", description="Today's queues and counters."
    )
    status.set_defaults(func=do_status)

    events = sub.add_parser(
        "events", parents=[common], help="the event log as JSON lines", description="Print stored events as JSON lines."
    )
    events.add_argument("--since", type=int, default=0, metavar="SEQ", help="only events after this sequence number")
    events.set_defaults(func=do_events)

    run = sub.add_parser(
        "run", parents=[common], help="run the office (the kiosk service runs this)",
        description="Run the office: devices, queue, board, loudspeaker. SIGHUP re-reads the config; "
        "SIGTERM stops after the ticket being printed.",
    )
    run.add_argument("--simulate", action="store_true",
                     help="simulate every device (files under --out); with --at, the simulated clock starts there")
    run.add_argument("--port", type=_port, default=None, metavar="PORT",
                     help="serve the pages on this port (default: [web] port, 8080 without [web])")
    run.add_argument("--out", default="var/simulate", help="where the simulated devices write (default var/simulate)")
    run.add_argument("--boot-config", default=None, metavar="PATH",
                     help="the SD card's kiosk.toml, laid over --config (e.g. /boot/firmware/kiosk.toml)")
    run.add_argument("--last-good", default="/var/lib/kiosk/last-good-config.json", metavar="PATH",
                     help="where the last valid configuration is kept (used when --boot-config is invalid)")
    run.set_defaults(func=do_run)

    demo = sub.add_parser(
        "demo", parents=[common], help="a simulated busy morning, headless, at high speed",
        description="Run a scripted busy morning through the real process with simulated devices and write "
        "the tickets (PNG), board frames (PNG), announcements (WAV) and a summary.",
    )
    demo.add_argument("--out", required=True, help="output folder (emptied first)")
    demo.add_argument("--minutes", type=int, default=90, help="simulated minutes (default 90)")
    demo.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second (default 60)")
    demo.set_defaults(func=do_demo)

    doctor = sub.add_parser(
        "doctor", parents=[common], help="check every device and the machine",
        description="Check every configured device, the clock, the disk and the store; one line each. "
        "Exit 1 if anything failed. Stop the kiosk service first.",
    )
    doctor.add_argument("--test-print", action="store_true", help="print a test ticket")
    doctor.add_argument("--blink", action="store_true", help="blink every button LED for 3 seconds")
    doctor.add_argument("--speak", action="store_true", help="announce a test call on the loudspeaker")
    doctor.set_defaults(func=do_doctor)

    announce = sub.add_parser(
        "announce", parents=[common], help="say a call on the loudspeaker (speaker test)",
        description="Compose the call for NUMBER at COUNTER and play it, print it or write it to a WAV file.",
    )
    announce.add_argument("number", help="ticket number, e.g. 1005 or A001")
    announce.add_argument("counter", type=int, help="counter number")
    announce.add_argument("--lang", choices=["vi", "en"], default=None, help="one language (default: the configured ones)")
    announce.add_argument("--text", action="store_true", help="only print the phrase")
    announce.add_argument("--out", type=Path, default=None, help="write the WAV here instead of playing it")
    announce.set_defaults(func=do_announce)

    sounds = sub.add_parser("sounds", help="announcement clips", description="Announcement clips.")
    sounds_sub = sounds.add_subparsers(dest="sounds_command", required=True, metavar="COMMAND")
    build = sounds_sub.add_parser(
        "build", help="generate the default clips with espeak-ng",
        description="Generate the default clip set (chime, words, digits) with the speech engine.",
    )
    build.add_argument("--out", default=str(SOUNDS_DIR), help=f"folder (default {SOUNDS_DIR})")
    build.add_argument("--lang", nargs="+", choices=["vi", "en"], default=["vi", "en"], help="languages")
    build.add_argument("--missing", action="store_true", help="only make clips that are missing (keep recordings)")
    build.set_defaults(func=do_sounds_build)
    missing = sounds_sub.add_parser(
        "missing", parents=[common], help="syllables of today's names that have no recorded clip",
        description="List the syllables of the names kept today (scanned ID cards) that have no clip in "
        "sounds/vi/syllables/, most needed first. Names are never printed, only syllables.",
    )
    missing.set_defaults(func=do_sounds_missing)

    users = sub.add_parser(
        "users", parents=[common], help="the leader password and the officers' PINs",
        description="Manage the leader password and the officers' codes and PINs (the pages and the keypads): "
        "set-leader-password, add-officer CODE NAME, remove-officer CODE, list. Passwords and PINs are asked "
        "twice at a terminal, read as one line from a pipe, and stored hashed.",
    )
    users.add_argument("--stdin", action="store_true",
                       help="read the password or PIN as one line from standard input (also when it is a terminal)")
    users.add_argument("users_args", nargs=argparse.REMAINDER, metavar="...", help="set-leader-password | "
                       "add-officer CODE NAME | remove-officer CODE | list  [--stdin]")
    users.set_defaults(func=do_users)

    wiring = sub.add_parser(
        "wiring", parents=[common], help="GPIO pin map of the buttons and LEDs (table; --svg picture)",
        description="Print which GPIO pin each configured button and LED uses, with the header's physical pin "
        "numbers; --svg also writes an A4 picture to print and tape inside the cabinet.",
    )
    wiring.add_argument("--svg", metavar="FILE", default=None, help="also write an A4 SVG to print")
    wiring.set_defaults(func=do_wiring)

    enroll = sub.add_parser(
        "enroll", parents=[common], help="enrol this kiosk with the central server",
        description="Exchange the one-time enrolment code (sync.enrolment_code, or --code) for this kiosk's "
        "token, kept in sync.token_file (readable only by the kiosk user).",
    )
    enroll.add_argument("--code", default=None, help="the enrolment code, if not in the config")
    enroll.add_argument("--serial", default=None,
                        help="the serial central knows this kiosk by (default: the Pi's CPU serial, else the "
                        "machine id); for several simulated kiosks on one computer")
    enroll.set_defaults(func=do_enroll)

    pair = sub.add_parser(
        "pair", parents=[common], help="list or reset keypad pairings",
        description="List the keypads paired to counters, or forget them all. A keypad pairs itself when "
        "someone types / / PIN Enter COUNTER Enter on it.",
    )
    group = pair.add_mutually_exclusive_group()
    group.add_argument("--list", action="store_true", help="list the pairings (the default)")
    group.add_argument("--reset", action="store_true", help="forget every pairing")
    pair.set_defaults(func=do_pair)

    for name, (text, arguments, build_command) in QUEUE_COMMANDS.items():
        command = sub.add_parser(name, parents=[common], help=text, description=text[0].upper() + text[1:] + ".")
        for flag, options in arguments:
            command.add_argument(flag, **options)
        command.set_defaults(func=_queue_command(build_command))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kiosk`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.setup(logging.DEBUG if args.verbose else logging.INFO)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"{exc.source}: cấu hình không hợp lệ / invalid configuration:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2
    except (StoreBusy, SchemaError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # e.g. a malformed --at
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `kiosk events | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
