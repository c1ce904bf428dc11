-- Injects that try to break the inject sandbox (inject_sandbox_test.cc):
-- each run must stay inside its own team and end with file:line on abuse.

scenario {
  name = "sandbox", title = "Sandbox test range", organisation = "livefire tests",
  year = 2026, security_level = 3, duration = "30m", seed = 7,
}

team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue", members = 5 }
team "blue2" { role = "blue", members = 5 }

network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }

node "web" {
  template = "micro",
  iface { network = "dmz", address = "10.10.1.10" },
}

-- Scenario data: each team gets its own copy on first use.
LOOT = { found = {} }

inject "poison-strings" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    getmetatable("").__index = function() return nil end
    return true
  end,
}

inject "poison-library" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    string.upper = function() return "pwned" end
    return true
  end,
}

inject "use-strings" {
  owner = "blue", at = "00:01:00",
  run = function(ctx)
    local up = ("abc"):upper()
    local sub = ("a-b"):gsub("-", "+")
    return up == "ABC" and sub == "a+b", up .. " " .. sub
  end,
}

inject "leak" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    LEAK = ctx.team
    LOOT.found.password = "hunter2"
    ctx.shared.note = "from " .. ctx.team
    return true
  end,
}

inject "peek" {
  owner = "blue", at = "00:01:00",
  run = function(ctx)
    return true, string.format("LEAK=%s password=%s shared=%s", tostring(LEAK),
                               tostring(LOOT.found.password), tostring(ctx.shared.note))
  end,
}

inject "after-negative" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    ctx.after(-1, function() end)
    return true
  end,
}

inject "after-huge" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    ctx.after(1e300, function() end)
    return true
  end,
}

inject "after-too-late" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    ctx.after("2h", function() end)
    return true
  end,
}

inject "after-ok" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    ctx.after("1m", function() end)
    ctx.after(90, function() end)
    return true
  end,
}

inject "redos" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    return string.find(string.rep("a", 30), string.rep("a*", 30) .. "b")
  end,
}

inject "deep" {
  owner = "red", at = "00:01:00",
  run = function(ctx)
    local function f()
      local r = ("x"):gsub(".", f)
      return r
    end
    return f()
  end,
}
