// riverwatch console: a single page over the officers' API, with no build step and no
// request to any other origin. Signs in with the session cookie the API sets; the live
// list follows the server-sent event stream.
"use strict";

// ---- words -----------------------------------------------------------------------------
const KINDS = {
  unlicensed_dock_activity: ["Unlicensed dock activity", "无证码头作业"],
  suspected_unlicensed_dock: ["Suspected unlicensed dock", "疑似无证码头"],
  illegal_berthing: ["Illegal berthing", "违规停泊"],
  muck_unpermitted_transport: ["Spoil carried without permit", "渣土船无证运输"],
  muck_illegal_discharge: ["Spoil dumped outside approved site", "渣土偷排乱倒"],
  muck_unaccounted_load: ["Spoil load unaccounted for", "渣土去向不明"],
  overload_draught: ["Overloaded (draught)", "超载（吃水）"],
  overload_persons: ["Overloaded (persons on board)", "超员"],
  watchlist_entry: ["Watchlisted vessel", "重点关注船舶"],
  ais_gap: ["AIS gone dark", "AIS信号中断"],
  position_jump: ["Position jump (spoofing?)", "位置跳变（疑似伪造）"],
  identity_mismatch: ["Identity mismatch", "身份信息不符"],
  speeding: ["Speeding", "超速"],
};
const ZONE_KINDS = {
  monitored_area: ["Monitored area", "监管水域"],
  dock: ["Dock", "码头"],
  "dock.licensed": ["Licensed dock", "持证码头"],
  "dock.unlicensed": ["Unlicensed dock", "无证码头"],
  "dock.expired": ["Licence expired", "证照过期码头"],
  muck_loading: ["Spoil loading wharf", "渣土装载点"],
  approved_dump: ["Approved dump site", "指定消纳点"],
  anchorage: ["Anchorage", "锚地"],
  no_berthing: ["No berthing", "禁止停泊区"],
  protected: ["Protected area", "水源保护区"],
  speed_limit: ["Speed limit", "限速区"],
  checkpoint: ["Checkpoint", "卡口"],
  camera_fov: ["Camera view", "摄像机视野"],
};
const T = {
  skip_to_content: ["Skip to content", "跳到正文"],
  sign_in: ["Sign in", "登录"], sign_out: ["Sign out", "退出"],
  username: ["User name", "用户名"], password: ["Password", "密码"],
  bad_login: ["Wrong user name or password.", "用户名或密码错误。"],
  too_many: ["Too many failed attempts; try again later.", "失败次数过多，请稍后再试。"],
  nav_alerts: ["Alerts", "告警"], nav_map: ["Map", "地图"], nav_zones: ["Zones", "区域"],
  nav_registry: ["Registry", "船舶登记"], nav_watchlist: ["Watchlist", "关注名单"],
  nav_receivers: ["Receivers", "接收站"], nav_stats: ["Statistics", "统计"],
  live_alerts: ["Live alerts", "实时告警"], kind: ["Kind", "类型"], status: ["Status", "状态"],
  severity: ["Severity", "级别"], zone: ["Zone", "区域"], all: ["All", "全部"],
  sound: ["Sound for high and critical", "高/严重告警提示音"],
  no_alerts: ["No alerts match.", "没有符合条件的告警。"],
  more: ["Load more", "加载更多"], live: ["live", "实时"], offline: ["reconnecting…", "重新连接中…"],
  new_alert: ["New alert", "新告警"],
  low: ["low", "低"], medium: ["medium", "中"], high: ["high", "高"], critical: ["critical", "严重"],
  new: ["new", "新"], acknowledged: ["acknowledged", "已确认收到"], confirmed: ["confirmed", "已核实"],
  dismissed: ["dismissed", "已排除"], referred: ["referred", "已移交"], closed: ["closed", "已结案"],
  vessel: ["Vessel", "船舶"], mmsi: ["MMSI", "MMSI"], started: ["Started", "开始"],
  ended: ["Ended", "结束"], detected: ["Detected", "发现"], position: ["Position", "位置"],
  ongoing: ["ongoing", "持续中"], evidence: ["Evidence", "证据"], what_fired: ["What fired it", "触发依据"],
  snapshots: ["Camera snapshots", "监控抓拍"], no_snapshots: ["No camera saw it.", "无摄像机抓拍。"],
  original: ["original", "原图"], sha256: ["SHA-256", "SHA-256"],
  history: ["Life cycle", "处置记录"], note: ["Note", "备注"],
  acknowledge: ["Acknowledge", "确认收到"], confirm: ["Confirm", "核实"], dismiss: ["Dismiss", "排除"],
  refer: ["Refer to agency", "移交部门"], close: ["Close", "结案"],
  track: ["Track", "航迹"], back: ["Back", "返回"], done: ["Done.", "已完成。"],
  name: ["Name", "船名"], callsign: ["Call sign", "呼号"], speed: ["Speed", "航速"],
  course: ["Course", "航向"], last_heard: ["Last heard", "最后收到"], registry_entry: ["Registry", "登记信息"],
  not_registered: ["Not in the registry.", "未登记。"], recent_alerts: ["Recent alerts", "近期告警"],
  open_vessel: ["Vessel page", "船舶详情"], vessels: ["Vessels", "船舶"],
  export: ["Export", "导出"], import: ["Import", "导入"], save: ["Save", "保存"], delete: ["Delete", "删除"],
  edit: ["Edit", "编辑"], id: ["ID", "编号"], valid_from: ["Licence from", "证照起始"],
  valid_until: ["Licence until", "证照截止"], licence: ["Licence", "证照"], limit_kn: ["Limit (kn)", "限速（节）"],
  imported: ["Imported", "已导入"], rejected: ["refused", "被拒绝"],
  receivers: ["Receivers", "接收站"], by_kind: ["By kind", "按类型"], by_zone: ["By zone", "按区域"],
  by_day: ["By day", "按日"], by_status: ["By status", "按状态"], total: ["Total", "合计"],
  last_30_days: ["Last 30 days", "近30天"], zoom_in: ["Zoom in", "放大"], zoom_out: ["Zoom out", "缩小"],
  fit: ["Fit the river", "显示全部"], kn: ["kn", "节"], error: ["Something went wrong", "出错了"],
  forbidden: ["Your role may not do this.", "您的角色无权执行此操作。"],
  nav_referrals: ["Referrals", "移交案件"], agency: ["Agency", "移交部门"], referral: ["Referral", "移交"],
  package: ["Package", "证据包"], download: ["Download", "下载"], deliveries: ["Deliveries", "投递记录"],
  attempts: ["attempts", "次尝试"], delivered: ["delivered", "已送达"], sent: ["sent", "已发送"], draft: ["draft", "草稿"],
  in_progress: ["in progress", "办理中"], declined: ["declined", "不予受理"],
  case_number: ["Case number", "案件编号"], outcome: ["Outcome", "处理结果"], penalty: ["Penalty", "处罚"],
  feedback: ["Feedback", "处理反馈"], send_feedback: ["Send feedback", "提交反馈"], no_referrals: ["No referrals.", "暂无移交案件。"],
  alerts_referred: ["Alerts", "告警"], images_in_package: ["The photos are in the package.", "照片见证据包。"],
  redeliver: ["Deliver again", "重新投递"], created: ["Created", "创建"],
  map_hint: ["Drag to pan, wheel or +/- to zoom; click a vessel for its card.", "拖动平移，滚轮或 +/- 缩放；点击船舶查看详情。"],
};
let lang = localStorage.getItem("rw.lang") || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en");
const L = () => (lang === "zh" ? 1 : 0);
const t = (k) => (T[k] ? T[k][L()] : k);
const kindName = (k) => (KINDS[k] ? KINDS[k][L()] : k);
const zoneKindName = (k) => (ZONE_KINDS[k] ? ZONE_KINDS[k][L()] : k);
const FIELD = {
  stopped_minutes: ["stopped (min)", "停留（分钟）"], min_stop_minutes: ["threshold (min)", "阈值（分钟）"],
  reason: ["reason", "原因"], zone: ["zone", "区域"], loading_zone: ["loaded at", "装载地点"],
  laden_since: ["laden since", "满载起始"], laden_by: ["laden by", "满载依据"],
  implied_speed_kn: ["implied speed (kn)", "推算速度（节）"], distance_m: ["distance (m)", "距离（米）"],
  draught_m: ["draught (m)", "吃水（米）"], max_draught_m: ["max draught (m)", "最大吃水（米）"],
  speed_limit_kn: ["speed limit (kn)", "限速（节）"], max_sog_kn: ["max speed (kn)", "最高航速（节）"],
  sog_kn: ["speed (kn)", "航速（节）"], persons_on_board: ["persons on board", "在船人数"],
  passenger_capacity: ["passenger capacity", "核定载客"], seconds: ["seconds", "秒"],
  min_gap_minutes: ["threshold (min)", "阈值（分钟）"], over_for_s: ["over for (s)", "持续（秒）"],
  tolerance_kn: ["tolerance (kn)", "容差（节）"], reported: ["reported", "报告值"], registered: ["registered", "登记值"],
  valid_until: ["valid until", "有效期至"], valid_from: ["valid from", "有效期自"], number: ["number", "编号"],
};
const fieldName = (k) => (FIELD[k] ? FIELD[k][L()] : k.replace(/_/g, " "));
function fmtTime(s) {
  if (!s) return "";
  const d = new Date(s);
  if (isNaN(d)) return s;
  return new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).format(d);
}

// ---- plumbing ----------------------------------------------------------------------------
const $ = (sel, root = document) => root.querySelector(sel);
function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    // Through the CSSOM: the content security policy refuses style attributes.
    else if (k === "style") el.style.cssText = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) el.append(c.nodeType ? c : String(c));
  return el;
}
const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, v);
  return el;
}
class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}
async function api(path, opts = {}) {
  const r = await fetch("/api/v1" + path, {
    credentials: "same-origin", ...opts,
    headers: { ...(opts.body && typeof opts.body === "string" ? { "content-type": opts.json === false ? "text/plain" : "application/json" } : {}), ...(opts.headers || {}) },
  });
  if (r.status === 401 && !path.startsWith("/auth/login")) { me = null; go("#/login"); throw new ApiError(401, "unauthenticated", "sign in"); }
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new ApiError(r.status, body?.error?.code || "error", body?.error?.message || String(r.status));
  return body;
}
function banner(text, alarm = false) {
  const b = $("#banner");
  b.textContent = text;
  b.className = "banner" + (alarm ? " alarm" : "");
  b.hidden = !text;
  clearTimeout(banner.timer);
  if (text) banner.timer = setTimeout(() => { b.hidden = true; }, alarm ? 8000 : 4000);
}
function failed(e) {
  banner(e.code === "forbidden" ? t("forbidden") : `${t("error")}: ${e.message}`);
}

// ---- session and navigation ----------------------------------------------------------------
let me = null;
const NAV = [
  ["#/alerts", "nav_alerts"], ["#/referrals", "nav_referrals"], ["#/map", "nav_map"], ["#/zones", "nav_zones"], ["#/registry", "nav_registry"],
  ["#/watchlist", "nav_watchlist"], ["#/receivers", "nav_receivers"], ["#/stats", "nav_stats"],
];
function chrome() {
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  $("#lang").textContent = lang === "zh" ? "English" : "中文";
  $("#lang").setAttribute("aria-label", lang === "zh" ? "Switch to English" : "切换到中文");
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  const nav = $("#nav");
  nav.replaceChildren();
  nav.hidden = !me;
  $("#signout").hidden = !me;
  $("#who").textContent = me ? `${me.username} · ${me.role}` : "";
  if (!me) return;
  const items = me.role === "agency" ? [["#/agency", "nav_referrals"]] : NAV;
  for (const [href, key] of items) {
    const here = location.hash.startsWith(href);
    nav.append(h("a", { href, "aria-current": here ? "page" : null, text: t(key) }));
  }
}
function go(hash) { if (location.hash !== hash) location.hash = hash; else route(); }
$("#lang").addEventListener("click", () => {
  lang = lang === "zh" ? "en" : "zh";
  localStorage.setItem("rw.lang", lang);
  // What the server says before sign-in (a tile server, if it has one), then the first view.
let config = {};
fetch("/console/config.json").then((r) => r.json()).then((c) => { config = c || {}; }).catch(() => {}).finally(route);
});
$("#signout").addEventListener("click", async () => {
  try { await api("/auth/logout", { method: "POST" }); } catch (_) { /* signed out either way */ }
  me = null; stopStream(); go("#/login");
});

async function route() {
  if (!me && location.hash !== "#/login") {
    try { me = await api("/auth/me"); } catch (_) { me = null; }
    if (!me) { go("#/login"); return; }
  }
  chrome();
  const main = $("#main");
  const [, view, arg] = (location.hash || "#/alerts").split("/");
  const views = {
    login: viewLogin, alerts: viewAlerts, alert: viewAlert, map: viewMap, vessel: viewVessel,
    zones: viewZones, registry: () => viewList("registry"), watchlist: () => viewList("watchlist"),
    receivers: viewReceivers, stats: viewStats, agency: viewAgency, referrals: viewReferrals, referral: viewReferral,
  };
  // An agency account sees its referrals and the alerts referred to it, nothing else.
  const agencyViews = { login: viewLogin, agency: viewAgency, referral: viewReferral, alert: viewAlert };
  const v = me?.role === "agency" ? (agencyViews[view] || viewAgency) : (views[view] || viewAlerts);
  main.replaceChildren();
  try { await v(main, arg && decodeURIComponent(arg)); } catch (e) { if (e.status !== 401) failed(e); }
}
window.addEventListener("hashchange", route);

// ---- sign-in --------------------------------------------------------------------------------
function viewLogin(main) {
  const err = h("p", { class: "error", role: "alert" });
  const user = h("input", { id: "username", name: "username", autocomplete: "username", required: true });
  const pass = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "card login", onsubmit: async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    try {
      await api("/auth/login", { method: "POST", body: JSON.stringify({ username: user.value, password: pass.value }) });
      me = await api("/auth/me");
      go(me.role === "agency" ? "#/agency" : "#/alerts");
    } catch (e) {
      err.textContent = e.status === 429 ? t("too_many") : t("bad_login");
    }
  } },
  h("h1", { text: "riverwatch" }),
  h("label", { for: "username", text: t("username") }), user,
  h("label", { for: "password", text: t("password") }), pass,
  h("button", { type: "submit", text: t("sign_in") }), err);
  main.append(form);
  user.focus();
}

// ---- referrals ---------------------------------------------------------------------------
function referralRow(r) {
  return h("tr", {},
    h("td", {}, h("a", { href: "#/referral/" + encodeURIComponent(r.id), text: r.id })),
    h("td", { text: r.agency?.name || "" }),
    h("td", {}, h("span", { class: "status", text: t(r.status) })),
    h("td", { text: String(r.alerts.length) }),
    h("td", { text: fmtTime(r.created_at) }),
    h("td", { text: r.case_number || "" }));
}
function referralTable(list) {
  if (!list.length) return h("p", { class: "muted", text: t("no_referrals") });
  return h("div", { class: "card", style: "overflow:auto" }, h("table", {},
    h("thead", {}, h("tr", {}, [t("id"), t("agency"), t("status"), t("alerts_referred"), t("created"), t("case_number")].map((c) => h("th", { text: c })))),
    h("tbody", {}, list.map(referralRow))));
}
async function viewReferrals(main) {
  const r = await api("/referrals");
  main.append(h("h1", { text: t("nav_referrals") }), referralTable(r.referrals));
}
async function viewAgency(main) {
  const r = await api("/referrals");
  main.append(h("h1", { text: t("nav_referrals") }), referralTable(r.referrals));
}
async function download(url, name) {
  const r = await fetch(url, { credentials: "same-origin" });
  if (!r.ok) { banner(`${t("error")}: ${r.status}`); return; }
  const a = h("a", { href: URL.createObjectURL(await r.blob()), download: name });
  document.body.append(a); a.click(); a.remove();
}
async function viewReferral(main, id) {
  const r = await api("/referrals/" + encodeURIComponent(id));
  const back = me.role === "agency" ? "#/agency" : "#/referrals";
  const rows = [["agency", r.agency?.name], ["status", t(r.status)], ["created", `${fmtTime(r.created_at)} · ${r.created_by}`],
    ["note", r.note], ["case_number", r.case_number], ["outcome", r.outcome], ["penalty", r.penalty]];
  main.append(h("p", {}, h("a", { href: back, text: "← " + t("back") })),
    h("h1", {}, `${t("referral")} ${r.id} `, h("span", { class: "status", id: "referral-status", text: t(r.status) })),
    h("div", { class: "cols2" },
      h("div", {},
        h("div", { class: "card" }, h("table", { class: "kv" }, h("tbody", {},
          rows.map(([k, v]) => h("tr", {}, h("th", { text: t(k) }), h("td", { text: v || "—" })))))),
        h("h2", { text: t("alerts_referred") }),
        h("ul", {}, r.alerts.map((a) => h("li", {}, h("a", { href: "#/alert/" + encodeURIComponent(a), text: a })))),
        r.package ? h("p", {}, h("button", { type: "button", id: "package", text: `${t("download")} ${t("package")}`,
          onclick: () => download(r.package.url, `${r.id}.zip`) }), " ", t("sha256"), " ", h("code", { text: r.package.sha256 })) : null),
      h("div", {},
        me.role === "agency" ? feedbackForm(r) : null,
        h("h2", { text: t("history") }),
        h("ul", { class: "history card" }, r.history.map((e) => h("li", {}, `${fmtTime(e.at)} · ${e.by} · ${t(e.status)}`,
          e.note ? h("div", { class: "muted", text: e.note }) : null))),
        r.deliveries.length ? h("h2", { text: t("deliveries") }) : null,
        r.deliveries.length ? h("ul", { class: "history card" }, r.deliveries.map((d) => h("li", {},
          `${d.idempotency_key} · ${d.attempts} ${t("attempts")} · ${d.delivered_at ? t("delivered") + " " + fmtTime(d.delivered_at) : (d.last_error || "")}`))) : null,
        ["supervisor", "admin"].includes(me.role) && r.deliveries.length ? h("button", { type: "button", class: "secondary", text: t("redeliver"),
          onclick: async () => { try { await api(`/referrals/${encodeURIComponent(r.id)}/redeliver`, { method: "POST" }); route(); } catch (e) { failed(e); } } }) : null)));
}
function feedbackForm(r) {
  const status = h("select", { id: "fb-status" }, ["acknowledged", "in_progress", "closed", "declined"].map((s) => h("option", { value: s, text: t(s) })));
  const field = (id, key) => [h("label", { for: id, text: t(key) }), h("input", { id, maxlength: 200 })];
  const note = h("textarea", { id: "fb-note", "aria-label": t("note") });
  const form = h("form", { class: "card", onsubmit: async (ev) => {
    ev.preventDefault();
    const val = (id) => { const v = form.querySelector("#" + id).value.trim(); return v || null; };
    try {
      await api(`/referrals/${encodeURIComponent(r.id)}/feedback`, { method: "POST", body: JSON.stringify({
        status: status.value, case_number: val("fb-case"), outcome: val("fb-outcome"), penalty: val("fb-penalty"), note: note.value }) });
      banner(t("done")); route();
    } catch (e) { failed(e); }
  } },
  h("h2", { text: t("feedback") }), h("label", { for: "fb-status", text: t("status") }), status,
  field("fb-case", "case_number"), field("fb-outcome", "outcome"), field("fb-penalty", "penalty"),
  h("label", { for: "fb-note", text: t("note") }), note,
  h("div", { class: "actions" }, h("button", { type: "submit", text: t("send_feedback") })));
  return form;
}

// ---- live stream ----------------------------------------------------------------------------
let source = null;
const listeners = new Set();
function startStream() {
  if (source) return;
  source = new EventSource("/api/v1/alerts/stream");
  source.addEventListener("alert", (ev) => {
    let d;
    try { d = JSON.parse(ev.data); } catch (_) { return; }
    for (const f of listeners) f(d);
  });
  source.onopen = () => setLive(true);
  source.onerror = () => setLive(false);
}
function stopStream() { if (source) { source.close(); source = null; } }
function setLive(on) { const el = $("#live"); if (el) el.textContent = on ? "● " + t("live") : "○ " + t("offline"); }
let audio = null;
function beep() {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    const o = audio.createOscillator(); const g = audio.createGain();
    o.frequency.value = 880; g.gain.value = 0.15; o.connect(g); g.connect(audio.destination);
    o.start(); o.stop(audio.currentTime + 0.35);
  } catch (_) { /* no sound device */ }
}

// ---- alerts list + map ------------------------------------------------------------------------
const filters = { kind: "", status: "", severity: "", zone_id: "" };
function alertItem(a, fresh) {
  const sev = a.severity;
  return h("li", { class: fresh ? "fresh" : null, "data-id": a.id, "data-kind": a.kind },
    h("a", { href: "#/alert/" + encodeURIComponent(a.id) },
      h("div", { class: "title" }, h("span", { class: "sev " + sev, text: t(sev) }), kindName(a.kind)),
      h("div", { class: "meta" },
        `${a.vessel_name || "—"} · ${a.mmsi}${a.zone_id ? " · " + a.zone_id : ""} · ${fmtTime(a.started_at)} · `,
        h("span", { class: "status", text: t(a.status) }))));
}
function matches(a) {
  return (!filters.kind || a.kind === filters.kind) && (!filters.status || a.status === filters.status)
    && (!filters.severity || a.severity === filters.severity) && (!filters.zone_id || a.zone_id === filters.zone_id);
}
async function viewAlerts(main) {
  const query = () => Object.entries(filters).filter(([, v]) => v).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  const sel = (key, options, label) => {
    const id = "f-" + key;
    const el = h("select", { id, onchange: () => { filters[key] = el.value; load(); } },
      h("option", { value: "", text: t("all") }),
      options.map(([v, text]) => h("option", { value: v, selected: filters[key] === v, text })));
    return h("div", {}, h("label", { for: id, text: label }), el);
  };
  const list = h("ul", { class: "alerts", "aria-live": "polite", "aria-label": t("live_alerts") });
  const counts = h("div", { class: "counts", "aria-label": t("by_kind") });
  const more = h("button", { type: "button", class: "secondary", hidden: true, text: t("more") });
  const sound = h("input", { type: "checkbox", id: "sound", checked: localStorage.getItem("rw.sound") === "1",
    onchange: () => localStorage.setItem("rw.sound", sound.checked ? "1" : "0") });
  const zones = await zoneCollection().catch(() => ({ features: [] }));
  const zoneIds = zones.features.map((f) => f.id || f.properties?.id).filter(Boolean).sort();
  const mapBox = h("div");
  main.append(h("h1", {}, t("live_alerts"), " ", h("small", { id: "live", class: "muted" })),
    h("div", { class: "filters" },
      sel("kind", Object.keys(KINDS).map((k) => [k, kindName(k)]), t("kind")),
      sel("status", ["new", "acknowledged", "confirmed", "dismissed", "referred", "closed"].map((k) => [k, t(k)]), t("status")),
      sel("severity", ["low", "medium", "high", "critical"].map((k) => [k, t(k)]), t("severity")),
      sel("zone_id", zoneIds.map((z) => [z, z]), t("zone")),
      h("div", {}, h("label", { for: "sound", text: t("sound") }), sound)),
    h("div", { class: "grid" }, h("div", { class: "card" }, counts, list, more), mapBox));
  const map = await riverMap(mapBox, { zones });
  let cursor = null;
  const shown = new Map();
  const byKind = new Map();
  function drawCounts() {
    counts.replaceChildren(...[...byKind.entries()].sort((a, b) => b[1] - a[1])
      .map(([k, n]) => h("span", { class: "chip", text: `${kindName(k)} ${n}` })));
  }
  function place(a, fresh) {
    const old = shown.get(a.id);
    const li = alertItem(a, fresh);
    if (old) old.li.replaceWith(li); else { list.prepend(li); byKind.set(a.kind, (byKind.get(a.kind) || 0) + 1); }
    shown.set(a.id, { a, li });
    map.alertDot(a);
  }
  async function load(after) {
    const q = query() + (after ? `&cursor=${encodeURIComponent(after)}` : "");
    const page = await api(`/alerts?limit=100&${q}`);
    if (!after) { list.replaceChildren(); shown.clear(); byKind.clear(); map.clearAlerts(); }
    for (const a of page.alerts) {
      const li = alertItem(a, false);
      list.append(li);
      shown.set(a.id, { a, li });
      byKind.set(a.kind, (byKind.get(a.kind) || 0) + 1);
      map.alertDot(a);
    }
    if (!page.alerts.length && !after) list.append(h("li", { class: "muted", text: t("no_alerts") }));
    cursor = page.next_cursor;
    more.hidden = !cursor;
    drawCounts();
  }
  more.addEventListener("click", () => load(cursor));
  await load();
  const onEvent = (d) => {
    if (!document.body.contains(list)) { listeners.delete(onEvent); return; }
    const a = d.alert;
    if (!matches(a)) return;
    const isNew = !shown.has(a.id);
    if (list.firstChild?.classList?.contains("muted")) list.firstChild.remove();
    place(a, isNew);
    drawCounts();
    if (isNew && (a.severity === "high" || a.severity === "critical")) {
      banner(`${t("new_alert")}: ${kindName(a.kind)} · ${a.vessel_name || a.mmsi}`, true);
      if (sound.checked) beep();
    }
  };
  listeners.add(onEvent);
  startStream();
  setLive(source && source.readyState === 1);
}

// ---- the map ------------------------------------------------------------------------------------
let zoneCache = null;
async function zoneCollection() {
  if (!zoneCache) zoneCache = await api("/zones");
  return zoneCache;
}
function zoneClass(f) {
  const p = f.properties || {};
  if (p.kind !== "dock") return p.kind;
  const lic = p.license;
  if (!lic) return "dock unlicensed";
  const now = new Date().toISOString().slice(0, 10);
  return (lic.valid_until && lic.valid_until < now) || (lic.valid_from && lic.valid_from > now) ? "dock expired" : "dock licensed";
}
function sector(c) {
  const pts = [[c.lon, c.lat]];
  const fov = c.ptz ? 360 : c.fov_deg;
  const k = Math.max(8, Math.round(fov / 5));
  for (let i = 0; i <= k; i++) {
    const b = ((c.bearing_deg - fov / 2 + (fov * i) / k) * Math.PI) / 180;
    pts.push([c.lon + (c.range_m * Math.sin(b)) / (111195 * Math.cos((c.lat * Math.PI) / 180)), c.lat + (c.range_m * Math.cos(b)) / 111195]);
  }
  pts.push([c.lon, c.lat]);
  return pts;
}
async function riverMap(box, { zones, focus, track, vessels = true } = {}) {
  // An agency account may not read the zones: its map has the track alone.
  zones = zones || (await zoneCollection().catch(() => ({ features: [] })));
  const cams = await api("/cameras").then((r) => r.cameras).catch(() => []);
  const all = [];
  const ring = (coords) => coords.forEach((p) => all.push(p));
  for (const f of zones.features) {
    const g = f.geometry || {};
    if (g.type === "Polygon") g.coordinates.forEach(ring);
    else if (g.type === "MultiPolygon") g.coordinates.forEach((p) => p.forEach(ring));
    else if (g.type === "LineString") ring(g.coordinates);
  }
  if (!all.length) all.push([0, 0]);
  const lat0 = all.reduce((a, p) => a + p[1], 0) / all.length;
  const kx = Math.cos((lat0 * Math.PI) / 180);
  const X = (lon) => lon * kx * 1000;
  const Y = (lat) => -lat * 1000;
  const xs = all.map((p) => X(p[0])), ys = all.map((p) => Y(p[1]));
  const home = { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs) || 1, h: Math.max(...ys) - Math.min(...ys) || 1 };
  let vb = { ...home };
  const svg = s("svg", { role: "img", "aria-label": t("nav_map"), tabindex: "0", preserveAspectRatio: "xMidYMid meet" });
  const gTiles = s("g"), gZones = s("g"), gCams = s("g"), gTrack = s("g"), gVessels = s("g"), gAlerts = s("g");
  svg.append(gTiles, gZones, gCams, gTrack, gAlerts, gVessels);
  const path = (coords) => coords.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(3)} ${Y(p[1]).toFixed(3)}`).join(" ");
  const order = (f) => (f.properties?.kind === "monitored_area" ? 0 : 1);
  for (const f of [...zones.features].sort((a, b) => order(a) - order(b))) {
    const g = f.geometry || {};
    let d = "";
    if (g.type === "Polygon") d = g.coordinates.map((r) => path(r) + "Z").join(" ");
    else if (g.type === "MultiPolygon") d = g.coordinates.map((p) => p.map((r) => path(r) + "Z").join(" ")).join(" ");
    else if (g.type === "LineString") d = path(g.coordinates);
    const el = s("path", { d, class: "zone " + zoneClass(f), "fill-rule": "evenodd" });
    const title = s("title"); title.textContent = `${f.properties?.name || ""} (${f.id || f.properties?.id}) · ${zoneKindName(zoneClass(f).replace(" ", "."))}`;
    el.append(title);
    gZones.append(el);
  }
  for (const c of cams) {
    const el = s("path", { d: path(sector(c)) + "Z", class: "zone camera_fov" });
    const title = s("title"); title.textContent = `${c.name || c.id}`;
    el.append(title);
    gCams.append(el);
  }
  // Tiles from the configured server (Web Mercator, placed by their corners: over a
  // river's extent the difference from this projection is far below a pixel per tile).
  let tileTimer = null;
  const drawTiles = () => {
    const url = config.tile_url;
    if (!url) return;
    const r = svg.getBoundingClientRect();
    const lon = (x) => x / (kx * 1000), lat = (y) => -y / 1000;
    const mx = vb.w / 2, my = vb.h / 2;
    const w = [lon(vb.x - mx), lon(vb.x + vb.w + mx)], n = [lat(vb.y - my), lat(vb.y + vb.h + my)];
    const span = (vb.w / (kx * 1000)) || 1;
    const z = Math.max(0, Math.min(19, Math.floor(Math.log2((360 * Math.max(r.width, 256)) / (256 * span)))));
    const N = 2 ** z;
    const tx = (lo) => Math.floor(((lo + 180) / 360) * N);
    const ty = (la) => { const p = (la * Math.PI) / 180; return Math.floor(((1 - Math.log(Math.tan(p) + 1 / Math.cos(p)) / Math.PI) / 2) * N); };
    const lonOf = (x) => (x / N) * 360 - 180;
    const latOf = (y) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / N))) * 180) / Math.PI;
    const [x0, x1, y0, y1] = [tx(w[0]), tx(w[1]), ty(n[0]), ty(n[1])];
    gTiles.replaceChildren();
    if ((x1 - x0 + 1) * (y1 - y0 + 1) > 150) return;
    for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) {
      const href = url.replace("{z}", z).replace("{x}", x).replace("{y}", y);
      gTiles.append(s("image", { href, x: X(lonOf(x)), y: Y(latOf(y)), width: X(lonOf(x + 1)) - X(lonOf(x)),
        height: Y(latOf(y + 1)) - Y(latOf(y)), preserveAspectRatio: "none", class: "tile" }));
    }
  };
  const apply = () => {
    svg.setAttribute("viewBox", `${vb.x} ${vb.y} ${vb.w} ${vb.h}`);
    // Names only once zoomed in: the whole river's would overlap.
    svg.classList.toggle("labels", vb.w < home.w / 3);
    clearTimeout(tileTimer);
    tileTimer = setTimeout(drawTiles, 150);
  };
  const zoom = (f, cx = vb.x + vb.w / 2, cy = vb.y + vb.h / 2) => {
    vb = { x: cx - (cx - vb.x) * f, y: cy - (cy - vb.y) * f, w: vb.w * f, h: vb.h * f };
    apply();
  };
  const focusOn = (lon, lat, span = 1.2) => { vb = { x: X(lon) - span / 2, y: Y(lat) - span / 2, w: span, h: span }; apply(); };
  apply();
  // Pan and zoom by pointer, wheel and keyboard.
  let drag = null;
  const toSvg = (ev) => {
    const r = svg.getBoundingClientRect();
    const scale = Math.max(vb.w / r.width, vb.h / r.height);
    return { scale, x: vb.x + (ev.clientX - r.left) * scale - (r.width * scale - vb.w) / 2, y: vb.y + (ev.clientY - r.top) * scale - (r.height * scale - vb.h) / 2 };
  };
  svg.addEventListener("pointerdown", (ev) => { if (ev.target.closest(".vessel")) return; drag = { x: ev.clientX, y: ev.clientY, vb: { ...vb }, scale: toSvg(ev).scale }; svg.setPointerCapture(ev.pointerId); });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    vb = { ...drag.vb, x: drag.vb.x - (ev.clientX - drag.x) * drag.scale, y: drag.vb.y - (ev.clientY - drag.y) * drag.scale };
    apply();
  });
  svg.addEventListener("pointerup", () => { drag = null; });
  svg.addEventListener("wheel", (ev) => { ev.preventDefault(); const p = toSvg(ev); zoom(ev.deltaY > 0 ? 1.25 : 0.8, p.x, p.y); }, { passive: false });
  svg.addEventListener("keydown", (ev) => {
    const step = vb.w / 8;
    const keys = { "+": () => zoom(0.8), "=": () => zoom(0.8), "-": () => zoom(1.25), ArrowLeft: () => { vb.x -= step; apply(); },
      ArrowRight: () => { vb.x += step; apply(); }, ArrowUp: () => { vb.y -= step; apply(); }, ArrowDown: () => { vb.y += step; apply(); } };
    if (keys[ev.key]) { ev.preventDefault(); keys[ev.key](); }
  });
  const card = h("div", { class: "card vcard", hidden: true, role: "dialog", "aria-label": t("vessel") });
  const legend = h("div", { class: "legend", "aria-hidden": "true" },
    ["dock.licensed", "dock.unlicensed", "dock.expired", "no_berthing", "muck_loading", "approved_dump", "anchorage", "protected", "camera_fov"].map((k) => {
      const sample = s("svg", { width: 12, height: 12 });
      sample.append(s("rect", { width: 12, height: 12, class: "zone " + k.replace(".", " ") }));
      return h("span", {}, sample, " ", zoneKindName(k));
    }));
  const wrap = h("div", { class: "map" }, svg,
    h("div", { class: "tools" },
      h("button", { type: "button", "aria-label": t("zoom_in"), title: t("zoom_in"), onclick: () => zoom(0.8), text: "+" }),
      h("button", { type: "button", "aria-label": t("zoom_out"), title: t("zoom_out"), onclick: () => zoom(1.25), text: "−" }),
      h("button", { type: "button", "aria-label": t("fit"), title: t("fit"), onclick: () => { vb = { ...home }; apply(); }, text: "⤢" })),
    legend, card);
  box.append(wrap, h("p", { class: "muted", text: t("map_hint") }));
  let selected = null;
  async function showVessel(v) {
    selected = v.mmsi;
    gVessels.querySelectorAll(".vessel").forEach((el) => el.classList.toggle("selected", el.dataset.mmsi === String(v.mmsi)));
    card.hidden = false;
    card.replaceChildren(
      h("strong", { text: v.name || "—" }), h("br"),
      `${t("mmsi")} ${v.mmsi}`, h("br"),
      `${t("speed")} ${v.sog ?? "—"} ${t("kn")} · ${t("course")} ${v.cog ?? "—"}°`, h("br"),
      `${t("last_heard")} ${fmtTime(v.last_heard)}`, h("br"),
      h("a", { href: `#/vessel/${v.mmsi}`, text: t("open_vessel") }), " ",
      h("button", { type: "button", class: "secondary", onclick: () => { card.hidden = true; }, text: "×", "aria-label": t("back") }));
    try { drawTrack(await api(`/vessels/${v.mmsi}/track`)); } catch (_) { /* no stored track */ }
  }
  function drawTrack(fc) {
    gTrack.replaceChildren();
    for (const f of fc.features || []) {
      if (f.geometry?.type === "LineString") gTrack.append(s("path", { d: path(f.geometry.coordinates), class: "track" }));
    }
  }
  async function drawVessels() {
    const r = await api("/vessels?limit=1000").catch(() => ({ vessels: [] }));
    gVessels.replaceChildren();
    const size = home.w / 300;
    for (const v of r.vessels) {
      if (!v.position) continue;
      const [lon, lat] = v.position;
      const g = s("g", { transform: `translate(${X(lon)} ${Y(lat)}) rotate(${v.cog ?? 0})` });
      const tri = s("path", { d: `M0 ${-size * 1.6} L${size} ${size} L${-size} ${size} Z`, class: "vessel" + (v.mmsi === selected ? " selected" : ""),
        "data-mmsi": v.mmsi, tabindex: "0", role: "button", "aria-label": `${v.name || v.mmsi}` });
      tri.addEventListener("click", () => showVessel(v));
      tri.addEventListener("keydown", (ev) => { if (ev.key === "Enter") showVessel(v); });
      g.append(tri);
      const label = s("text", { x: X(lon) + size * 1.5, y: Y(lat) - size, class: "vlabel", "font-size": size * 2.2 });
      label.textContent = v.name || v.mmsi;
      gVessels.append(g, label);
    }
  }
  if (vessels) {
    await drawVessels();
    const timer = setInterval(() => { if (!document.body.contains(svg)) clearInterval(timer); else drawVessels(); }, 10000);
  }
  if (track) drawTrack(track);
  if (focus) focusOn(focus[0], focus[1], home.w / 12);
  const dots = new Map();
  return {
    alertDot(a) {
      if (dots.has(a.id) || !a.position) return;
      const c = s("circle", { cx: X(a.position.lon), cy: Y(a.position.lat), r: home.w / 250, class: "hitdot" });
      const title = s("title"); title.textContent = `${kindName(a.kind)} · ${a.vessel_name || a.mmsi}`;
      c.append(title);
      c.addEventListener("click", () => go("#/alert/" + encodeURIComponent(a.id)));
      dots.set(a.id, c);
      gAlerts.append(c);
    },
    clearAlerts() { dots.clear(); gAlerts.replaceChildren(); },
    highlight(lon, lat) {
      gAlerts.append(s("circle", { cx: X(lon), cy: Y(lat), r: home.w / 120, class: "hit" }));
      gAlerts.append(s("circle", { cx: X(lon), cy: Y(lat), r: home.w / 400, class: "hitdot" }));
    },
  };
}
async function viewMap(main) {
  main.append(h("h1", { text: t("nav_map") }));
  const box = h("div");
  main.append(box);
  await riverMap(box, {});
}

// ---- one alert ------------------------------------------------------------------------------------
function evidenceTable(ev) {
  const rows = Object.entries(ev || {}).filter(([k]) => k !== "track")
    .map(([k, v]) => h("tr", {}, h("th", { scope: "row", text: fieldName(k) }), h("td", { text: typeof v === "object" ? JSON.stringify(v) : String(v) })));
  return h("table", { class: "kv" }, h("tbody", {}, rows));
}
async function viewAlert(main, id) {
  const a = await api("/alerts/" + encodeURIComponent(id));
  const box = h("div");
  const actions = h("div", { class: "card" });
  const snaps = h("div", {}, snapshots(a));
  main.append(
    h("p", {}, h("a", { href: "#/alerts", text: "← " + t("back") })),
    h("h1", {}, h("span", { class: "sev " + a.severity, text: t(a.severity) }), kindName(a.kind), " ", h("span", { class: "status", id: "alert-status", text: t(a.status) })),
    h("div", { class: "grid" },
      h("div", {},
        h("div", { class: "card" },
          h("table", { class: "kv" }, h("tbody", {},
            h("tr", {}, h("th", { text: t("vessel") }), h("td", {}, h("a", { href: `#/vessel/${a.mmsi}`, text: `${a.vessel_name || "—"} (${a.mmsi})` }))),
            h("tr", {}, h("th", { text: t("zone") }), h("td", { text: a.zone_id || "—" })),
            h("tr", {}, h("th", { text: t("started") }), h("td", { text: fmtTime(a.started_at) })),
            h("tr", {}, h("th", { text: t("ended") }), h("td", { text: a.ended_at ? fmtTime(a.ended_at) : t("ongoing") })),
            h("tr", {}, h("th", { text: t("detected") }), h("td", { text: fmtTime(a.detected_at) })),
            h("tr", {}, h("th", { text: t("position") }), h("td", { text: `${a.position.lat.toFixed(5)}, ${a.position.lon.toFixed(5)}` })))),
          h("h2", { text: t("what_fired") }), evidenceTable(a.evidence)),
        h("h2", { text: t("history") }), actions),
      h("div", {}, box, h("h2", { text: t("snapshots") }), me.role === "agency" ? h("p", { class: "muted", text: t("images_in_package") }) : snaps)));
  const map = await riverMap(box, { focus: [a.position.lon, a.position.lat], track: a.track, vessels: false });
  map.highlight(a.position.lon, a.position.lat);
  lifeCycle(actions, a);
  if (me.role === "agency") return;
  // Cameras are asked for a frame when the alert opens: a fresh alert's may still come.
  for (let i = 0; i < 10 && !(a.snapshots || []).length && document.body.contains(snaps); i++) {
    await new Promise((r) => setTimeout(r, 3000));
    const again = await api("/alerts/" + encodeURIComponent(id)).catch(() => null);
    if (again?.snapshots?.length && document.body.contains(snaps)) { snaps.replaceChildren(snapshots(again)); break; }
  }
}
function snapshots(a) {
  const list = a.snapshots || [];
  if (!list.length) return h("p", { class: "muted", text: t("no_snapshots") });
  return h("div", { class: "snaps" }, list.map((sn) => {
    const img = h("img", { alt: `${sn.camera_name || sn.camera} ${fmtTime(sn.captured_at)}`, loading: "lazy" });
    const link = h("a", { href: "#", title: t("original") }, img);
    authedImage(img, sn.thumbnail_url);
    link.addEventListener("click", async (ev) => {
      ev.preventDefault();
      const wasThumb = img.dataset.src === sn.thumbnail_url;
      await authedImage(img, wasThumb ? sn.annotated_url : sn.url);
      link.title = wasThumb ? t("original") : "";
    });
    return h("figure", {}, link,
      h("figcaption", {}, `${sn.camera_name || sn.camera} · ${fmtTime(sn.captured_at)}`, h("br"),
        h("a", { href: "#", onclick: async (ev) => { ev.preventDefault(); await authedImage(img, sn.url); }, text: t("original") }),
        ` · ${t("sha256")} `, h("code", { text: sn.sha256 })));
  }));
}
// Images come through fetch (the cookie goes with it) as blob URLs.
async function authedImage(img, url) {
  img.dataset.src = url;
  const r = await fetch(url, { credentials: "same-origin" });
  if (!r.ok) { img.alt = `${img.alt} (${r.status})`; return; }
  const blob = await r.blob();
  if (img.src.startsWith("blob:")) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(blob);
}
const NEXT = {
  new: ["acknowledge", "dismiss"], acknowledged: ["confirm", "dismiss"], confirmed: ["refer", "close"],
  dismissed: ["close"], referred: ["close"], closed: [],
};
function lifeCycle(box, a) {
  const note = h("textarea", { id: "note", "aria-label": t("note"), placeholder: t("note"), maxlength: 2000 });
  const act = (action) => h("button", { type: "button", "data-action": action,
    class: action === "dismiss" ? "danger" : null, text: t(action), onclick: async () => {
      try {
        await api(`/alerts/${encodeURIComponent(a.id)}/${action}`, { method: "POST", body: JSON.stringify({ note: note.value }) });
        banner(t("done"));
        route();
      } catch (e) { failed(e); }
    } });
  const agency = me.role !== "agency";
  const buttons = agency ? (NEXT[a.status] || []).filter((x) => x !== "refer").map(act) : [];
  // Referring a confirmed alert: to an agency, with the package built and sent.
  const refer = agency && a.status === "confirmed" && ["supervisor", "admin"].includes(me.role) ? referForm(a, note) : null;
  box.replaceChildren(
    h("ul", { class: "history" }, (a.history || []).map((e) => h("li", {},
      `${fmtTime(e.at)} · ${e.by} · ${e.action === "feedback" ? t("feedback") : t(e.status)}`, e.note ? h("div", { class: "muted", text: e.note }) : null))),
    buttons.length || refer ? h("div", {}, h("label", { for: "note", text: t("note") }), note, h("div", { class: "actions" }, buttons, refer)) : null);
}
function referForm(a, note) {
  const pick = h("select", { id: "refer-agency", "aria-label": t("agency") });
  api("/agencies").then((r) => { pick.replaceChildren(...r.agencies.map((g) => h("option", { value: g.id, text: g.name }))); }).catch(() => {});
  return h("span", { class: "actions" }, pick, h("button", { type: "button", "data-action": "refer", text: t("refer"), onclick: async () => {
    try {
      const r = await api("/referrals", { method: "POST", body: JSON.stringify({ agency: pick.value, alerts: [a.id], note: note.value }) });
      banner(`${t("done")} ${r.id}`);
      route();
    } catch (e) { failed(e); }
  } }));
}

// ---- a vessel ------------------------------------------------------------------------------------
async function viewVessel(main, mmsi) {
  const v = await api(`/vessels/${encodeURIComponent(mmsi)}`);
  const alerts = await api(`/alerts?mmsi=${encodeURIComponent(mmsi)}&limit=20`).catch(() => ({ alerts: [] }));
  const track = await api(`/vessels/${encodeURIComponent(mmsi)}/track`).catch(() => null);
  const st = v.state || v;
  const reg = v.registry;
  const rows = [["name", st.name], ["mmsi", mmsi], ["callsign", st.callsign], ["speed", st.sog != null ? `${st.sog} ${t("kn")}` : null],
    ["course", st.cog != null ? `${st.cog}°` : null], ["last_heard", fmtTime(st.last_heard || v.last_heard)]];
  const box = h("div");
  main.append(h("p", {}, h("a", { href: "#/alerts", text: "← " + t("back") })),
    h("h1", { text: `${st.name || "—"} (${mmsi})` }),
    h("div", { class: "grid" },
      h("div", {},
        h("div", { class: "card" }, h("table", { class: "kv" }, h("tbody", {}, rows.map(([k, val]) => h("tr", {}, h("th", { text: t(k) }), h("td", { text: val ?? "—" })))))),
        h("h2", { text: t("registry_entry") }),
        reg ? evidenceTable(reg) : h("p", { class: "muted", text: t("not_registered") }),
        h("h2", { text: t("recent_alerts") }),
        h("ul", { class: "alerts card" }, alerts.alerts.map((a) => alertItem(a, false)))),
      box));
  const pos = st.position;
  await riverMap(box, { focus: pos || null, track, vessels: false });
}

// ---- zones ------------------------------------------------------------------------------------
async function viewZones(main) {
  zoneCache = null;
  const zones = await zoneCollection();
  const admin = me.role === "admin";
  const file = h("input", { type: "file", id: "zone-file", accept: ".geojson,.json,application/geo+json,application/json" });
  const report = h("div", { role: "status" });
  const exportLink = h("button", { type: "button", class: "secondary", text: t("export"), onclick: () => {
    const blob = new Blob([JSON.stringify(zones, null, 1)], { type: "application/geo+json" });
    const a = h("a", { href: URL.createObjectURL(blob), download: "zones.geojson" });
    document.body.append(a); a.click(); a.remove();
  } });
  main.append(h("h1", { text: t("nav_zones") }),
    h("div", { class: "toolbar" }, exportLink,
      admin ? h("label", { for: "zone-file", text: t("import") }) : null, admin ? file : null), report);
  file.addEventListener("change", async () => {
    const text = await file.files[0]?.text();
    if (!text) return;
    try {
      const r = await api("/zones", { method: "POST", body: text });
      report.textContent = `${t("imported")}: ${r.imported ?? r.stored ?? ""} ${r.rejected?.length ? "· " + r.rejected.length + " " + t("rejected") : ""}`;
      // What the server says before sign-in (a tile server, if it has one), then the first view.
let config = {};
fetch("/console/config.json").then((r) => r.json()).then((c) => { config = c || {}; }).catch(() => {}).finally(route);
    } catch (e) { report.textContent = e.message; }
  });
  const rows = zones.features.map((f) => {
    const p = f.properties || {};
    const id = f.id || p.id;
    const cells = [id, p.name || "", zoneKindName(zoneClass(f).replace(" ", ".")), p.license?.number || "", p.license?.valid_from || "", p.license?.valid_until || "", p.speed_limit_kn ?? ""];
    const tr = h("tr", {}, cells.map((c) => h("td", { text: c })));
    if (admin) tr.append(h("td", {}, h("button", { type: "button", class: "secondary", text: t("edit"), onclick: () => editZone(tr, f) })));
    return tr;
  });
  main.append(h("div", { class: "card", style: "overflow:auto" }, h("table", {},
    h("thead", {}, h("tr", {}, [t("id"), t("name"), t("kind"), t("licence"), t("valid_from"), t("valid_until"), t("limit_kn")].map((c) => h("th", { text: c })), admin ? h("th") : null)),
    h("tbody", {}, rows))));
}
function editZone(tr, f) {
  const p = { ...(f.properties || {}) };
  const id = f.id || p.id;
  const name = h("input", { value: p.name || "", "aria-label": t("name") });
  const from = h("input", { type: "date", value: p.license?.valid_from || "", "aria-label": t("valid_from") });
  const until = h("input", { type: "date", value: p.license?.valid_until || "", "aria-label": t("valid_until") });
  const number = h("input", { value: p.license?.number || "", "aria-label": t("licence") });
  const speed = h("input", { type: "number", step: "0.1", value: p.speed_limit_kn ?? "", "aria-label": t("limit_kn") });
  const save = h("button", { type: "button", text: t("save"), onclick: async () => {
    p.name = name.value;
    if (p.kind === "dock") p.license = number.value ? { number: number.value, valid_from: from.value || null, valid_until: until.value || null } : undefined;
    if (p.kind === "speed_limit") p.speed_limit_kn = speed.value === "" ? undefined : Number(speed.value);
    try {
      await api(`/zones/${encodeURIComponent(id)}`, { method: "PUT", body: JSON.stringify({ ...f, properties: p }) });
      banner(t("done")); // What the server says before sign-in (a tile server, if it has one), then the first view.
let config = {};
fetch("/console/config.json").then((r) => r.json()).then((c) => { config = c || {}; }).catch(() => {}).finally(route);
    } catch (e) { failed(e); }
  } });
  tr.replaceChildren(h("td", { text: id }), h("td", {}, name), h("td", { text: zoneKindName(p.kind) }),
    h("td", {}, number), h("td", {}, from), h("td", {}, until), h("td", {}, speed), h("td", {}, save));
}

// ---- registry and watchlist ------------------------------------------------------------------
async function viewList(which) {
  const main = $("#main");
  const r = await api("/" + which);
  const rows = r[which] || [];
  const admin = me.role === "admin";
  const cols = [...new Set(rows.flatMap((x) => Object.keys(x)))].filter((c) => typeof rows[0]?.[c] !== "object" || c === "permits");
  const file = h("input", { type: "file", id: "csv-file", accept: ".csv,text/csv" });
  const report = h("div", { role: "status" });
  file.addEventListener("change", async () => {
    const text = await file.files[0]?.text();
    if (!text) return;
    try {
      const res = await api(`/${which}/import`, { method: "POST", body: text, json: false, headers: { "content-type": "text/csv" } });
      report.textContent = `${t("imported")}: ${res.imported ?? ""}`;
      setTimeout(route, 600);
    } catch (e) { report.textContent = e.message; }
  });
  const exportCsv = h("button", { type: "button", class: "secondary", text: t("export") + " CSV", onclick: async () => {
    const text = await api(`/${which}?format=csv`);
    const a = h("a", { href: URL.createObjectURL(new Blob([text], { type: "text/csv" })), download: `${which}.csv` });
    document.body.append(a); a.click(); a.remove();
  } });
  main.append(h("h1", { text: t("nav_" + which) }),
    h("div", { class: "toolbar" }, exportCsv, admin ? h("label", { for: "csv-file", text: t("import") + " CSV" }) : null, admin ? file : null), report,
    h("div", { class: "card", style: "overflow:auto" }, h("table", {},
      h("thead", {}, h("tr", {}, cols.map((c) => h("th", { text: fieldName(c) })), admin ? h("th") : null)),
      h("tbody", {}, rows.map((x) => {
        const tr = h("tr", {}, cols.map((c) => {
          const v = x[c];
          if (c === "mmsi" && v) return h("td", {}, h("a", { href: `#/vessel/${v}`, text: v }));
          return h("td", { text: v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v) });
        }));
        if (admin) tr.append(h("td", {}, h("button", { type: "button", class: "secondary", text: t("edit"), onclick: () => editRow(which, tr, cols, x) })));
        return tr;
      })))));
}
// One registry or watchlist row edited in place: its cells as text, saved with PUT.
function editRow(which, tr, cols, x) {
  const inputs = {};
  const cells = cols.map((c) => {
    if (c === "id") return h("td", { text: x.id });
    const v = x[c];
    inputs[c] = h("input", { value: v === null || v === undefined ? "" : String(v), "aria-label": fieldName(c), size: 10 });
    return h("td", {}, inputs[c]);
  });
  const save = h("button", { type: "button", text: t("save"), onclick: async () => {
    const body = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, el.value]));
    try {
      await api(`/${which}/${encodeURIComponent(x.id)}`, { method: "PUT", body: JSON.stringify(body) });
      banner(t("done")); route();
    } catch (e) { failed(e); }
  } });
  tr.replaceChildren(...cells, h("td", {}, save));
}

// ---- receivers and statistics -------------------------------------------------------------------
async function viewReceivers(main) {
  const r = await api("/receivers");
  const rows = r.receivers || [];
  const cols = [...new Set(rows.flatMap((x) => Object.keys(x)))];
  main.append(h("h1", { text: t("receivers") }), h("div", { class: "card", style: "overflow:auto" }, h("table", {},
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { text: fieldName(c) })))),
    h("tbody", {}, rows.map((x) => h("tr", {}, cols.map((c) => h("td", { text: typeof x[c] === "object" ? JSON.stringify(x[c]) : x[c] ?? "" }))))))));
}
function bars(title, counts, label = (k) => k) {
  const pairs = Object.entries(counts || {});
  const max = Math.max(1, ...pairs.map(([, n]) => n));
  return h("div", { class: "card" }, h("h2", { text: title }),
    h("div", { class: "bars", role: "list" }, pairs.flatMap(([key, n]) => [
      h("span", { text: label(key) }),
      h("div", { class: "bar", style: `width:${(100 * n) / max}%`, role: "listitem", "aria-label": `${label(key)} ${n}` }),
      h("span", { text: n })])));
}
async function viewStats(main) {
  const r = await api("/stats");
  main.append(h("h1", {}, t("nav_stats"), " ", h("small", { class: "muted", text: `${t("last_30_days")} · ${t("total")} ${r.total}` })),
    h("div", { class: "cols2" },
      bars(t("by_kind"), r.by_kind, kindName),
      bars(t("by_status"), r.by_status, t),
      bars(t("by_zone"), Object.fromEntries(Object.entries(r.by_zone || {}).sort((a, b) => b[1] - a[1]).slice(0, 20))),
      bars(t("by_day"), r.by_day)));
}

// What the server says before sign-in (a tile server, if it has one), then the first view.
let config = {};
fetch("/console/config.json").then((r) => r.json()).then((c) => { config = c || {}; }).catch(() => {}).finally(route);
