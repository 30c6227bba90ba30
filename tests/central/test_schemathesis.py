"""Schemathesis against the served OpenAPI: generated requests never get a 500, answers match the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from central import core
from central.app import create_app


@pytest.fixture
def api(db_url: str):  # type: ignore[no-untyped-def]
    app = create_app(db_url)
    with app.state.engine.begin() as conn:
        core.add_site(conn, "ld", "Lâm Đồng")
        core.set_site_config(conn, "ld", {"site": {"unit_name": {"vi": "Phòng CSGT"}}})
        code = core.new_enrolment_code(conn, "ld")
        device = core.enroll(conn, code, "pi-fuzz")
    app.state.fuzz_token = device["token"]
    yield app
    app.state.engine.dispose()


def test_no_server_errors(api) -> None:  # type: ignore[no-untyped-def]
    """Every operation, on SQLite and PostgreSQL, with a valid token (so requests get past 401)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/enroll", "/api/v1/events", "/api/v1/heartbeat", "/api/v1/config"}
    for operation in operations:
        headers = {"Authorization": f"Bearer {api.state.fuzz_token}"} if operation.path != "/api/v1/enroll" else {}

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            )

        run()
