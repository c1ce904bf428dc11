"use strict";
async function refreshBoard() {
  const {status, data} = await lf.api("/api/scoreboard");
  if (status !== 200) {
    document.getElementById("notice").textContent = lf.errorText(data);
    return;
  }
  document.getElementById("clock").textContent = data.clock || "";
  const rows = list => (list || []).map(r => [r.rank, r.team, Number(r.total).toFixed(1)]);
  lf.fill(document.querySelector("#board-blue tbody"), rows(data.blue));
  lf.fill(document.querySelector("#board-red tbody"), rows(data.red));
}
lf.setupLanguage();
refreshBoard();
setInterval(refreshBoard, 5000);
