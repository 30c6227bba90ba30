"""Alembic migrations of the central database (run by ``kiosk-central migrate``)."""
