scenario { name = "fixture", security_level = 3, duration = "2h" }
team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24" }
network "red" { cidr = "172.30.0.0/24", zone = "shared" }
allow { from = "red", to = "dmzz", ports = {80} }
node "web" {
  template = "micro",
  iface { network = "dmz", address = "10.10.1.10" },
  service "http" { port = 80, reachable_from = {"red"} },
  vuln "cgi-cmd-injection" { service = "http" },
}
node "attacker" { template = "micro", iface { network = "red", address = "172.30.0.10" } }
inject "probe" { owner = "red", at = "10m", run = function(ctx) return true end }
