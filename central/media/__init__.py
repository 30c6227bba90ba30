"""The media server: nginx with the RTMP module, fed by the kiosks, authorised by central.

Kiosks push RTMP (``live/<device_id>``, ``thumb/<device_id>``) with a publish key from
``POST /api/v1/media/publish``; nginx asks central's hooks before accepting a publish and
every ``update_seconds`` while it lasts; browsers get HLS under ``/media/`` through nginx,
each request checked by ``GET /media/auth``. ``keys`` signs publish keys, ``nginx`` renders
the configuration, ``server`` runs nginx and the retention, ``recordings`` keeps and plays
back the recorded fragments, ``routes`` holds the HTTP routes. docs/central.md tells the rest.
"""
