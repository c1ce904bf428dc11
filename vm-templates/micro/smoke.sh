#!/usr/bin/env bash
# End-to-end check of the micro template on real libvirt/QEMU (TCG):
# build, boot one guest on a fresh isolated network, wait for LIVEFIRE-READY,
# talk to qemu-ga, exercise every service and planted vulnerability from the
# host, then remove everything it created (trap, also on failure).
# Needs root, libvirt-daemon-system, qemu-system-x86, curl, busybox-static.
# Exit 0 only if every check passes; last line is "N passed, N failed".
# SMOKE_VERBOSE=1 also prints the guest's service logs.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE_DIR=${LIVEFIRE_STATE_DIR:-/var/lib/livefire}
TPL=$STATE_DIR/templates/micro
BOOT_TIMEOUT=${SMOKE_BOOT_TIMEOUT:-90}
VIRSH=(virsh -q -c qemu:///system)
CURL=(curl -sS --noproxy '*' --max-time 15)

ID=$$
DOM=lf-smoke-micro-$ID
NET=lf-smoke-$ID
BR=lfsm$((ID % 100000))
HOSTNAME_G=smoke$((ID % 1000))
PASSWORD=s3cret-$ID
FLAG="FLAG{micro smoke $ID}"
WORK=""
passed=0 failed=0

say() { echo "smoke: $*"; }
die() { echo "smoke: FATAL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "PASS $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

cleanup() {
  local rc=$?
  set +e
  if "${VIRSH[@]}" dominfo "$DOM" >/dev/null 2>&1; then
    "${VIRSH[@]}" destroy "$DOM" >/dev/null 2>&1
    "${VIRSH[@]}" undefine "$DOM" >/dev/null 2>&1
  fi
  if "${VIRSH[@]}" net-info "$NET" >/dev/null 2>&1; then
    "${VIRSH[@]}" net-destroy "$NET" >/dev/null 2>&1
    "${VIRSH[@]}" net-undefine "$NET" >/dev/null 2>&1
  fi
  [ -z "$WORK" ] || rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (libvirt qemu:///system, bridges)"
for c in virsh curl jq base64 busybox; do
  command -v "$c" >/dev/null || die "$c missing (apt-get install -y libvirt-clients curl jq busybox-static)"
done

# No systemd here: start the daemons if they are not running. libvirt's
# network driver writes <bridge>.macs here even with dnsmasq disabled.
mkdir -p /var/lib/libvirt/dnsmasq
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || libvirtd -d
for _ in $(seq 50); do "${VIRSH[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
"${VIRSH[@]}" version >/dev/null 2>&1 || die "libvirtd not answering on qemu:///system"

say "building template"
"$HERE/../build.sh" micro

# A 10.250.X.0/24 no route or address on this host uses yet.
SUBNET=""
for x in $(seq 77 120); do
  if ! ip -4 route show | grep -q "^10\.250\.$x\." && ! ip -4 addr show | grep -q " 10\.250\.$x\."; then
    SUBNET=10.250.$x
    break
  fi
done
[ -n "$SUBNET" ] || die "no free 10.250.X.0/24 test subnet"
HOST_IP=$SUBNET.1
GUEST_IP=$SUBNET.10

WORK=$(mktemp -d /tmp/lf-smoke.XXXXXX)
chmod 0755 "$WORK" # qemu (libvirt-qemu) opens the console log in here
CONSOLE=$WORK/console.log

# Isolated: no <forward>, no DHCP/DNS (needs no dnsmasq).
cat >"$WORK/net.xml" <<EOF
<network>
  <name>$NET</name>
  <bridge name='$BR' stp='off' delay='0'/>
  <dns enable='no'/>
  <ip address='$HOST_IP' netmask='255.255.255.0'/>
</network>
EOF
"${VIRSH[@]}" net-define "$WORK/net.xml" >/dev/null
"${VIRSH[@]}" net-start "$NET" >/dev/null
say "network $NET bridge $BR $SUBNET.0/24 (isolated)"

pct() { jq -rn --arg s "$1" '$s|@uri'; }
base_cmdline=$(jq -r .kernel_cmdline "$TPL/manifest.json")
CMDLINE="$base_cmdline lf.host=$HOSTNAME_G lf.if=eth0:$GUEST_IP/24 lf.gw=$HOST_IP"
CMDLINE+=" lf.svc=http:80,telnet:23,ftp:21,smtp:25,dns:53"
CMDLINE+=" lf.dns=intranet.lab=$GUEST_IP lf.config=agent"
# Secrets never go on the command line: /init waits for this file, written
# through the guest agent below, as the engine does.
GUEST_CONFIG="lf.vuln=cgi-cmd-injection,weak-password,world-readable-secret,ftp-anonymous,smtp-vrfy-enum
lf.pw=admin:$(pct "$PASSWORD"),alice:alice123
lf.flag=$(pct "$FLAG")
lf.end=1"

mac=$(printf '52:54:00:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
xml=$(<"$HERE/domain.xml.example")
xml=${xml//@NAME@/$DOM}
xml=${xml//@UUID@/$(cat /proc/sys/kernel/random/uuid)}
xml=${xml//@MEMORY_MB@/$(jq -r .resources.memory_mb "$TPL/manifest.json")}
xml=${xml//@VCPUS@/$(jq -r .resources.vcpus "$TPL/manifest.json")}
xml=${xml//@KERNEL@/$TPL/vmlinuz}
xml=${xml//@INITRD@/$TPL/initrd.img}
xml=${xml//@CMDLINE@/$CMDLINE}
xml=${xml//@NETWORK@/$NET}
xml=${xml//@MAC@/$mac}
xml=${xml//@CONSOLE_LOG@/$CONSOLE}
xml=${xml//@EXERCISE@/smoke-$ID}
xml=${xml//@TEAM@/blue}
xml=${xml//@NODE@/$HOSTNAME_G}
printf '%s\n' "$xml" >"$WORK/domain.xml"
"${VIRSH[@]}" define "$WORK/domain.xml" >/dev/null

say "starting $DOM ($GUEST_IP)"
t0=$(date +%s.%N)
"${VIRSH[@]}" start "$DOM" >/dev/null

ga() { "${VIRSH[@]}" qemu-agent-command --timeout 10 "$DOM" "$1"; }
boot_ok=0 config_sent=0
deadline=$((SECONDS + BOOT_TIMEOUT))
while [ $SECONDS -lt $deadline ]; do
  if [ $config_sent = 0 ] && ga '{"execute":"guest-ping"}' >/dev/null 2>&1; then
    h=$(ga '{"execute":"guest-file-open","arguments":{"path":"/run/livefire/config","mode":"w"}}' | jq -r .return)
    ga "$(jq -cn --argjson h "$h" --arg b "$(printf '%s\n' "$GUEST_CONFIG" | base64 -w0)" \
      '{execute:"guest-file-write",arguments:{handle:$h,"buf-b64":$b}}')" >/dev/null
    ga "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$h}}" >/dev/null
    config_sent=1
  fi
  if grep -q "^LIVEFIRE-READY $HOSTNAME_G" "$CONSOLE" 2>/dev/null; then boot_ok=1; break; fi
  grep -q '^LIVEFIRE-DEGRADED' "$CONSOLE" 2>/dev/null && break
  [ "$("${VIRSH[@]}" domstate "$DOM" 2>/dev/null)" = running ] || break
  sleep 0.1
done
t1=$(date +%s.%N)
boot_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
if [ $boot_ok = 1 ]; then
  ok "boot: LIVEFIRE-READY after ${boot_s}s (host wall clock from virsh start)"
else
  bad boot "no LIVEFIRE-READY within ${BOOT_TIMEOUT}s"
  say "console log tail:"; tail -n 40 "$CONSOLE" 2>/dev/null | sed 's/^/  | /'
  echo "$passed passed, $failed failed"
  exit 1
fi
grep -a 'livefire: up after' "$CONSOLE" | sed 's/^/  guest: /'
if grep -aq '^LIVEFIRE-WARN' "$CONSOLE"; then bad warnings "$(grep -a '^LIVEFIRE-WARN' "$CONSOLE" | tr '\n' ';')"; fi

# ---- guest agent --------------------------------------------------------------
ga_ok=0
for _ in $(seq 20); do
  if ga '{"execute":"guest-ping"}' 2>/dev/null | jq -e '.return == {}' >/dev/null; then ga_ok=1; break; fi
  sleep 0.5
done
if [ $ga_ok = 1 ]; then ok "qemu-ga guest-ping"; else bad "qemu-ga guest-ping"; fi

# Run a shell command in the guest via guest-exec; print its stdout.
ga_sh() {
  local req pid st
  req=$(jq -cn --arg c "$1" '{execute:"guest-exec",arguments:{path:"/bin/sh",arg:["-c",$c],"capture-output":true}}')
  pid=$(ga "$req" | jq -r .return.pid) || return 1
  for _ in $(seq 50); do
    st=$(ga "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || return 1
    if [ "$(jq -r .return.exited <<<"$st")" = true ]; then
      jq -r '.return["out-data"] // ""' <<<"$st" | base64 -d
      return "$(jq -r '.return.exitcode // 1' <<<"$st")"
    fi
    sleep 0.2
  done
  return 1
}
out=$(ga_sh 'cat /etc/hostname; uname -r' || true)
if [ "$(head -n1 <<<"$out")" = "$HOSTNAME_G" ]; then
  ok "guest-exec: hostname=$(head -n1 <<<"$out") kernel=$(sed -n 2p <<<"$out")"
else
  bad "guest-exec cat /etc/hostname" "got '$out'"
fi

# ---- services from the host ---------------------------------------------------------
page=$("${CURL[@]}" "http://$GUEST_IP/" || true)
if grep -q "<h1>$HOSTNAME_G</h1>" <<<"$page"; then ok "http GET /"; else bad "http GET /" "$(head -c 200 <<<"$page")"; fi

out=$("${CURL[@]}" "http://$GUEST_IP/cgi-bin/ping.cgi?host=127.0.0.1%3Bid%3Bcat%20/root/flag.txt" || true)
if grep -q 'uid=0(root)' <<<"$out" && grep -qF "$FLAG" <<<"$out"; then
  ok "cgi-cmd-injection: ';id;cat /root/flag.txt' ran as root and leaked the flag"
else
  bad "cgi-cmd-injection" "$(head -c 300 <<<"$out")"
fi

out=$("${CURL[@]}" "ftp://$GUEST_IP/" --user "admin:$PASSWORD" --list-only || true)
if grep -q README.txt <<<"$out"; then ok "ftp login admin (weak-password) + LIST"; else bad "ftp login" "$out"; fi
printf 'dropped by anon\n' | "${CURL[@]}" -T - "ftp://$GUEST_IP/pub/anon.txt" --user anonymous:x || true
out=$("${CURL[@]}" "ftp://$GUEST_IP/pub/anon.txt" --user anonymous:x 2>&1 || true)
if grep -q 'dropped by anon' <<<"$out"; then ok "ftp-anonymous upload + download"; else bad "ftp-anonymous" "$out"; fi

printf 'Subject: smoke %s\r\n\r\nhello from the smoke test\r\n' "$ID" >"$WORK/mail.txt"
if "${CURL[@]}" "smtp://$GUEST_IP" --mail-from "red@attacker.lab" --mail-rcpt "alice@$HOSTNAME_G" \
  -T "$WORK/mail.txt" >/dev/null 2>&1 &&
  ga_sh 'cat /var/spool/mail/alice' | grep -q "Subject: smoke $ID"; then
  ok "smtp delivery to /var/spool/mail/alice"
else
  bad "smtp delivery"
fi
vrfy=$(timeout 15 bash -c "exec 3<>/dev/tcp/$GUEST_IP/25; printf 'VRFY alice\r\nVRFY nosuchuser\r\nQUIT\r\n' >&3; cat <&3" || true)
if grep -q '^250 2.0.0 alice' <<<"$vrfy" && grep -q '^550 ' <<<"$vrfy"; then
  ok "smtp-vrfy-enum: VRFY tells alice (250) from nosuchuser (550)"
else
  bad "smtp-vrfy-enum" "$(tr -d '\r' <<<"$vrfy" | tr '\n' '|')"
fi

out=$(timeout 15 busybox nslookup intranet.lab "$GUEST_IP" 2>&1 || true)
if grep -q "Address: *$GUEST_IP" <<<"$out" || grep -q "Address 1: $GUEST_IP" <<<"$out"; then
  ok "dns: intranet.lab -> $GUEST_IP"
else
  bad "dns" "$(tr '\n' '|' <<<"$out")"
fi

# Telnet login with the planted credentials; telnetd's option negotiation
# needs no answer, so a plain TCP stream with prompt matching is enough.
telnet_session() { # USER PASS COMMAND
  local buf="" c
  exec 3<>"/dev/tcp/$GUEST_IP/23" || return 1
  upto() {
    local end=$((SECONDS + 20))
    while [ $SECONDS -lt $end ]; do
      if IFS= read -r -t 1 -n 1 -u 3 c; then buf+=${c:-$'\n'}; [[ $buf == *"$1"* ]] && return 0; fi
    done
    return 1
  }
  # shellcheck disable=SC2016 # $((40+2)) is for the guest shell to expand
  upto 'login: ' && printf '%s\r\n' "$1" >&3 &&
    upto 'Password: ' && printf '%s\r\n' "$2" >&3 &&
    upto '# ' && printf '%s; echo LF-DONE-$((40+2)); exit\r\n' "$3" >&3 && upto 'LF-DONE-42'
  exec 3<&-
  printf '%s' "$buf" | tr -d '\r\000\200-\377'
}
out=$(telnet_session admin "$PASSWORD" id || true)
if grep -q "Welcome to $HOSTNAME_G" <<<"$out" && grep -q 'LF-DONE-42' <<<"$out" && grep -q 'uid=0(root)' <<<"$out"; then
  ok "telnet login as admin (weak-password): uid 0 shell"
else
  bad "telnet login" "$(tail -c 300 <<<"$out")"
fi

# ---- planted files and logs, checked from inside via the agent ----------------------------
out=$(ga_sh 'stat -c "%a %n" /var/backups/credentials.txt /root/flag.txt; grep -c "^admin:" /var/backups/credentials.txt' || true)
if grep -q '^644 /var/backups/credentials.txt' <<<"$out" && grep -q '^600 /root/flag.txt' <<<"$out" && [ "$(tail -n1 <<<"$out")" = 1 ]; then
  ok "world-readable-secret 0644 with credentials, flag 0600"
else
  bad "planted files" "$(tr '\n' '|' <<<"$out")"
fi
# busybox httpd logs the path without the query; ping.cgi logs the decoded parameter.
out=$(ga_sh 'cd /var/log && grep -H "" http.log cgi.log ftp.log smtp.log telnet.log dns.log messages' || true)
if grep -q "^http.log:.* $HOST_IP:[0-9]*: url:/cgi-bin/ping.cgi" <<<"$out" &&
  grep -q "^cgi.log:.* $HOST_IP ping.cgi host=127.0.0.1;id" <<<"$out" &&
  grep -q "^ftp.log:.*tcpsvd: start .*-$HOST_IP:" <<<"$out" && grep -q "^ftp.log:.*USER anonymous" <<<"$out" &&
  grep -q "^smtp.log:.* $HOST_IP:[0-9]* < VRFY nosuchuser" <<<"$out" &&
  grep -q "^telnet.log:.*tcpsvd: start .*-$HOST_IP:" <<<"$out" && grep -q "^messages:.*login" <<<"$out"; then
  ok "attacks visible with source address in /var/log/{http,cgi,ftp,smtp,telnet}.log, logins in messages"
  if [ "${SMOKE_VERBOSE:-0}" != 0 ]; then
    while IFS= read -r l; do echo "  guest log: $l"; done <<<"$out"
  fi
else
  bad "service logs" "$out"
fi

# ---- resources ----------------------------------------------------------------------------
pid=$(cat "/run/libvirt/qemu/$DOM.pid" 2>/dev/null || true)
rss_mb=$(awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || echo "?")
say "qemu pid $pid RSS ${rss_mb} MiB, boot ${boot_s}s"

# ---- graceful shutdown through the agent (/sbin/shutdown -> busybox init) ---------------------
t0=$SECONDS
sd_err=$("${VIRSH[@]}" shutdown --mode agent "$DOM" 2>&1 >/dev/null) || true
for _ in $(seq 300); do
  [ "$("${VIRSH[@]}" domstate "$DOM" 2>/dev/null)" = running ] || break
  sleep 0.2
done
state=$("${VIRSH[@]}" domstate "$DOM" 2>/dev/null || true)
if [ "$state" = "shut off" ]; then
  ok "agent shutdown (powered off after $((SECONDS - t0))s)"
else
  bad "agent shutdown" "state '$state' after $((SECONDS - t0))s ${sd_err}"
  tail -n 5 "$CONSOLE" | sed 's/^/  | /'
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
