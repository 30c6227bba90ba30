"""The reports people file: a unit's or the province's figures for a month or a quarter, as XLSX and PDF.

``data`` assembles a report from the figures API, ``xlsx`` and ``pdf`` write it,
``routes`` serves the downloads and ``files`` writes every report of a period
for the scheduled ``kiosk-central reports`` command (docs/central.md, "Reports").
"""
