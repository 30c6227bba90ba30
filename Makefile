# The two commands of a fresh machine:
#   make demo   set up, then run the demo office
#   make test   set up, then run every test
.PHONY: setup demo test bench

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/kiosk demo --out var/demo-morning --minutes 90 --speed 60

test: setup
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python bench/bench_store.py
