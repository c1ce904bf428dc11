#!/usr/bin/env bash
# Build a VM template: vm-templates/build.sh [--force] NAME
#
# Runs vm-templates/NAME/build.sh into
#   ${LIVEFIRE_STATE_DIR:-/var/lib/livefire}/templates/NAME/
# and skips the work when the cache stamp (a sha256 over this script, the
# template's files, vm-templates/lib.sh and the template's declared external
# inputs) is unchanged.
# Template contract: docs/vm-templates.md.
set -euo pipefail
umask 022
export LC_ALL=C

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE_DIR=${LIVEFIRE_STATE_DIR:-/var/lib/livefire}
# Packages this script itself uses; each template adds its own via `build.sh deps`.
BASE_DEPS=(bash coreutils findutils util-linux jq dpkg)

die() { echo "build.sh: error: $*" >&2; exit 1; }

force=0
case ${1:-} in
  --force) force=1; shift ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
[ $# -eq 1 ] || die "usage: $0 [--force] NAME"
name=$1
case $name in ''|*[!a-z0-9_-]*) die "bad template name '$name' (use [a-z0-9_-])" ;; esac
tdir=$HERE/$name
[ -f "$tdir/build.sh" ] || die "no template '$name' (expected $tdir/build.sh)"
[ -f "$tdir/manifest.json" ] || die "template '$name' has no manifest.json"

# ---- dependency check -------------------------------------------------------
missing=()
deps=$(bash "$tdir/build.sh" deps) || die "$name/build.sh deps failed"
for p in "${BASE_DEPS[@]}" $deps; do
  [ "$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] ||
  die "missing Debian packages: ${missing[*]} -- run: apt-get install -y ${missing[*]}"

jq -e --arg n "$name" '.name == $n' "$tdir/manifest.json" >/dev/null ||
  die "$tdir/manifest.json is not valid JSON or its name is not \"$name\""

# ---- cache stamp ----------------------------------------------------------------
# Docs, the smoke test and examples do not change the artifacts: left out.
inputs=$(
  echo "builder $(sha256sum "$0" | cut -d' ' -f1)"
  echo "lib $(sha256sum "$HERE/lib.sh" | cut -d' ' -f1)"
  (cd "$tdir" && find . -type f ! -name '*.md' ! -name 'smoke.sh' ! -name '*.example' -print0 |
    sort -z | xargs -0 sha256sum | sed 's/^/file /')
  bash "$tdir/build.sh" inputs | sed 's/^/input /'
) || die "$name/build.sh inputs failed"
stamp=$(sha256sum <<<"$inputs" | cut -d' ' -f1)

out=$STATE_DIR/templates/$name
mkdir -p "$STATE_DIR/templates" || die "cannot create $STATE_DIR/templates (run as root or set LIVEFIRE_STATE_DIR)"
exec 9>"$STATE_DIR/templates/.$name.lock"
flock 9 || die "cannot lock $STATE_DIR/templates/.$name.lock"

artifacts_ok() { # DIR
  local b
  b=$(jq -r '.boot' "$tdir/manifest.json")
  [ -s "$1/manifest.json" ] || return 1
  case $b in
    direct-kernel) [ -s "$1/vmlinuz" ] && [ -s "$1/initrd.img" ] ;;
    disk) [ -s "$1/base.qcow2" ] ;;
    *) echo "build.sh: unknown boot type '$b' in manifest" >&2; return 1 ;;
  esac
}

report() { # DIR
  local f
  for f in "$1"/*; do
    [ -f "$f" ] || continue
    printf '  %-16s %10s bytes  sha256 %s\n' "${f##*/}" "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-16)"
  done
}

if [ $force -eq 0 ] && [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$stamp" ] && artifacts_ok "$out"; then
  echo "$name: up to date (stamp ${stamp:0:16}) in $out"
  report "$out"
  exit 0
fi

# ---- build into a new version dir, then switch the symlink --------------------
# templates/NAME is a symlink to templates/.NAME.XXXXXX. Switching it is one
# rename(2), so guests being started while a rebuild lands (the engine may be
# running) see either the old or the new artifacts, never a half-written set.
echo "$name: building (stamp ${stamp:0:16}) -> $out"
start=$(date +%s)
tmp=$(mktemp -d "$STATE_DIR/templates/.$name.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bash "$tdir/build.sh" build "$tmp" || die "$name/build.sh build failed"
install -m 0644 "$tdir/manifest.json" "$tmp/manifest.json"
artifacts_ok "$tmp" || die "$name/build.sh did not produce the artifacts its manifest's boot type needs"
printf '%s\n' "$inputs" >"$tmp/inputs.txt"
echo "$stamp" >"$tmp/.stamp"
chmod 0755 "$tmp"

prev=""
if [ -L "$out" ]; then
  prev=$(readlink "$out")
elif [ -e "$out" ]; then
  # Layout of older builds: a plain directory. Move it aside once.
  prev=.$name.legacy-$$
  mv -T "$out" "$STATE_DIR/templates/$prev"
fi
ln -sfn "${tmp##*/}" "$STATE_DIR/templates/.$name.link.$$"
mv -Tf "$STATE_DIR/templates/.$name.link.$$" "$out"
trap - EXIT
# Keep the previous version (a guest may be booting from it); drop older ones.
find "$STATE_DIR/templates" -mindepth 1 -maxdepth 1 -type d -name ".$name.*" \
  ! -name "${tmp##*/}" ! -name "${prev:-/}" -exec rm -rf {} +
echo "$name: built in $(($(date +%s) - start))s -> $out -> ${tmp##*/}"
report "$out"
