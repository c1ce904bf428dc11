-- A small exercise for the runtime tests: one web server per blue team and a
-- shared attacker, with injects that use every part of the inject API.

scenario {
  name = "mini", title = "Runtime test range", organisation = "livefire tests",
  year = 2026, security_level = 3, duration = "30m", seed = 7,
}

team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue", members = 5 }
team "blue2" { role = "blue", members = 5 }

network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }
network "red" { cidr = "172.30.0.0/24", zone = "shared" }
allow { from = "red", to = "dmz", protocol = "tcp", ports = {80} }

node "web" {
  template = "micro", security_level = 4, value = 2,
  iface { network = "dmz", address = "10.10.1.10" },
  service "http" { port = 80, reachable_from = {"red"},
                   check = { kind = "http", path = "/", expect = "Welcome" } },
  vuln "cgi-cmd-injection" { cwe = "CWE-78", severity = "critical", service = "http" },
  file { path = "/root/flag.txt", content = "FLAG{mini-web}" },
}

node "attacker" {
  template = "micro",
  iface { network = "red", address = "172.30.0.10" },
}

objective "root-web" { kind = "read_flag", node = "web", path = "/root/flag.txt",
                       flag = "FLAG{mini-web}", points = 50 }
objective "deface-web" { kind = "deface", node = "web", service = "http", path = "/", points = 40 }

inject "probe" {
  owner = "red", technique = "T1595", target = "web", at = "00:01:00",
  run = function(ctx)
    local r = ctx.exec("attacker", "wget -qO- http://" .. ctx.addr("web") .. "/")
    ctx.log("probe answered " .. tostring(r.code))
    return r.code == 0
  end,
}

inject "exploit" {
  owner = "red", technique = "T1190", target = "web",
  after = { inject = "probe", on = "success", delay = "1m" },
  repeats = 3, every = "1m", until_success = true, points = { success = 50 },
  run = function(ctx)
    local r = ctx.exec("web", "cat /root/flag.txt")
    if r.code ~= 0 then return false, "flag not readable" end
    return ctx.objective("root-web", r.out)
  end,
}

inject "deface" {
  owner = "red", technique = "T1491.002", target = "web",
  after = { inject = "exploit", on = "success", delay = "2m" },
  run = function(ctx)
    ctx.exec("web", "echo HACKED > /www/index.html")
    return ctx.objective("deface-web")
  end,
}

inject "spin" {
  owner = "red", at = "00:02:00",
  run = function(ctx)
    while true do end
  end,
}

inject "watch" {
  owner = "blue", target = "web", poll = "30s",
  when = function(ctx)
    local r = ctx.exec("web", "cat /var/log/cgi.log")
    return r.out:find("flag", 1, true) ~= nil
  end,
  run = function(ctx)
    ctx.report { node = "web", technique = "T1190", description = "flag read through the CGI" }
    ctx.after("1m", function(ctx) ctx.log("follow-up at " .. ctx.clock()) end)
    return true
  end,
}

inject "press" {
  owner = "white", manual = true, response_due = "20m",
  description = "The press asks about a leak: file a report within 20 minutes",
}
