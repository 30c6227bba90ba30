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
  call_name: "Đã gọi tên", results_ready: "Đã mời nhận kết quả số", set_group: "Đã ghi nhóm ưu tiên",
  clear_group: "Đã xoá nhóm ưu tiên", dossier: "Đã gắn mã hồ sơ",
};
const DONE_EN = {
  next: "Called", call_number: "Called", recall: "Recalled", no_show: "Marked no-show", start: "Service started",
  complete: "Completed", pause: "Counter paused", resume: "Counter open again", close: "Counter closed",
  transfer: "Transferred", reactivate: "Reactivated", reprint: "Reprint requested", call_name: "Name called",
  results_ready: "Called to collect results:", set_group: "Priority group recorded",
  clear_group: "Priority group cleared", dossier: "Dossier code attached",
};
// What the counter's ticket is doing, when it is a call to collect results rather than to be served.
const RESULTS = ["Nhận kết quả", "Collecting results"];

// The configured priority groups by id (the view's priority_groups, in their order).
function groupName(view, id) {
  const g = (view.priority_groups || []).find(x => x.id === id);
  return g ? [g.vi, g.en || g.vi] : [id, id];
}

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
  const ts = c.ticket && c.results ? RESULTS
    : c.ticket_state ? (Kiosk.TICKET[c.ticket_state] || [c.ticket_state, c.ticket_state]) : ["Chưa có số", "No ticket"];
  $("ticket-state").replaceChildren(...Kiosk.both(...ts));
  citizen(view, c);
  dossier(c);
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
  const calling = c.ticket_state === "called" || (held && c.results);  // a results call: recall and no-show too
  $("btn-next").disabled = held || !open;
  $("btn-recall").disabled = !calling;
  $("btn-no_show").disabled = !calling;
  $("btn-start").disabled = c.ticket_state !== "called" || Boolean(c.results);
  $("btn-group").disabled = !held || Boolean(c.results);
  groups(view, c);
  awaiting(view, c);
  $("btn-complete").disabled = !held;
  $("btn-pause").disabled = held || c.mode === "paused";
  $("btn-resume").disabled = open;
  $("btn-close").disabled = held || c.mode === "closed";
  reprints(view, c);
  $("footer").textContent = `${view.unit_vi} · ${view.hotline ? "Đường dây nóng " + view.hotline : ""}`;
}

// The held ticket's citizen: the full name (this page only: the officer of this counter) and priority group.
function citizen(view, c) {
  const name = $("held-name"), birth = $("held-birth"), group = $("held-group");
  name.textContent = c.ticket && c.held_name ? c.held_name : "";
  name.classList.toggle("hidden", !name.textContent);
  // The birth date lets the officer check the card before handing a result over.
  const born = c.ticket && c.held_birth_date;
  birth.replaceChildren(...(born ? Kiosk.both(`Ngày sinh: ${born.slice(8, 10)}/${born.slice(5, 7)}/${born.slice(0, 4)}`,
                                              `Born ${born}`) : []));
  birth.classList.toggle("hidden", !born);
  if (c.ticket && c.group) {
    const [vi, en] = groupName(view, c.group);
    group.replaceChildren(Kiosk.el("span", {class: "pill prio"}, vi), Kiosk.el("span", {class: "en"}, en));
  } else group.replaceChildren();
  group.classList.toggle("hidden", !(c.ticket && c.group));
}

// The dossier code (mã hồ sơ) attached to the ticket a code would go to now (the counter's, or the one it just
// completed), by this page, the keypad or the counter's scanner.
function dossier(c) {
  const box = $("dossier");
  box.replaceChildren(...(c.dossier ? Kiosk.both(`Mã hồ sơ: ${c.dossier}`, `Dossier code: ${c.dossier}`) : []));
  box.classList.toggle("hidden", !c.dossier);
}

// The group selector lists the configured groups (Vietnamese names) and shows the held ticket's group.
let shownGroup;
function groups(view, c) {
  const select = $("group-select");
  const list = view.priority_groups || [];
  if (select.options.length !== list.length + 1) {
    select.replaceChildren(Kiosk.el("option", {value: "0"}, "Không thuộc nhóm ưu tiên (xoá nhóm)"),
                           ...list.map(g => Kiosk.el("option", {value: g.id}, g.vi)));
    shownGroup = undefined;
  }
  // Follow the ticket's group as it changes, never undoing a choice the officer has not sent yet.
  const current = `${c.ticket}|${(c.ticket && c.group) || "0"}`;
  if (current !== shownGroup) { select.value = (c.ticket && c.group) || "0"; shownGroup = current; }
}

// Results waiting to be collected for this counter's services: one button each calls the citizen
// (greyed while a counter is calling it).
function awaiting(view, c) {
  const rows = (view.awaiting_results || []).filter(r => c.services.includes(r.service));
  const names = Object.fromEntries(view.services.map(s => [s.id, s.name_vi]));
  const dayOf = d => `${d.slice(8, 10)}/${d.slice(5, 7)}`;
  $("awaiting").replaceChildren(...rows.map(r => Kiosk.el("button", {
    class: "plain", "data-result": `${r.day}/${r.number}`, disabled: r.counter !== null && r.counter !== undefined,
    onclick: () => act("results_ready", {number: r.number, day: r.day}),
  }, `${r.number}${r.masked_name ? " · " + r.masked_name : ""}`,
     Kiosk.el("small", {}, `${names[r.service] || r.service} · ${dayOf(r.day)}`
       + (r.counter ? ` · đang gọi tại quầy ${r.counter}` : "")))));
  $("awaiting").classList.toggle("hidden", rows.length === 0);
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
    const shown = ["next", "call_number", "recall", "results_ready"].includes(action) ? number
      : action === "dossier" ? ` ${body.code.trim()}` : "";
    const done = action === "set_group" && body && body.group === "0" ? "clear_group" : action;
    Kiosk.show(message, "ok", DONE[done] + shown, DONE_EN[done] + shown);
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
    // The action's own field always goes (empty: the kiosk says what is missing); the others only when filled in.
    const fields = [...form.elements].filter(f => f.name && (f.name === form.dataset.field || f.value));
    if (await act(form.dataset.action, Object.fromEntries(fields.map(f => [f.name, f.value])))) {
      fields.filter(f => f.tagName === "INPUT").forEach(f => { f.value = ""; });
    }
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
