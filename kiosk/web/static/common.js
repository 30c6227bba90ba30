// Shared helpers of the kiosk pages: JSON calls with the CSRF token, messages, live view.
"use strict";

const Kiosk = {
  csrf: document.querySelector('meta[name="csrf"]').content,

  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  },

  // Vietnamese text first, English below it.
  both(vi, en) {
    return [Kiosk.el("span", {class: "vi"}, vi), en && en !== vi ? Kiosk.el("span", {class: "en"}, en) : null];
  },

  async api(method, url, body) {
    const options = {method, headers: {"X-CSRF-Token": Kiosk.csrf}, credentials: "same-origin"};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response, data;
    try {
      response = await fetch(url, options);
      data = await response.json();
    } catch (e) {
      throw {status: 0, error: "network", vi: "Mất kết nối với máy kiosk.", en: "Lost connection to the kiosk."};
    }
    if (!response.ok) {
      data.status = response.status;
      if (data.error === "csrf") setTimeout(() => location.reload(), 1500);
      throw data;
    }
    if (data.csrf) Kiosk.csrf = data.csrf;
    return data;
  },

  show(box, kind, vi, en) {
    box.replaceChildren(...Kiosk.both(vi, en));
    box.className = "message " + kind;
    box.classList.remove("hidden");
  },

  hide(box) { box.classList.add("hidden"); },

  // Keep `render(view)` called with the newest view: long-poll /api/view.
  async live(url, render, onAuthLost, alive) {
    let since = null;
    while (!alive || alive()) {
      try {
        const q = since === null ? "" : `?since=${since}&wait=20`;
        const response = await fetch(url + q, {credentials: "same-origin"});
        if (response.status === 401) { onAuthLost && onAuthLost(); return; }
        if (response.ok) {
          const view = await response.json();
          since = view.version;
          render(view);
          continue;
        }
      } catch (e) { /* the kiosk restarts or the network drops: retry */ }
      await new Promise(r => setTimeout(r, 2000));
    }
  },

  minutes(value) { return value === null || value === undefined ? "—" : `${value} phút`; },

  MODE: {open: ["Đang làm việc", "Open"], paused: ["Tạm dừng", "Paused"], closed: ["Đã đóng", "Closed"]},
  TICKET: {waiting: ["Đang chờ", "Waiting"], called: ["Đã gọi", "Called"], serving: ["Đang phục vụ", "Being served"],
           completed: ["Đã xong", "Completed"], no_show: ["Vắng mặt", "No-show"],
           results: ["Nhận kết quả", "Collecting results"]},
};
