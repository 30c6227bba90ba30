"""Schemathesis against the served OpenAPI document, with every one of its checks, over every operation.

It runs Schemathesis's own engine (what ``st run`` does: the examples, coverage
and fuzzing phases, valid and invalid data) on SQLite and on PostgreSQL, with a
valid device token so requests get past 401. Clean means: no 500, every answer's
status, headers, content type and body as the document lists them, schema-valid
requests accepted, schema-invalid ones refused, authentication enforced, the
methods the document does not list refused with 405.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from central import core
from central.app import create_app
from central.settings import Media, Settings

EXAMPLES = 100  # per operation and phase: about 15 s per database


@pytest.fixture
def api(db_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    # Media on, so that the publish route answers its keys (off, it is a documented 503).
    app = create_app(db_url, settings=Settings(media=Media(enabled=True, secret_file=str(tmp_path / "media.secret"))))
    with app.state.engine.begin() as conn:
        core.add_site(conn, "ld", "Lâm Đồng")
        core.set_site_config(conn, "ld", {"site": {"unit_name": {"vi": "Phòng CSGT"}}})
        code = core.new_enrolment_code(conn, "ld")
        device = core.enroll(conn, code, "pi-fuzz")
    app.state.fuzz_token = device["token"]
    app.state.fuzz_device = device["device_id"]
    yield app
    app.state.engine.dispose()


def run_schemathesis(app: Any, seed: int) -> tuple[list[str], set[str], dict[str, set[int]], list[str]]:
    """Failures (one line each), the checks that ran, the statuses seen per operation, and engine errors."""
    config = SchemathesisConfig.from_dict({
        "headers": {"Authorization": f"Bearer {app.state.fuzz_token}"},
        "generation": {"max-examples": EXAMPLES, "database": "none", "mode": "all"},
        "checks": {"enabled": True},
        "seed": seed,
    })
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

    @schema.hook
    def map_case(context: Any, case: Any) -> Any:
        # A batch is stored only for the token's own device: give valid batches that id, so that
        # the fuzzing reaches ingest (and time correction) instead of stopping at 403.
        if (
            case.operation.path == "/api/v1/events" and case.meta is not None
            and case.meta.generation.mode.is_positive and isinstance(case.body, dict)
        ):
            case.body["device_id"] = app.state.fuzz_device
            for event in case.body.get("events", []):
                if isinstance(event, dict) and event.get("device_id") is not None:
                    event["device_id"] = app.state.fuzz_device
        return case
    failures: list[str] = []
    ran: set[str] = set()
    statuses: dict[str, set[int]] = defaultdict(set)
    errors: list[str] = []
    for event in from_schema(schema).execute():
        if isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(repr(event))
        if not isinstance(event, (events.ScenarioFinished, events.FuzzScenarioFinished)):
            continue
        recorder = event.recorder
        for interaction in recorder.interactions.values():
            if interaction.response is not None:
                statuses[recorder.label].add(interaction.response.status_code)
        for case_id, checks in recorder.checks.items():
            for check in checks:
                ran.add(check.name)
                if check.status.name == "FAILURE":
                    failure = check.failure_info.failure if check.failure_info else None
                    case = recorder.cases[case_id].value
                    failures.append(
                        f"{recorder.label}: {check.name}: {failure.title if failure else ''} "
                        f"{(failure.message if failure else '')[:300]!r} body={getattr(case, 'body', None)!r:.300}"
                    )
    return failures, ran, statuses, errors


def test_every_check_is_clean_over_every_operation(api) -> None:  # type: ignore[no-untyped-def]
    load_all_checks()
    failures, ran, statuses, errors = run_schemathesis(api, seed=11)
    assert not errors, errors
    assert not failures, "\n".join(sorted(set(failures)))
    assert ran == set(CHECKS.get_all_names()), "some checks never ran"
    operations = {label.split(" ", 1)[1] for label in statuses}
    assert operations >= {"/api/v1/enroll", "/api/v1/events", "/api/v1/heartbeat", "/api/v1/config", "/api/v1/health"}
    # The valid token got through: requests were stored, not only refused.
    assert 200 in statuses["POST /api/v1/events"] and 204 in statuses["POST /api/v1/heartbeat"]
    assert 422 in statuses["POST /api/v1/events"] and 401 in statuses["POST /api/v1/events"]
