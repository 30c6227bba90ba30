// The leader page: live queue, counters, the day's figures and the camera.
"use strict";

const $ = id => document.getElementById(id);
const el = Kiosk.el;
const message = $("message");
let running = false;
let loop = 0;

function stat(vi, en, value) {
  return el("div", {class: "stat"}, el("b", {}, value), vi, el("span", {class: "en"}, en));
}

function row(cells, head) {
  return el("tr", {}, ...cells.map(c => el(head ? "th" : "td", {}, c)));
}

function render(view) {
  $("unit").replaceChildren(view.unit_vi, el("small", {}, view.unit_en));
  // The office's local time as the kiosk sends it (not the browser's time zone).
  $("clock").textContent = `${view.now.slice(11, 16)} · ${view.now.slice(8, 10)}/${view.now.slice(5, 7)}/${view.now.slice(0, 4)}`;
  $("banners").replaceChildren(...view.banners.map(b => el("div", {class: "banner"}, ...Kiosk.both(b.text_vi, b.text_en))));
  const f = view.figures;
  const share = f.satisfaction === null ? "—" : `${Math.round(f.satisfaction * 100)}%`;
  $("figures").replaceChildren(
    stat("Số đã cấp", "Issued", f.issued),
    stat("Đã phục vụ", "Served", f.served),
    stat("Vắng mặt", "No-shows", f.no_shows),
    stat("Đang chờ", "Waiting", f.waiting),
    stat("Chờ trung bình", "Mean wait", Kiosk.minutes(f.mean_wait_min)),
    stat("90% chờ không quá", "90th percentile wait", Kiosk.minutes(f.p90_wait_min)),
    stat("Phục vụ trung bình", "Mean service time", Kiosk.minutes(f.mean_service_min)),
    stat("Chỉ số hài lòng", "Satisfaction", share),
  );
  const levels = view.rating_levels;
  $("ratings").replaceChildren(
    row(levels.map(l => el("span", {}, l.vi, el("span", {class: "en"}, l.en))), true),
    row(levels.map((l, i) => String(f.ratings[i] || 0))),
  );
  const names = Object.fromEntries(view.services.map(s => [s.id, s.name_vi]));
  const groups = Object.fromEntries((view.priority_groups || []).map(g => [g.id, g.vi]));
  $("counters").replaceChildren(
    row([el("span", {}, "Quầy", el("span", {class: "en"}, "Counter")),
         el("span", {}, "Trạng thái", el("span", {class: "en"}, "State")),
         el("span", {}, "Cán bộ", el("span", {class: "en"}, "Officer")),
         el("span", {}, "Số đang phục vụ", el("span", {class: "en"}, "Current ticket"))], true),
    ...view.counters.map(c => el("tr", {"data-counter": c.number},
      el("td", {}, el("b", {}, c.name_vi), el("span", {class: "en svc"}, c.services.map(s => names[s] || s).join(", "))),
      el("td", {}, el("span", {class: "pill " + c.mode}, (Kiosk.MODE[c.mode] || [c.mode])[0])),
      el("td", {}, c.officer ? `${c.officer_name || ""} (${c.officer})` : "—"),
      el("td", {}, c.ticket ? el("b", {}, c.ticket) : "—", " ",
         c.ticket && c.called_name ? c.called_name : "",
         c.ticket && c.results ? el("span", {class: "pill results"}, "Nhận kết quả")
           : c.ticket_state ? el("span", {class: "en"}, (Kiosk.TICKET[c.ticket_state] || [c.ticket_state])[0]) : "",
         c.ticket && c.group ? el("span", {class: "en"}, groups[c.group] || c.group) : ""))),
  );
  $("services").replaceChildren(...view.services.map(s => el("div", {class: "stat"},
    el("b", {}, s.waiting), s.name_vi,
    el("span", {class: "en"}, `${s.priority_waiting} ưu tiên / priority · ${s.issued} đã cấp / issued`),
    s.note_vi ? el("span", {class: "en"}, `${s.note_vi} / ${s.note_en}`) : null)));
  $("queue").replaceChildren(
    row([el("span", {}, "Số", el("span", {class: "en"}, "Number")),
         el("span", {}, "Dịch vụ", el("span", {class: "en"}, "Service")),
         el("span", {}, "Trạng thái", el("span", {class: "en"}, "State")),
         el("span", {}, "Nhóm ưu tiên", el("span", {class: "en"}, "Priority group")),
         el("span", {}, "Có tên", el("span", {class: "en"}, "Named")),
         el("span", {}, "Lấy số lúc", el("span", {class: "en"}, "Issued at"))], true),
    ...view.queue.map(t => el("tr", {"data-ticket": t.number}, ...[
      el("span", {}, el("b", {}, t.number), t.priority ? el("span", {class: "pill prio"}, " Ưu tiên") : ""),
      names[t.service] || t.service,
      (Kiosk.TICKET[t.state] || [t.state])[0] + (t.counter ? ` · quầy ${t.counter}` : "") + (t.printed ? "" : " · chưa in / not printed"),
      t.group ? (groups[t.group] || t.group) : "—",
      t.named ? el("span", {class: "pill named"}, "Có tên") : "—",
      t.issued_at.slice(11, 16)].map(c => el("td", {}, c)))),
  );
  if (!view.queue.length) $("queue").append(row(["Không có ai đang chờ / Nobody waiting", "", "", "", "", ""]));
  // Results not yet collected (today's and earlier days'): masked names only, as on the board.
  const results = view.awaiting_results || [];
  $("results").replaceChildren(
    row([el("span", {}, "Số", el("span", {class: "en"}, "Number")),
         el("span", {}, "Dịch vụ", el("span", {class: "en"}, "Service")),
         el("span", {}, "Ngày lấy số", el("span", {class: "en"}, "Day")),
         el("span", {}, "Công dân", el("span", {class: "en"}, "Citizen"))], true),
    ...results.map(r => el("tr", {"data-result": `${r.day}/${r.number}`}, ...[
      el("b", {}, r.number), names[r.service] || r.service,
      `${r.day.slice(8, 10)}/${r.day.slice(5, 7)}/${r.day.slice(0, 4)}`,
      r.named ? (r.masked_name || "Có tên") : "—"].map(c => el("td", {}, c)))),
  );
  if (!results.length) $("results").append(row(["Không có kết quả nào chờ trả / No results waiting", "", "", ""]));
  $("footer").textContent = view.hotline ? `Đường dây nóng / Hotline: ${view.hotline}` : "";
  const camera = $("camera");
  if (!view.camera) {
    if (!camera.dataset.none) {
      camera.dataset.none = "1";
      camera.replaceChildren(...Kiosk.both("Kiosk này không có camera.", "This kiosk has no camera."));
    }
  } else if (!camera.querySelector("img")) {
    camera.replaceChildren(el("img", {class: "camera", id: "camera-img", src: "/leader/camera.mjpg", alt: "Camera quầy"}));
  }
}

function showLogin(who) {
  running = false;
  $("dashboard").classList.add("hidden");
  const camera = $("camera");
  camera.replaceChildren();  // close the stream
  if (!who.leader_password_set) {
    $("no-password").classList.remove("hidden");
    $("login").classList.add("hidden");
    if (who.credentials_problem) Kiosk.show($("credentials-problem"), "error", who.credentials_problem, "");
  } else {
    $("no-password").classList.add("hidden");
    $("login").classList.remove("hidden");
    $("password").focus();
  }
}

function start() {
  running = true;
  const mine = ++loop;
  $("login").classList.add("hidden");
  $("no-password").classList.add("hidden");
  $("dashboard").classList.remove("hidden");
  Kiosk.live("/api/view", render, () => refresh(), () => running && loop === mine);
}

async function refresh() {
  try {
    const who = await Kiosk.api("GET", "/api/me");
    if (who.leader) start(); else showLogin(who);
  } catch (e) { Kiosk.show(message, "error", e.vi, e.en); }
}

$("login-form").addEventListener("submit", async event => {
  event.preventDefault();
  try {
    await Kiosk.api("POST", "/api/leader/login", {password: $("password").value});
    $("password").value = "";
    Kiosk.hide(message);
    start();
  } catch (e) {
    $("password").value = "";
    Kiosk.show(message, "error", e.vi, e.en);
    if (e.error === "no_leader_password") refresh();
  }
});

$("logout").addEventListener("click", async () => {
  try { await Kiosk.api("POST", "/api/leader/logout"); } catch (e) { /* reload shows the state */ }
  running = false;
  refresh();
});

refresh();
