"""nginx's configuration for the media server, rendered from ``[media]``.

One nginx process is central's front door and the media server:

- ``rtmp``: kiosks publish ``live/<device_id>`` and ``thumb/<device_id>``; each publish is
  checked by central (``on_publish``), re-checked every ``update_seconds`` (``on_update``: a
  revoked device is cut) and reported when it ends (``on_publish_done``). Both apps write live
  HLS into ``live_dir`` (RAM). ``live`` also pushes each stream to the loopback ``rec`` app,
  which keeps 6 s fragments named by their start time (ms since the epoch) in ``record_dir``;
  central's hook refuses it for a unit that is not recorded.
- ``http``: ``/media/{live,thumb,rec}/`` served from those folders after ``auth_request`` to
  central's ``/media/auth`` (answers cached 10 s per session cookie and stream); everything
  else proxied to central on ``127.0.0.1:central_port``.

Every path nginx writes (pid, logs, temp files) is in ``runtime_dir``, so it runs as root or as
a normal user alike. The RTMP access log has no ``$args``: publish keys never reach a log.
"""

from __future__ import annotations

from pathlib import Path

from central.settings import Media

#: nginx-rtmp's HLS fragment and playlist lengths: the main stream's (the kiosks' keyframe interval,
#: drivers.stream.settings.GOP_SECONDS: short, for the director's latency), the thumbnails', and the
#: recordings' fragment length.
LIVE_FRAGMENT = "500ms"
LIVE_PLAYLIST = "3s"
THUMB_FRAGMENT = "1s"
THUMB_PLAYLIST = "4s"
RECORD_FRAGMENT_S = 6
#: How long nginx keeps central's answer to a media request (per session cookie and stream).
AUTH_CACHE_S = 10
#: The path of the hooks on central: ``/media/hook/<hook secret>/<event>``.
HOOK_PREFIX = "/media/hook"


def _q(text: str) -> str:
    """``text`` as one nginx config token (quoted; the settings' patterns keep quotes out)."""
    if any(c in text for c in '"\\\n\r;{}$'):
        raise ValueError(f"{text!r} cannot go into nginx's configuration")
    return f'"{text}"'


def render(media: Media, hook_secret: str, user: str | None = None) -> str:
    """The whole ``nginx.conf`` for ``media``; ``user``: the workers' user (only when started as root)."""
    run = Path(media.runtime_dir)
    live = Path(media.live_dir)
    rec = Path(media.record_dir)
    central = f"http://127.0.0.1:{media.central_port}"
    hook = f"{central}{HOOK_PREFIX}/{hook_secret}"
    listen = f"{media.web_listen}:{media.web_port}" if media.web_listen else str(media.web_port)
    tls = ""
    if media.tls_certificate:
        listen += " ssl"
        tls = (f"        ssl_certificate {_q(media.tls_certificate)};\n"
               f"        ssl_certificate_key {_q(media.tls_certificate_key)};\n")
    user_line = f"user {user};\n" if user else ""
    media_location = """
        location /media/{app}/ {{
            auth_request /_media_auth;
            alias {root}/;
            types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}
            default_type application/octet-stream;
            log_not_found off;  # a stream not (yet) published: a 404, not an error line
            add_header Cache-Control $media_cache_control always;
        }}"""
    locations = "".join(
        media_location.format(app=app, root=_q(str(root))[1:-1])
        for app, root in (("live", live / "live"), ("thumb", live / "thumb"), ("rec", rec))
    )
    return f"""# Rendered by kiosk-central media from the [media] settings; changes here are overwritten.
{user_line}daemon off;
master_process on;
worker_processes 1;
pid {_q(str(run / "nginx.pid"))};
error_log {_q(str(run / "error.log"))} warn;
load_module {_q(media.rtmp_module)};

events {{
    worker_connections 1024;
}}

rtmp {{
    log_format keyless '$remote_addr [$time_local] $command "$app" "$name" $bytes_received $bytes_sent ($session_readable_time)';
    access_log {_q(str(run / "rtmp-access.log"))} keyless;

    server {{
        listen {media.rtmp_port};
        chunk_size 4096;
        notify_method post;
        notify_update_timeout {media.update_seconds}s;
        # No answer from central at an update cuts the stream too (nginx-rtmp treats an empty reply as a
        # refusal whatever notify_update_strict says): fail closed; kiosks reconnect with backoff.
        notify_update_strict on;

        application live {{
            live on;
            record off;
            allow publish all;
            allow play 127.0.0.1;
            deny play all;
            hls on;
            hls_path {_q(str(live / "live"))};
            hls_nested on;
            hls_fragment {LIVE_FRAGMENT};
            hls_playlist_length {LIVE_PLAYLIST};
            hls_cleanup on;
            on_publish {hook}/publish;
            on_update {hook}/update;
            on_publish_done {hook}/done;
            push rtmp://127.0.0.1:{media.rtmp_port}/rec;
        }}

        application thumb {{
            live on;
            record off;
            allow play 127.0.0.1;
            deny play all;
            hls on;
            hls_path {_q(str(live / "thumb"))};
            hls_nested on;
            hls_fragment {THUMB_FRAGMENT};
            hls_playlist_length {THUMB_PLAYLIST};
            hls_cleanup on;
            on_publish {hook}/publish;
            on_update {hook}/update;
            on_publish_done {hook}/done;
        }}

        application rec {{
            live on;
            record off;
            allow publish 127.0.0.1;
            deny publish all;
            deny play all;
            hls on;
            hls_path {_q(str(rec))};
            hls_nested on;
            hls_cleanup off;
            hls_fragment {RECORD_FRAGMENT_S}s;
            hls_playlist_length 60s;
            hls_fragment_naming system;
            on_publish {hook}/record;
            on_publish_done {hook}/done;
        }}
    }}
}}

http {{
    access_log {_q(str(run / "access.log"))};
    client_body_temp_path {_q(str(run / "tmp" / "body"))};
    proxy_temp_path {_q(str(run / "tmp" / "proxy"))};
    fastcgi_temp_path {_q(str(run / "tmp" / "fastcgi"))};
    uwsgi_temp_path {_q(str(run / "tmp" / "uwsgi"))};
    scgi_temp_path {_q(str(run / "tmp" / "scgi"))};
    proxy_cache_path {_q(str(run / "auth-cache"))} keys_zone=media_auth:1m max_size=16m inactive=60s;
    default_type application/octet-stream;
    sendfile on;
    server_tokens off;
    client_max_body_size 16m;

    # The stream a /media/ URL is of, as central judges it (the raw request URI: in the auth
    # subrequest $uri is /_media_auth): with the session cookie, the key of the cached answer.
    map $request_uri $media_stream {{
        ~^/media/(?<a>live|thumb|rec)/(?<d>[^/]+)/ "$a/$d";
        default "";
    }}
    map $uri $media_cache_control {{
        ~\\.m3u8$ "no-cache";
        default "private, max-age=60";
    }}

    server {{
        listen {listen};
{tls}
        location / {{
            proxy_pass {central};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Connection "";
            # Server-sent events (the operations room) must reach the browser as they are written.
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}

        # The hooks are nginx-rtmp's, on loopback only: never through the front door.
        location ^~ {HOOK_PREFIX}/ {{
            return 404;
        }}
{locations}

        location = /_media_auth {{
            internal;
            proxy_pass {central}/media/auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header Cookie $http_cookie;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_cache media_auth;
            proxy_cache_key "$cookie_kc_session|$media_stream";
            proxy_cache_valid 200 401 403 {AUTH_CACHE_S}s;
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
        }}
    }}
}}
"""
