"""A fresh machine: with no PostgreSQL answering, the test session starts its own cluster."""

from __future__ import annotations

import psycopg
import pytest

from central.app import create_app
from central import core
from tests.central.conftest import free_port, new_pg_database
from tests.central.pg_cluster import answers, find_or_start

pytestmark = pytest.mark.postgres


def test_a_private_cluster_serves_the_central_app_when_no_server_answers() -> None:
    closed = f"postgresql://postgres@127.0.0.1:{free_port()}"  # nothing listens there
    assert not answers(closed)
    url, cluster = find_or_start(closed)
    assert cluster is not None and url != closed
    folder = cluster.folder
    try:
        with psycopg.connect(f"{url}/postgres") as conn:
            assert conn.execute("SHOW port").fetchone() == (str(cluster.port),)
            assert conn.execute("SELECT current_user").fetchone() == ("postgres",)
        db, drop = new_pg_database(url)
        app = create_app(db)  # the real server migrates its schema there
        with app.state.engine.begin() as conn:
            core.add_site(conn, "ld", "Phòng CSGT Lâm Đồng")
        with app.state.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM sites").scalar() == "Phòng CSGT Lâm Đồng"
        app.state.engine.dispose()
        drop()
    finally:
        cluster.stop()
    assert not answers(url)  # stopped at the end of the session
    assert not folder.exists()  # and its folder removed


def test_a_server_that_answers_is_used_as_it_is(pg_server: str) -> None:
    url, cluster = find_or_start(pg_server)
    assert (url, cluster) == (pg_server, None)
