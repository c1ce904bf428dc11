"use strict";
// The team's pages: dashboard (score, tasks with countdown, ledger), report
// form, red's forms, the white cell's controls and the submission history.
// Refreshed from the API whenever the account's live feed says something
// changed.

let me = null;
let tasksState = {tasks: [], time_ns: 0, at: Date.now(), paused: false, speed: 1};
let attack = [];

function show(id, text) {
  document.getElementById(id).textContent = text;
}

function route() {
  const name = (location.hash || "#dashboard").slice(1);
  for (const s of document.querySelectorAll("main > section")) {
    if (s.id === "live-section") continue;
    s.classList.toggle("hidden", s.id !== name);
  }
}

async function loadScore() {
  const {status, data} = await lf.api("/api/score");
  if (status !== 200) return;
  show("team", data.team);
  show("total", Number(data.total).toFixed(1));
  show("rank", data.rank || "–");
  const cats = Object.entries(data.categories || {}).map(([name, c]) => {
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.width = Math.max(0, Math.min(100, Number(c.share))) + "%";
    bar.appendChild(fill);
    const label = document.createElement("span");
    label.textContent = " " + Number(c.share).toFixed(1) + " %";
    const cell = document.createElement("span");
    cell.append(bar, label);
    return [name, cell, Number(c.points).toFixed(1) + " / " + Number(c.max).toFixed(1), c.weight];
  });
  lf.fill(document.querySelector("#categories tbody"), cats);
  const ledger = (data.ledger || []).slice().reverse().map(e =>
    [e.clock, e.category, (e.delta >= 0 ? "+" : "") + Number(e.delta).toFixed(2), e.reason]);
  lf.fill(document.querySelector("#ledger tbody"), ledger);
}

function renderTasks() {
  const st = tasksState;
  const elapsed = st.paused ? 0 : (Date.now() - st.at) * 1e6 * st.speed;
  const now = st.time_ns + elapsed;
  const rows = st.tasks.map(t => {
    let left = lf.t("no_deadline");
    if (t.due_ns > 0) left = now >= t.due_ns ? lf.t("overdue") : lf.duration(t.due_ns - now);
    const state = t.graded ? lf.t("graded") : t.responded ? lf.t("responded") : lf.t("open");
    const btn = document.createElement("button");
    btn.type = "button";
    btn.textContent = lf.t("respond");
    btn.className = "respond";
    btn.dataset.inject = t.inject;
    btn.addEventListener("click", () => {
      document.getElementById("response-form").classList.remove("hidden");
      show("response-inject", t.inject);
    });
    return [t.inject, t.due_ns > 0 ? lf.duration(t.due_ns) : "–", left, state,
            me && me.role === "blue" ? btn : ""];
  });
  lf.fill(document.querySelector("#tasks tbody"), rows);
  show("clock", lf.duration(now) + (st.paused ? " (" + lf.t("paused") + ")" : ""));
}

async function loadTasks() {
  const {status, data} = await lf.api("/api/tasks");
  if (status !== 200) return;
  tasksState = {tasks: data.tasks || [], time_ns: data.time_ns || 0, at: Date.now(),
                paused: !!data.paused, speed: data.speed || 1};
  renderTasks();
}

function summary(s) {
  const p = s.payload || {};
  if (s.kind === "submission.report") return (p.node || "") + " · " + (p.technique || "") + " · " + (p.description || "");
  if (s.kind === "submission.response") return (p.inject || "") + " · " + (p.text || "");
  if (s.kind === "submission.flag") return (p.flag || "") + (p.against ? " → " + p.against : "");
  return (p.node || "") + " · " + (p.vulnerability || "") + " · " + (p.evidence || "");
}

async function loadSubmissions() {
  const {status, data} = await lf.api("/api/submissions");
  if (status !== 200) return;
  const rows = (data.submissions || []).slice().reverse().map(s => {
    const g = s.grades && s.grades.length ? s.grades[s.grades.length - 1].payload : null;
    const grade = g ? (g.rubric + " % · " + (g.points !== undefined ? g.points : "") +
                       (g.comment ? " · " + g.comment : "")) : lf.t("not_graded");
    return [s.seq, s.clock, s.kind.replace("submission.", ""), summary(s), "✓ #" + s.seq, grade];
  });
  lf.fill(document.querySelector("#submission-list tbody"), rows);
}

let messagesSeen = null;  // the newest message seq shown, once loaded
async function loadMessages() {
  const {status, data} = await lf.api("/api/messages");
  if (status !== 200) return;
  const list = data.messages || [];
  const rows = list.slice().reverse().map(m => [m.clock, m.team, m.from, m.text]);
  lf.fill(document.querySelector("#messages tbody"), rows);
  const newest = list.length ? list[list.length - 1] : null;
  // A message that arrives while the page is open is also put in the notice.
  if (newest && messagesSeen !== null && newest.seq > messagesSeen) {
    show("notice", lf.t("new_message") + newest.text);
  }
  messagesSeen = newest ? newest.seq : 0;
}

async function loadNodes() {
  const {status, data} = await lf.api("/api/nodes");
  if (status !== 200) return;
  const list = document.getElementById("nodes");
  list.replaceChildren(...(data.nodes || []).map(n => {
    const o = document.createElement("option");
    o.value = n;
    return o;
  }));
  // A console link for every node the account may use.
  document.getElementById("consoles").replaceChildren(...(data.consoles || []).map(c => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/console?node=" + encodeURIComponent(c.node) + "&team=" + encodeURIComponent(c.team);
    a.textContent = c.node + " (" + c.team + ")";
    a.className = "console-link";
    li.appendChild(a);
    return li;
  }));
}

async function loadAttack() {
  const res = await fetch("/assets/attack.tsv", {credentials: "same-origin"});
  if (!res.ok) return;
  const lines = (await res.text()).split("\n").slice(1);
  attack = lines.map(l => l.split("\t")).filter(c => c[1] === "technique" && c[4] === "current")
    .map(c => ({id: c[0], name: c[2], tactics: c[3]}));
  const list = document.getElementById("techniques");
  list.replaceChildren(...attack.map(t => {
    const o = document.createElement("option");
    o.value = t.id;
    o.label = t.id + " " + t.name;
    o.textContent = t.id + " " + t.name;
    return o;
  }));
  // What was typed before the list arrived gets its name now.
  showTechnique();
}

function showTechnique() {
  const t = techniqueFromInput(document.getElementById("report-technique").value);
  show("technique-name", t ? t.id + " — " + t.name + " (" + t.tactics + ")" : "");
}

function techniqueFromInput(text) {
  const v = text.trim();
  const byId = attack.find(t => t.id.toLowerCase() === v.toLowerCase());
  if (byId) return byId;
  const lower = v.toLowerCase();
  return attack.find(t => t.name.toLowerCase() === lower) ||
         attack.find(t => lower.length > 3 && t.name.toLowerCase().includes(lower));
}

async function refreshAll() {
  await Promise.all([loadScore(), loadTasks(), loadSubmissions(), loadMessages()]);
}

let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshAll, 300);
}

function connectLive() {
  const ws = new WebSocket("wss://" + location.host + "/ws/events");
  ws.addEventListener("message", (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch (e) { return; }
    if (msg.topic && msg.topic.endsWith("/scoreboard")) { refreshSoon(); return; }
    const e = msg.event || {};
    const li = document.createElement("li");
    li.textContent = (e.seq || "") + " " + (e.team || "*") + " " + (e.kind || msg.topic);
    const live = document.getElementById("live");
    live.prepend(li);
    while (live.children.length > 30) live.lastChild.remove();
    refreshSoon();
  });
  ws.addEventListener("close", () => setTimeout(connectLive, 3000));
}

async function send(path, body, resultId) {
  const {status, data} = await lf.api(path, body);
  if (status === 200) {
    show(resultId, lf.t("ack") + data.seq);
    refreshSoon();
    return true;
  }
  show(resultId, lf.t("refused") + lf.errorText(data));
  return false;
}

function onSubmit(id, handler) {
  document.getElementById(id).addEventListener("submit", (ev) => {
    ev.preventDefault();
    handler();
  });
}

function value(id) {
  return document.getElementById(id).value;
}

function setupForms() {
  document.getElementById("report-technique").addEventListener("input", showTechnique);
  onSubmit("report-form", async () => {
    const t = techniqueFromInput(value("report-technique"));
    await send("/api/reports", {
      node: value("report-node"),
      technique: t ? t.id : value("report-technique").trim(),
      observed_at: value("report-observed"),
      description: value("report-description"),
    }, "report-result");
  });
  onSubmit("response-form", async () => {
    await send("/api/responses", {inject: document.getElementById("response-inject").textContent,
                                  text: value("response-text")}, "notice");
  });
  onSubmit("flag-form", () => send("/api/flags", {flag: value("flag-value"), against: value("flag-against")}, "red-result"));
  onSubmit("finding-form", () => send("/api/findings", {
    node: value("finding-node"), vulnerability: value("finding-vuln"),
    against: value("finding-against"), evidence: value("finding-evidence")}, "red-result"));
  const control = (body) => lf.api("/api/control", body).then(({status, data}) =>
    show("white-result", status === 200 ? "ok" : lf.t("refused") + lf.errorText(data)));
  document.getElementById("pause").addEventListener("click", () => control({type: "pause"}));
  document.getElementById("resume").addEventListener("click", () => control({type: "resume"}));
  document.getElementById("set-speed").addEventListener("click", () =>
    control({type: "speed", speed: Number(value("speed"))}));
  onSubmit("message-form", () => control({type: "message", to: value("message-to").trim(),
                                           text: value("message-text")}));
  onSubmit("inject-form", () => control({type: "inject", inject: value("inject-name"), team: value("inject-team")}));
  onSubmit("grade-form", () => {
    const body = {type: "grade", team: value("grade-team"), rubric: value("grade-rubric"),
                  comment: value("grade-comment")};
    if (value("grade-seq")) body.target_seq = Number(value("grade-seq"));
    if (value("grade-inject")) body.inject = value("grade-inject");
    if (value("grade-points")) body.points = Number(value("grade-points"));
    return control(body);
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await lf.api("/api/logout", {});
    location.href = "/login";
  });
}

async function main() {
  lf.setupLanguage(renderTasks);
  const {status, data} = await lf.api("/api/me");
  if (status !== 200) return;
  me = data;
  lf.csrf = data.csrf;
  show("who", data.account + " (" + data.team + ", " + data.role + ")");
  document.body.dataset.role = data.role;
  window.addEventListener("hashchange", route);
  route();
  setupForms();
  await refreshAll();
  loadNodes();
  loadAttack();
  connectLive();
  setInterval(renderTasks, 1000);
}

main();
