"""Runs a sync worker in its own process (the SIGKILL test kills it mid-upload).

    python -m tests.central.sync_proc DB SERVER_URL TOKEN_FILE BATCH_SIZE
"""

import sys
import time

from kiosk.config import SyncConfig
from kiosk.outbox import mark_acked
from kiosk.sync import SyncWorker

db, url, token_file, batch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
config = SyncConfig(server_url=url, token_file=token_file, batch_size=batch, interval_seconds=0.05,
                    backoff_base_seconds=0.05, backoff_max_seconds=0.2, config_cache=token_file + ".config")
worker = SyncWorker(db, config, on_acked=lambda seq: mark_acked(db, seq))
worker.start()
print("started", flush=True)
while True:
    time.sleep(1)
