# Sourced by every vm-templates/NAME/build.sh (set TEMPLATE=NAME first): the
# strict prologue, messages, package queries and the subcommand dispatch of
# the template contract (docs/vm-templates.md). vm-templates/build.sh puts
# this file's hash into every template's cache stamp.
set -euo pipefail
umask 022
export LC_ALL=C

: "${TEMPLATE:?set TEMPLATE before sourcing vm-templates/lib.sh}"
STATE_DIR=${LIVEFIRE_STATE_DIR:-/var/lib/livefire}
CACHE_DIR=${LIVEFIRE_CACHE_DIR:-$STATE_DIR/cache}
# Fixed mtime for every file of an image, so identical inputs give identical bytes.
EPOCH=${SOURCE_DATE_EPOCH:-1704067200}

die() { echo "$TEMPLATE: error: $*" >&2; exit 1; }
say() { echo "$TEMPLATE: $*" >&2; }

pkg_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null; }
pkg_installed() { [ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

# Every file of the tree gets EPOCH as its mtime.
stamp_tree() { find "$1" -xdev -exec touch -h -d "@$EPOCH" {} + 2>/dev/null || true; }

# The build-info.json member listing OUTDIR's artifacts with their sizes:
#   "artifacts": {"initrd.img": 123, "vmlinuz": 456}
artifact_sizes() { # OUTDIR
  local f sep="" out='"artifacts": {'
  for f in "$1"/*; do
    [ -f "$f" ] && [ "${f##*/}" != build-info.json ] || continue
    out+="$sep\"${f##*/}\": $(stat -c %s "$f")"
    sep=", "
  done
  printf '%s}' "$out"
}

# deps | inputs | build OUTDIR, from the template's DEPS, cmd_inputs and
# cmd_build; anything else goes to cmd_more when the template has one.
template_main() {
  case ${1:-} in
    deps) printf '%s\n' "${DEPS[@]}" ;;
    inputs) cmd_inputs ;;
    build) shift; cmd_build "$@" ;;
    *)
      if declare -F cmd_more >/dev/null; then cmd_more "$@"; else
        echo "usage: $0 deps|inputs|build OUTDIR" >&2
        exit 2
      fi
      ;;
  esac
}
