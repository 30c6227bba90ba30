#!/usr/bin/env bash
# A morning at the demo office, driven through the kiosk command: tickets are
# issued, officers sign in, call, recall, transfer and complete, citizens rate.
# (Until the kiosk process lands, this is the office without its devices.)
set -euo pipefail
cd "$(dirname "$0")/.."
DB=var/demo.db
mkdir -p var
rm -f "$DB" "$DB-wal" "$DB-shm"
kiosk() {
  local at=$1; shift
  echo "\$ kiosk $* (at $at)"
  .venv/bin/kiosk "$@" --config config/demo.toml --db "$DB" --at "2026-11-24T$at" || true
}
kiosk 07:25 issue oto
kiosk 07:31 issue oto
kiosk 07:32 issue xemay
kiosk 07:33 issue xemay --priority
kiosk 07:34 issue vipham
kiosk 07:35 issue oto
kiosk 07:35 sign-in 1 1001
kiosk 07:35 sign-in 3 1003
kiosk 07:36 next 1
kiosk 07:36 next 3
kiosk 07:37 recall 3
kiosk 07:38 start 1
kiosk 07:50 complete 1
kiosk 07:50 rate 1 1
kiosk 07:51 rate 1 4
kiosk 07:52 next 1
kiosk 07:53 transfer 1 vipham
kiosk 07:54 next 5
kiosk 08:05 complete 5
kiosk 08:05 complete 3
kiosk 08:06 rate 3 2
kiosk 08:10 status
