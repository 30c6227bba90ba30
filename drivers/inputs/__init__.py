"""What the two USB input drivers share: the keypads (:mod:`drivers.keypad`) and the scanner (:mod:`drivers.scanner`).

Both read USB keyboards as evdev input devices in threads of their own, and
both have a simulated last hop; these modules hold the parts that are the same
for both, so that each driver keeps only what its device means:

========================  ==========================================================
``reading``               the service's threads: the stop pipe, readers by path,
                          reopening with a doubling wait, the reason for a failure
``input_events``          what a handler reads of an input event; one in memory
``simulated``             an input device and a "USB bus" in memory, for tests and demos
``check``                 the technician's check: ``python -m drivers.<driver>``
========================  ==========================================================

Importing the package loads nothing: a driver imports the module it needs.
"""
