// The officer page of one counter: login with code + PIN, then the keypad's actions as buttons.
"use strict";

const N = Number(document.querySelector('meta[name="counter"]').content);
const $ = id => document.getElementById(id);
const message = $("message");
let running = false;
let me = null;
let heardBeep = null;  // the seq of the last beep shown; null until the first view

// The keypad has no buzzer: a refused keypad action or a failed print beeps here.
function beep(c) {
  const seen = heardBeep;
  heardBeep = c.beep ? c.beep.seq : 0;
  if (seen === null || !c.beep || c.beep.seq <= seen) return;
  Kiosk.show(message, "error", c.beep.text_vi, c.beep.text_en);
  try {
    const audio = beep.audio || (beep.audio = new AudioContext());
    const tone = audio.createOscillator();
    tone.frequency.value = 880;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.2);
  } catch (e) { /* no sound output here: the reason is still shown */ }
}

const DONE = {
  next: "Đã gọi số", call_number: "Đã gọi số", recall: "Đã gọi lại số", no_show: "Đã báo vắng",
  start: "Bắt đầu phục vụ", complete: "Đã hoàn thành", pause: "Quầy tạm dừng", resume: "Quầy làm việc trở lại",
  close: "Đã đóng quầy", transfer: "Đã chuyển dịch vụ", reactivate: "Đã khôi phục số", reprint: "Đã gửi lệnh in lại",
  call_name: "Đã gọi tên",
};
const DONE_EN = {
  next: "Called", call_number: "Called", recall: "Recalled", no_show: "Marked no-show", start: "Service started",
  complete: "Completed", pause: "Counter paused", resume: "Counter open again", close: "Counter closed",
  transfer: "Transferred", reactivate: "Reactivated", reprint: "Reprint requested", call_name: "Name called",
};

function showLogin(vi, en) {
  running = false;
  $("panel").classList.add("hidden");
  $("login").classList.remove("hidden");
  $("who").replaceChildren();
  if (vi) Kiosk.show(message, "error", vi, en);
  $("code").focus();
}

function render(view) {
  const c = view.counters.find(x => x.number === N);
  if (!c) return;
  if (me && c.officer !== me.officer.code) {
    showLogin("Cán bộ đã đăng xuất khỏi quầy này.", "The officer was signed out of this counter.");
    return;
  }
  beep(c);
  $("title").replaceChildren(c.name_vi, Kiosk.el("small", {}, c.name_en));
  $("who").replaceChildren(...Kiosk.both(`Cán bộ: ${c.officer_name || ""} (${c.officer || "—"})`,
                                         `Officer: ${c.officer || "—"}`));
  $("ticket").textContent = c.ticket || "—";
  const ts = c.ticket_state ? Kiosk.TICKET[c.ticket_state] : ["Chưa có số", "No ticket"];
  $("ticket-state").replaceChildren(...Kiosk.both(...ts));
  $("mode").replaceChildren(...Kiosk.both(...(Kiosk.MODE[c.mode] || [c.mode, c.mode])));
  const mine = view.services.filter(s => c.services.includes(s.id));
  $("queues").replaceChildren(...mine.map(s => Kiosk.el("div", {},
    `${s.name_vi}: `, Kiosk.el("b", {"data-service": s.id}, s.waiting), " đang chờ",
    s.priority_waiting ? ` (${s.priority_waiting} ưu tiên)` : "",
    Kiosk.el("span", {class: "en"}, `${s.name_en}: ${s.waiting} waiting`))));
  $("banners").replaceChildren(...view.banners.map(b => Kiosk.el("div", {class: "banner"}, ...Kiosk.both(b.text_vi, b.text_en))));
  const select = $("transfer-service");
  if (select.options.length !== view.services.length) {
    select.replaceChildren(...view.services.map(s => Kiosk.el("option", {value: s.id}, s.name_vi)));
  }
  // Only what can be done now is enabled (the server checks again and explains a refusal).
  const held = Boolean(c.ticket), open = c.mode === "open";
  $("btn-next").disabled = held || !open;
  $("btn-recall").disabled = c.ticket_state !== "called";
  $("btn-no_show").disabled = c.ticket_state !== "called";
  $("btn-start").disabled = c.ticket_state !== "called";
  $("btn-complete").disabled = !held;
  $("btn-pause").disabled = held || c.mode === "paused";
  $("btn-resume").disabled = open;
  $("btn-close").disabled = held || c.mode === "closed";
  reprints(view, c);
  $("footer").textContent = `${view.unit_vi} · ${view.hotline ? "Đường dây nóng " + view.hotline : ""}`;
}

// Tickets of this counter's services not known to be printed (the print failed, or a restart left its outcome
// unknown): one button each reprints it, above the form that reprints any number.
function reprints(view, c) {
  let box = $("reprints");
  if (!box) {
    box = Kiosk.el("div", {id: "reprints", class: "row"});
    document.querySelector('form[data-action="reprint"]').before(box);
  }
  const unprinted = view.queue.filter(t => !t.printed && c.services.includes(t.service));
  box.replaceChildren(...unprinted.map(t => Kiosk.el("button", {
    class: "plain", "data-reprint": t.number, onclick: () => act("reprint", {number: t.number}),
  }, `In lại phiếu ${t.number}`, Kiosk.el("small", {}, `Not printed: reprint ${t.number}`))));
  box.classList.toggle("hidden", unprinted.length === 0);
}

async function act(action, body) {
  try {
    const result = await Kiosk.api("POST", `/api/counter/${N}/${action}`, body);
    const number = result.counter && result.counter.ticket ? ` ${result.counter.ticket}` : "";
    const shown = ["next", "call_number", "recall"].includes(action) ? number : "";
    Kiosk.show(message, "ok", DONE[action] + shown, DONE_EN[action] + shown);
    if (result.counter) render({...lastView, counters: lastView.counters.map(
      x => x.number === N ? {...x, ...result.counter, officer_name: x.officer_name} : x)});
    return true;
  } catch (e) {
    if (e.status === 401) { showLogin(e.vi, e.en); me = null; return false; }
    Kiosk.show(message, "error", e.vi, e.en);
    return false;
  }
}

let lastView = null;
let loop = 0;
function start() {
  if (running) return;
  running = true;
  const mine = ++loop;
  $("login").classList.add("hidden");
  $("panel").classList.remove("hidden");
  Kiosk.live("/api/view", view => { lastView = view; if (running) render(view); },
             () => { me = null; showLogin("Hãy đăng nhập lại.", "Please log in again."); },
             () => running && loop === mine);
}

document.querySelectorAll("button[data-action]").forEach(button =>
  button.addEventListener("click", () => act(button.dataset.action)));
document.querySelectorAll("form[data-action]").forEach(form =>
  form.addEventListener("submit", async event => {
    event.preventDefault();
    const input = form.elements[form.dataset.field];
    if (await act(form.dataset.action, {[form.dataset.field]: input.value}) && input.tagName === "INPUT") input.value = "";
  }));

$("login-form").addEventListener("submit", async event => {
  event.preventDefault();
  try {
    const result = await Kiosk.api("POST", `/api/counter/${N}/login`, {code: $("code").value, pin: $("pin").value});
    me = {officer: {code: result.officer, counter: N}};
    $("pin").value = "";
    Kiosk.show(message, "ok", `Xin chào ${result.name}`, `Signed in at counter ${N}`);
    start();
  } catch (e) {
    $("pin").value = "";
    Kiosk.show(message, "error", e.vi, e.en);
  }
});

$("logout").addEventListener("click", async () => {
  try { await Kiosk.api("POST", `/api/counter/${N}/logout`); } catch (e) { /* shown below anyway */ }
  me = null;
  showLogin();
  Kiosk.show(message, "ok", "Đã đăng xuất.", "Signed out.");
});

(async () => {
  try {
    const who = await Kiosk.api("GET", "/api/me");
    if (who.officer && who.officer.counter === N) { me = {officer: who.officer}; start(); }
    else showLogin();
  } catch (e) { showLogin(e.vi, e.en); }
})();
