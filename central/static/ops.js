// The operations room (/ops): draws the tiles and alerts central sends (central/ops/live.py) and keeps
// them live from the server-sent events of /ops/stream. Every text comes from central already in
// Vietnamese formats; this script only places it (textContent: never HTML from data).
// Thumbnails play muted (hls.js, vendored in /static/vendor); a click on a tile opens the main stream
// with sound (the click is the gesture that lets the browser play sound) and the office's live queue.
(function () {
  "use strict";
  var initial = JSON.parse(document.getElementById("ops-data").textContent);
  var wall = document.getElementById("wall");
  var tiles = {};       // device id -> {node, data, hls, url}
  var latest = {};      // device id -> the tile's latest data
  var opened = null;    // device id shown in the large player
  var mainHls = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "cls") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  // -- playing HLS (hls.js over Media Source Extensions; Safari plays HLS natively) --

  // The main stream comes in half-second fragments: play one second behind the newest and catch up
  // (a little faster than real time) when the network lags, so the picture stays under 3 s behind
  // the counter. A thumbnail (1 s fragments) may lag more: two fragments behind.
  var MAIN = {liveSyncDuration: 1.0, liveMaxLatencyDuration: 2.5, maxLiveSyncPlaybackRate: 1.5, manifestLoadingMaxRetry: 2};
  var THUMB = {liveSyncDurationCount: 2, manifestLoadingMaxRetry: 2};

  function play(video, url, onFail, config) {
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls(config);
      hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
      hls.on(window.Hls.Events.ERROR, function (_e, info) {
        if (info.fatal) { hls.destroy(); if (onFail) onFail(); }  // e.g. the playlist is not there yet
      });
      hls.loadSource(url);
      hls.attachMedia(video);
      return hls;
    }
    video.src = url;
    video.play().catch(function () {});
    return {destroy: function () { video.removeAttribute("src"); video.load(); }};
  }

  // -- the tiles --

  function stat(label, value, warn) {
    return el("div", {cls: warn ? "warn" : ""}, [document.createTextNode(label), el("b", {text: value})]);
  }

  function startThumb(t) {
    var video = el("video", {muted: "", autoplay: "", playsinline: "", "aria-label": "Hình trực tiếp " + t.data.unit});
    video.muted = true;
    t.screen.replaceChildren(video);
    t.video = video;
    t.hls = play(video, t.data.thumb, function () {
      t.hls = null;
      setTimeout(function () { if (tiles[t.data.device_id] === t && t.data.state === "live" && !t.hls) startThumb(t); }, 2000);
    }, THUMB);
  }

  function stopThumb(t) {
    if (t.hls) t.hls.destroy();
    t.hls = null;
    t.video = null;
  }

  function draw(t) {
    var d = t.data;
    t.node.className = "tile " + d.state;
    t.node.dataset.state = d.state;
    t.title.replaceChildren(
      el("span", {}, [document.createTextNode(d.unit + " "), el("span", {cls: "serial", text: d.serial})]),
      el("span", {cls: "badge " + d.state, text: d.state === "live" ? "Trực tiếp" : (d.state === "offline" ? "Mất kết nối" : "Không có hình")}));
    if (d.state === "live") {
      if (!t.video) startThumb(t);
    } else {
      stopThumb(t);
      t.screen.replaceChildren(el("div", {cls: "state", text: d.status}));
    }
    t.since.textContent = d.status;
    t.stats.replaceChildren(
      stat("Quầy mở", d.counters_open + "/" + d.counters_total),
      stat("Cán bộ đăng nhập", String(d.officers)),
      stat("Đang chờ", d.waiting_text),
      stat("Chờ lâu nhất", d.longest_wait, d.long_wait),
      stat("Hài lòng hôm nay", d.satisfaction),
      stat("Lượt đánh giá", String(d.ratings)));
    t.devices.replaceChildren();
    d.devices.forEach(function (dev, i) {
      if (i) t.devices.appendChild(document.createTextNode(" · "));
      t.devices.appendChild(el("span", {cls: dev.state === "ok" ? "" : "bad", text: dev.name + ": " + dev.text}));
    });
  }

  function tileFor(d) {
    var node = el("button", {type: "button", cls: "tile", "data-device": d.device_id, "data-site": d.site});
    var t = {data: d, node: node, title: el("h3"), screen: el("div", {cls: "screen"}), since: el("div", {cls: "since"}),
             stats: el("div", {cls: "stats"}), devices: el("div", {cls: "devices"}), hls: null, video: null};
    node.append(t.title, t.screen, t.since, t.stats, t.devices);
    node.addEventListener("click", function () { openPlayer(d.device_id); });
    return t;
  }

  function showTiles(list) {
    var seen = {};
    list.forEach(function (d, i) {
      seen[d.device_id] = true;
      latest[d.device_id] = d;
      var t = tiles[d.device_id];
      if (!t) { t = tiles[d.device_id] = tileFor(d); }
      t.data = d;
      if (wall.children[i] !== t.node) wall.insertBefore(t.node, wall.children[i] || null);
      draw(t);
    });
    Object.keys(tiles).forEach(function (id) {
      if (!seen[id]) { stopThumb(tiles[id]); tiles[id].node.remove(); delete tiles[id]; delete latest[id]; }
    });
    document.getElementById("no-tiles").hidden = list.length > 0;
    if (opened) drawQueue(latest[opened]);
  }

  // -- the alerts --

  function showAlerts(list) {
    var ol = document.getElementById("alert-list");
    ol.replaceChildren.apply(ol, list.map(function (a) {
      return el("li", {cls: a.open ? "open" : "cleared", "data-kind": a.kind, "data-site": a.site}, [
        el("span", {cls: "when", text: a.raised + " "}), document.createTextNode(a.detail),
        el("span", {cls: "unit", text: a.unit + (a.open ? " · Đang diễn ra" : " · Đã hết lúc " + a.cleared)})]);
    }));
    document.getElementById("no-alerts").hidden = list.length > 0;
  }

  var newsTimer = null;
  function news(a) {
    var box = document.getElementById("news");
    box.textContent = "Cảnh báo mới " + a.raised + " · " + a.unit + ": " + a.detail;
    box.hidden = false;
    clearTimeout(newsTimer);
    newsTimer = setTimeout(function () { box.hidden = true; }, 15000);
  }

  // -- the large player and the office's queue --

  function table(headers, rows) {
    return el("table", {}, [el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", {text: h}); }))]),
      el("tbody", {}, rows.map(function (r) { return el("tr", {}, r.map(function (c) { return el("td", {text: c}); })); }))]);
  }

  function drawQueue(d) {
    var box = document.getElementById("player-queue");
    if (!d) { box.replaceChildren(el("p", {text: "Đơn vị không còn trên màn hình."})); return; }
    document.getElementById("player-status").textContent = d.status + " · Đang chờ " + d.waiting_text +
      " · Chờ lâu nhất " + d.longest_wait + " · Hài lòng hôm nay " + d.satisfaction;
    var q = d.queue;
    var waiting = q.waiting.map(function (w) { return [w.display, w.service, w.waited]; });
    box.replaceChildren(
      el("h3", {text: "Quầy"}),
      table(["Quầy", "Trạng thái", "Cán bộ", "Đang phục vụ"], q.counters.map(function (c) { return [c.label, c.mode, c.officer, c.ticket]; })),
      el("h3", {text: "Đang phục vụ"}),
      q.serving.length ? table(["Số", "Dịch vụ", "Quầy", ""], q.serving.map(function (s) { return [s.display, s.service, s.counter, s.state]; }))
                       : el("p", {text: "Không có."}),
      el("h3", {text: "Đang chờ (" + d.waiting_text + ")"}),
      waiting.length ? table(["Số", "Dịch vụ", "Đã chờ"], waiting) : el("p", {text: "Không có ai chờ."}),
      el("p", {text: q.more ? "… và " + q.more + " phiếu khác" : ""}));
  }

  function openPlayer(id) {
    var d = latest[id];
    if (!d) return;
    opened = id;
    var video = document.getElementById("main-video");
    document.getElementById("player-title").textContent = d.unit + " (" + d.serial + ")";
    document.getElementById("player-recordings").href = "/ops/recordings/" + encodeURIComponent(d.site);
    document.getElementById("player").hidden = false;
    if (mainHls) mainHls.destroy();
    video.muted = false;   // sound on: this click is the user's gesture
    video.volume = 1;
    video.dataset.device = id;
    mainHls = play(video, d.main, null, MAIN);
    video.play().catch(function () {});
    drawQueue(d);
  }

  function closePlayer() {
    opened = null;
    if (mainHls) mainHls.destroy();
    mainHls = null;
    document.getElementById("player").hidden = true;
  }
  document.getElementById("player-close").addEventListener("click", closePlayer);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && opened) closePlayer(); });

  // -- live --

  var conn = document.getElementById("conn");
  showTiles(initial.tiles);
  showAlerts(initial.alerts);
  var source = new EventSource("/ops/stream");
  source.addEventListener("tiles", function (e) {
    var data = JSON.parse(e.data);
    document.getElementById("updated").textContent = data.at;
    conn.textContent = "Trực tiếp"; conn.className = "good";
    showTiles(data.tiles);
  });
  // An alert is news once: from its "alert" event, or, if that came while the stream was reconnecting,
  // from the next list that holds it.
  var known = {};
  initial.alerts.forEach(function (a) { known[a.id] = true; });
  function fresh(a) {
    if (known[a.id]) return;
    known[a.id] = true;
    if (a.open) news(a);
  }
  source.addEventListener("alerts", function (e) {
    var list = JSON.parse(e.data);
    list.slice().reverse().forEach(fresh);  // oldest first: the newest stays in the banner
    showAlerts(list);
  });
  source.addEventListener("alert", function (e) { fresh(JSON.parse(e.data)); });
  source.onerror = function () {
    if (source.readyState === EventSource.CLOSED) {
      conn.textContent = "Phiên đăng nhập đã hết hạn: tải lại trang để đăng nhập";
    } else {
      conn.textContent = "Mất kết nối tới máy chủ, đang thử lại…";
    }
    conn.className = "bad";
  };
  window.opsRoom = {tiles: tiles, latest: latest, source: source};  // for the browser tests
})();
