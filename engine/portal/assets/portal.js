// Shared by every page: the two languages, the language switch, and the one
// way to call the API. Every piece of data reaches the page through
// textContent or DOM nodes built here, never parsed as HTML, so a report
// holding <script> or <img onerror> is shown as the text it is.
"use strict";

const LF_TEXT = {
  en: {
    title: "livefire portal", account: "Account", password: "Password", login: "Log in",
    logout: "Log out", scoreboard: "Scoreboard", dashboard: "Dashboard", report: "Report",
    red: "Flags and findings", white: "White cell", submissions: "Submissions",
    team_score: "Team score", total: "Total", rank: "Rank", category: "Category",
    share: "Share of maximum", points: "Points", weight: "Weight", tasks: "Tasks", task: "Task",
    due: "Due", left: "Left", state: "State", respond: "Respond to", send: "Send",
    ledger: "Ledger", time: "Time", change: "Change", reason: "Reason",
    report_title: "Incident report", node: "Node", technique: "ATT&CK technique",
    observed: "Observed at (exercise time)", description: "Description", flag_title: "Flag",
    flag: "Flag", against: "Against team", finding_title: "Finding",
    vulnerability: "Vulnerability or CWE", evidence: "Evidence", pause: "Pause",
    resume: "Resume", speed: "Speed", set: "Set", inject: "Inject", team: "Team", fire: "Fire",
    seq: "Submission seq", rubric: "Rubric", comment: "Comment", grade: "Grade", kind: "Kind",
    what: "What", acknowledged: "Acknowledged", live: "Live", blue_teams: "Blue teams",
    red_teams: "Red teams", bad_login: "Wrong account or password.",
    too_many: "Too many failed logins. Try again later.", ack: "Acknowledged as #",
    responded: "responded", open: "open", graded: "graded", no_deadline: "no deadline",
    overdue: "due", lang_switch: "Tiếng Việt", refused: "Refused: ",
    not_graded: "not graded yet", paused: "paused", consoles: "Consoles",
    console_title: "Console", console_end: "Close for everyone",
    console_connecting: "Connecting", console_open: "Connected", console_closed: "Closed",
    messages: "Messages from the white cell", message_to: "To (team, or all)",
    message_text: "Message", message_send: "Send message", from: "From",
    no_messages: "No messages yet.", new_message: "New message from the white cell: ",
  },
  vi: {
    title: "Cổng thông tin livefire", account: "Tài khoản", password: "Mật khẩu",
    login: "Đăng nhập", logout: "Đăng xuất", scoreboard: "Bảng điểm", dashboard: "Tổng quan",
    report: "Báo cáo", red: "Cờ và phát hiện", white: "Tổ điều hành", submissions: "Bài đã gửi",
    team_score: "Điểm của đội", total: "Tổng", rank: "Hạng", category: "Hạng mục",
    share: "Tỷ lệ so với tối đa", points: "Điểm", weight: "Trọng số", tasks: "Nhiệm vụ",
    task: "Nhiệm vụ", due: "Hạn", left: "Còn lại", state: "Trạng thái",
    respond: "Trả lời nhiệm vụ", send: "Gửi", ledger: "Sổ điểm", time: "Thời gian",
    change: "Thay đổi", reason: "Lý do", report_title: "Báo cáo sự cố", node: "Máy",
    technique: "Kỹ thuật ATT&CK", observed: "Thời điểm phát hiện (giờ diễn tập)",
    description: "Mô tả", flag_title: "Cờ", flag: "Cờ", against: "Đội bị tấn công",
    finding_title: "Phát hiện", vulnerability: "Lỗ hổng hoặc CWE", evidence: "Bằng chứng",
    pause: "Tạm dừng", resume: "Tiếp tục", speed: "Tốc độ", set: "Đặt", inject: "Tình huống",
    team: "Đội", fire: "Kích hoạt", seq: "Số thứ tự bài gửi", rubric: "Mức chấm",
    comment: "Nhận xét", grade: "Chấm điểm", kind: "Loại", what: "Nội dung",
    acknowledged: "Đã nhận", live: "Trực tiếp", blue_teams: "Đội xanh", red_teams: "Đội đỏ",
    bad_login: "Sai tài khoản hoặc mật khẩu.",
    too_many: "Đăng nhập sai quá nhiều lần. Hãy thử lại sau.", ack: "Đã nhận, số #",
    responded: "đã trả lời", open: "đang mở", graded: "đã chấm", no_deadline: "không có hạn",
    overdue: "quá hạn", lang_switch: "English", refused: "Bị từ chối: ",
    not_graded: "chưa chấm", paused: "tạm dừng", consoles: "Bảng điều khiển máy",
    console_title: "Bảng điều khiển", console_end: "Đóng cho mọi người",
    console_connecting: "Đang kết nối", console_open: "Đã kết nối", console_closed: "Đã đóng",
    messages: "Tin nhắn của tổ điều hành", message_to: "Gửi đến (đội, hoặc all)",
    message_text: "Tin nhắn", message_send: "Gửi tin nhắn", from: "Người gửi",
    no_messages: "Chưa có tin nhắn.", new_message: "Tin nhắn mới của tổ điều hành: ",
  },
};

const lf = {
  csrf: "",
  lang() {
    const chosen = localStorage.getItem("lf-lang");
    if (chosen === "en" || chosen === "vi") return chosen;
    return document.documentElement.lang === "vi" ? "vi" : "en";
  },
  t(key) {
    return (LF_TEXT[lf.lang()] || LF_TEXT.en)[key] || LF_TEXT.en[key] || key;
  },
  translate() {
    document.documentElement.lang = lf.lang();
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = lf.t(el.dataset.i18n);
    const sw = document.getElementById("lang");
    if (sw) sw.textContent = lf.t("lang_switch");
  },
  setupLanguage(onChange) {
    lf.translate();
    const sw = document.getElementById("lang");
    if (sw) sw.addEventListener("click", () => {
      localStorage.setItem("lf-lang", lf.lang() === "vi" ? "en" : "vi");
      lf.translate();
      if (onChange) onChange();
    });
  },
  // fetch with the session cookie; state-changing calls carry the CSRF token.
  async api(path, body) {
    const opts = {credentials: "same-origin", headers: {}};
    if (body !== undefined) {
      opts.method = "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = lf.csrf;
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    let data = {};
    try { data = await res.json(); } catch (e) { data = {}; }
    if (res.status === 401 && !path.startsWith("/api/login")) {
      location.href = "/login";
    }
    return {status: res.status, data};
  },
  // A table row of text cells.
  row(cells) {
    const tr = document.createElement("tr");
    for (const c of cells) {
      const td = document.createElement("td");
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === undefined ? "" : String(c);
      tr.appendChild(td);
    }
    return tr;
  },
  fill(tbody, rows) {
    tbody.replaceChildren(...rows.map(r => lf.row(r)));
  },
  duration(ns) {
    const s = Math.max(0, Math.floor(ns / 1e9));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + "h" : "") + (h || m ? m + "m" : "") + r + "s";
  },
  errorText(data) {
    return (data && data.error && data.error.message) || "";
  },
};
