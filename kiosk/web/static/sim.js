// The panel of simulated hardware: service buttons, priority, paper, the card scanner, keypads, rating buttons
// and the counters' scanners.
"use strict";

const $ = id => document.getElementById(id);
const el = Kiosk.el;
const message = $("message");
const KEYS = "789/456*123-0.+E";
let priority = false;
let group = null;  // a priority group's button pressed before the service (good for one press)
let paper = true;
let selected = null;
let layout = null;

async function post(url, body) {
  try {
    const response = await fetch(url, {method: "POST", body: body, headers: {"Content-Type": "text/plain"}});
    const data = await response.json();
    if (!response.ok) { Kiosk.show(message, "error", data.vi, data.en); return null; }
    Kiosk.hide(message);
    return data;
  } catch (e) {
    Kiosk.show(message, "error", "Mất kết nối với máy kiosk.", "Lost connection to the kiosk.");
    return null;
  }
}

async function press(service) {
  // Priority is good for one press: turn it off for this press now, not when the
  // answer comes back (by then P may have been pressed again for the next one).
  const withPriority = priority, withGroup = group;
  if (withPriority) togglePriority();
  if (withGroup) toggleGroup(withGroup);
  // The answer says what the citizen got: a number, or (409, shown by post) why not,
  // e.g. "Dịch vụ ... chưa mở cửa; mở lúc 07:30", the board's banner.
  const groupQuery = withGroup ? `&group=${encodeURIComponent(withGroup)}` : "";
  const data = await post(`/sim/press/${encodeURIComponent(service)}?priority=${withPriority ? 1 : 0}${groupQuery}`);
  if (data && data.ticket) Kiosk.show(message, "ok", `Đã cấp số ${data.ticket}`, `Ticket ${data.ticket} issued`);
  return data;
}

function togglePriority() {
  priority = !priority;
  $("priority").classList.toggle("on", priority);
  $("priority").replaceChildren(`Ưu tiên: ${priority ? "bật" : "tắt"}`, el("span", {class: "key"}, "P"),
                                el("small", {}, `Priority: ${priority ? "on" : "off"}`));
}

function toggleGroup(id) {
  group = group === id ? null : id;
  document.querySelectorAll("[data-group]").forEach(node => node.classList.toggle("on", node.dataset.group === group));
}

async function togglePaper() {
  if (await post(`/sim/paper?present=${paper ? 0 : 1}`) === null) return;
  paper = !paper;
  $("paper").classList.toggle("on", !paper);
  $("paper").replaceChildren(paper ? "Máy in: có giấy" : "Máy in: HẾT GIẤY", el("span", {class: "key"}, "G"),
                             el("small", {}, paper ? "Printer: paper in" : "Printer: OUT OF PAPER"));
}

// The scanner types the code and Enter; the board greets the card's holder (shown below the field) or says why not.
async function scan(code) {
  const data = await post("/sim/scan", JSON.stringify({code}));
  if (data) Kiosk.show(message, "ok", `Đã quét ${data.length} ký tự`, `Scanned ${data.length} characters`);
  return data;
}

// A counter's scanner reads the receipt's dossier code (mã hồ sơ); the counter's card and the board say how it went.
async function scanAtCounter(counter, code) {
  const data = await post(`/sim/scan/${counter}`, JSON.stringify({code}));
  if (data) Kiosk.show(message, "ok", `Quầy ${counter}: đã quét ${data.length} ký tự`,
                       `Counter ${counter}: scanned ${data.length} characters`);
  return data;
}

function counterScanner(c) {
  const field = el("input", {id: `dossier-code-${c.number}`, maxlength: layout.max_scan,
                             placeholder: "Mã hồ sơ / Dossier code", "aria-label": `Mã quét tại quầy ${c.number}`});
  return el("form", {class: "row", id: `dossier-form-${c.number}`,
                     onsubmit: event => { event.preventDefault(); scanAtCounter(c.number, field.value); }},
    field, el("button", {class: "go", id: `dossier-scan-${c.number}`}, "Quét mã", el("small", {}, "Scan")));
}

function typeKeys(counter, keys) {
  const display = $(`display-${counter}`);
  display.textContent = (keys === "E" ? "" : (display.textContent + keys)).slice(-12);
  return post(`/sim/keypad/${counter}`, keys);
}

function select(counter) {
  selected = counter;
  document.querySelectorAll("[data-counter]").forEach(node =>
    node.classList.toggle("selected", Number(node.dataset.counter) === counter));
}

function build() {
  $("services").replaceChildren(...layout.services.map((s, i) => el("button", {
    class: "go", id: `press-${s.id}`, onclick: () => press(s.id)},
    s.vi, i < 9 ? el("span", {class: "key"}, `F${i + 1}`) : "", el("small", {}, s.en))));
  $("counters").replaceChildren(...layout.counters.map(c => el("div", {
      class: "stat", "data-counter": c.number, onclick: () => select(c.number)},
    el("b", {}, c.vi), el("span", {class: "en", id: `state-${c.number}`}, ""),
    el("div", {class: "keypad"},
      el("div", {class: "display", id: `display-${c.number}`}),
      ...[...KEYS].map(k => el("button", {class: k === "E" ? "go" : "plain", id: `key-${c.number}-${k === "." ? "dot" : k}`,
        onclick: () => typeKeys(c.number, k)}, k === "E" ? "Enter" : k))),
    c.rating_buttons ? el("div", {class: "row"}, ...layout.rating_levels.map((l, i) => el("button", {
      class: ["go", "go", "plain", "stop"][i] || "plain", id: `rate-${c.number}-${i + 1}`,
      onclick: () => post(`/sim/rate/${c.number}/${i + 1}`)}, l.vi, el("small", {}, l.en)))) : null,
    c.scanner ? counterScanner(c) : null)));
  if (layout.counters.length) select(layout.counters[0].number);
  $("groups").replaceChildren(...layout.group_buttons.map(g => el("button", {
    class: "plain", id: `group-${g.id}`, "data-group": g.id, onclick: () => toggleGroup(g.id)},
    `Ưu tiên: ${g.vi}`, el("small", {}, `Priority: ${g.en || g.vi}`))));
  $("cards").replaceChildren(...layout.sample_cards.map((card, i) => el("button", {
    class: "plain", id: `card-${i + 1}`, onclick: () => scan(card.code)}, card.name, el("small", {}, "Thẻ mẫu / Sample card"))));
  $("scan-code").maxLength = layout.max_scan;
}

function render(view) {
  $("status").textContent = view.printer || "";
  $("banners").replaceChildren(...view.banners.map(b => el("div", {class: "banner"}, ...Kiosk.both(b.text_vi, b.text_en))));
  for (const c of view.counters) {
    const node = $(`state-${c.number}`);
    if (node) node.textContent = `${(Kiosk.MODE[c.mode] || [c.mode])[0]} · ${c.ticket || "—"} · ${c.officer ? "cán bộ " + c.officer : "chưa đăng nhập"}` +
      (c.rating_open ? " · đang chờ đánh giá" : "");
  }
  const greeting = $("greeting");
  if (view.greeting) Kiosk.show(greeting, "ok", view.greeting[0], view.greeting[1]);
  else Kiosk.hide(greeting);
  $("privacy").textContent = view.privacy_notice ? view.privacy_notice.join(" / ") : "";
  $("privacy").classList.toggle("hidden", !view.privacy_notice);
  const stamp = `?v=${view.version}`;
  const ticket = $("ticket");
  fetch("/sim/ticket.png", {method: "GET"}).then(r => {
    const has = r.ok;
    ticket.classList.toggle("hidden", !has);
    $("no-ticket").classList.toggle("hidden", has);
    if (has) ticket.src = "/sim/ticket.png" + stamp;
  });
  $("board").src = "/sim/board.png" + stamp;
}

document.addEventListener("keydown", event => {
  if (!layout || ["INPUT", "TEXTAREA"].includes(event.target.tagName)) return;
  const key = event.key;
  if (event.altKey && "1234".includes(key)) {
    const c = layout.counters.find(x => x.number === selected);
    if (c && c.rating_buttons) post(`/sim/rate/${c.number}/${key}`);
    event.preventDefault();
    return;
  }
  if (event.ctrlKey || event.metaKey) return;
  if (selected !== null && (/^[0-9.*+\/-]$/.test(key) || key === "Enter")) {
    typeKeys(selected, key === "Enter" ? "E" : key);
    event.preventDefault();
    return;
  }
  if (key === "p" || key === "P") togglePriority();
  else if (key === "g" || key === "G") togglePaper();
});
// Service shortcuts are F1..F9 when a counter's keypad takes the digit keys.
document.addEventListener("keydown", event => {
  const m = /^F([1-9])$/.exec(event.key);
  if (m && layout && layout.services[Number(m[1]) - 1]) {
    press(layout.services[Number(m[1]) - 1].id);
    event.preventDefault();
  }
});

$("priority").addEventListener("click", togglePriority);
$("paper").addEventListener("click", togglePaper);
$("scan-form").addEventListener("submit", event => { event.preventDefault(); scan($("scan-code").value); });
// A scanner gone wild: 10 KB of keys with no card in them (the kiosk must ignore it, with a note on the board).
$("scan-burst").addEventListener("click", () => scan("0123456789abcdefghij|".repeat(512).slice(0, 10240)));

(async () => {
  layout = await (await fetch("/sim/layout")).json();
  build();
  Kiosk.live("/sim/view", render);
})();
