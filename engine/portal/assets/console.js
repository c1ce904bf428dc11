// The browser console of one node: xterm.js on /ws/console/NODE. The
// portal shares the node's serial console between its viewers; output comes
// as binary messages, keystrokes go as text messages.
"use strict";

(async function () {
  lf.setupLanguage(() => show(state));
  const params = new URLSearchParams(location.search);
  const node = params.get("node") || "";
  const team = params.get("team") || "";
  document.getElementById("console-node").textContent = node + (team ? " (" + team + ")" : "");
  const me = await lf.api("/api/me");
  if (me.status !== 200) return;
  lf.csrf = me.data.csrf;
  document.getElementById("who").textContent = me.data.account + " · " + me.data.team;
  for (const el of document.querySelectorAll(".white-only")) el.hidden = me.data.role !== "white";

  let state = {key: "console_connecting", detail: ""};
  function show(s) {
    state = s;
    document.getElementById("console-state").textContent = lf.t(s.key) + (s.detail ? ": " + s.detail : "");
  }
  show(state);

  const term = new Terminal({convertEol: false, cursorBlink: true, rows: 24, cols: 100});
  term.open(document.getElementById("terminal"));
  const q = team ? "?team=" + encodeURIComponent(team) : "";
  const ws = new WebSocket("wss://" + location.host + "/ws/console/" + encodeURIComponent(node) + q);
  ws.binaryType = "arraybuffer";
  ws.onopen = () => { show({key: "console_open", detail: ""}); term.focus(); };
  ws.onmessage = ev => term.write(new Uint8Array(ev.data));
  ws.onclose = ev => show({key: "console_closed", detail: ev.reason || ""});
  term.onData(d => { if (ws.readyState === WebSocket.OPEN) ws.send(d); });
  window.lfConsole = {term, ws};

  document.getElementById("console-end").addEventListener("click", async () => {
    const {status, data} = await lf.api("/api/consoles/close", {node, team});
    if (status !== 200) show({key: "refused", detail: lf.errorText(data)});
  });
})();
