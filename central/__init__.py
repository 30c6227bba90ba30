"""The central server: enrolment, idempotent event ingest, config push, heartbeats and dashboards."""

__version__ = "0.1.0"
