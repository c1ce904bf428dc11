# Sourced by the weakness scripts (ID.sh): run as root by lf-init after the
# accounts and the services' configuration, before the services start, with
# LF_HOST, LF_SVC (KIND:PORT,...) and LF_VULN in the environment. Output
# goes to /var/log/lf-init.log: never print a secret.
set -euo pipefail
APP=/usr/local/share/lf/app
WWW=/var/www/html
die() { echo "${0##*/}: $*" >&2; exit 1; }
has_svc() { [[ ",${LF_SVC:-}," == *",$1:"* ]]; }

# Lays the vulnerable variant weak/ID/ of the portal application over the
# deployed safe one (lf-init deploys it on http nodes planting php-*).
app_overlay() { # ID
  [ -f "$WWW/inc/query.php" ] || die "the portal application is not deployed (the node needs http)"
  cp -R --no-preserve=mode,ownership "$APP/weak/$1/." "$WWW/"
  chmod -R u=rwX,go=rX "$WWW/inc" && chmod 0640 "$WWW/inc/config.php"
}
