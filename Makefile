# The two commands of a fresh machine:
#   make demo   set up, then run the demo office
#   make test   set up, then run every test
# Also: make province (set up, then run a simulated province and its operations room; Ctrl-C stops it).
# While working: make test-fast (everything but the slow kinds, docs/development.md).
.PHONY: setup demo province test test-fast bench

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/kiosk demo --out var/demo-morning --minutes 90 --speed 60

province: setup
	.venv/bin/python scripts/province.py

test: setup
	.venv/bin/python -m pytest -q

test-fast: setup
	.venv/bin/python -m pytest -q -n 2 -m "not (crash or properties or postgres or browser or process)"

bench: setup
	.venv/bin/python bench/bench_store.py
