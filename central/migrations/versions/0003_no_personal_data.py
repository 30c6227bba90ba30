"""no personal data at central: names and the like dropped from stored payloads

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Kiosks before issue 12 sent the citizen's name in ``name_called.name``. Central
now never stores a personal-data key (``central.privacy``); this revision drops
those keys from the payloads already stored, with the same rule. On SQLite it
turns ``secure_delete`` on first, so the old text is overwritten rather than
left in free pages (``central.db.migrate`` checkpoints the WAL afterwards).
The downgrade changes nothing: a dropped name is gone.
"""

import json
import unicodedata
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The same rule as central.privacy (copied: a migration must not change when the code does).
PERSONAL_KEYS = frozenset({"name", "fullname", "hoten", "birthdate", "dob", "idnumber", "cccd", "address"})
_SEPARATORS = str.maketrans("", "", " _-.")
#: The stored text of the keys older kiosks sent (a first filter in SQL; Python decides).
LIKELY = ('%"name"%', '%"full_name"%', '%"ho_ten"%', '%"birth_date"%', '%"dob"%', '%"id_number"%',
          '%"cccd"%', '%"address"%')
BATCH = 1000


def _personal(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    plain = "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c))
    return plain.casefold().replace("đ", "d").translate(_SEPARATORS) in PERSONAL_KEYS


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if not _personal(k)}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("PRAGMA secure_delete = ON")
    events = sa.table("events", sa.column("id", sa.BigInteger()), sa.column("type", sa.String()),
                      sa.column("payload", sa.Text()))
    suspect = sa.or_(events.c.type == "name_called", *(events.c.payload.ilike(p) for p in LIKELY))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(events.c.id, events.c.payload).where(events.c.id > last, suspect).order_by(events.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            try:
                data = json.loads(row.payload)
            except (ValueError, TypeError, RecursionError):
                continue
            cleaned = _scrub(data)
            if cleaned != data:
                text = json.dumps(cleaned, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                bind.execute(events.update().where(events.c.id == row.id).values(payload=text))
        last = rows[-1].id


def downgrade() -> None:
    pass
