#!/usr/bin/env bash
# debian template: Debian 12 from Debian packages only (mmdebstrap from the
# host's configured Debian mirror), as a qcow2 base image plus the image's own
# kernel and initrd for direct-kernel boot. Called by vm-templates/build.sh,
# which owns caching:
#   build.sh deps          Debian packages this build needs (one per line)
#   build.sh inputs        lines naming every external input (for the cache stamp)
#   build.sh build OUTDIR  write OUTDIR/base.qcow2, vmlinuz, initrd.img, build-info.json
#
# No loop mounts: mmdebstrap writes a tarball (cached under
# $LIVEFIRE_CACHE_DIR/debian/, keyed by packages.txt, the mirror and the
# mmdebstrap version), rootfs/ is laid over it and `mkfs.ext4 -d` turns the
# tree into a filesystem image, converted by qemu-img.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATE=debian
. "$HERE/../lib.sh"
SUITE=bookworm
# Mirror: the first deb.debian.org-style URI of the host's apt sources for
# Debian main (what the machine is configured to reach), or LIVEFIRE_DEBIAN_MIRROR.
SIZE_GB=4
DEPS=(mmdebstrap qemu-utils e2fsprogs tar apt coreutils findutils)

# MIRROR, SEC_MIRROR: from the host's apt configuration (deb822 or one-line).
resolve_mirror() {
  MIRROR=${LIVEFIRE_DEBIAN_MIRROR:-}
  SEC_MIRROR=${LIVEFIRE_DEBIAN_SECURITY_MIRROR:-}
  local f uris
  if [ -z "$MIRROR" ] || [ -z "$SEC_MIRROR" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -e "$f" ] || continue
      while read -r uris; do
        case $uris in
          *debian-security*) [ -n "$SEC_MIRROR" ] || SEC_MIRROR=$uris ;;
          *) [ -n "$MIRROR" ] || MIRROR=$uris ;;
        esac
      done < <(awk '/^URIs:/ {print $2}' "$f")
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -e "$f" ] || continue
      while read -r uris; do
        case $uris in
          *debian-security*) [ -n "$SEC_MIRROR" ] || SEC_MIRROR=$uris ;;
          *) [ -n "$MIRROR" ] || MIRROR=$uris ;;
        esac
      done < <(awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' "$f")
    done
  fi
  [ -n "$MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list{,.d} (set LIVEFIRE_DEBIAN_MIRROR)"
}

packages() { grep -v -e '^#' -e '^[[:space:]]*$' "$HERE/packages.txt"; }

cmd_inputs() {
  resolve_mirror
  echo "suite $SUITE"
  echo "mirror $MIRROR"
  echo "security-mirror ${SEC_MIRROR:-none}"
  echo "epoch $EPOCH"
  echo "size-gb $SIZE_GB"
  local p
  for p in mmdebstrap e2fsprogs qemu-utils; do echo "pkg $p $(pkg_version "$p")"; done
}

# The mmdebstrap tarball: the slow, network-bound part, so it is cached by
# everything that shapes it (rootfs/ overlay changes reuse it).
bootstrap_tar() {
  local key tar dir hooks
  key=$( { echo "$SUITE $MIRROR ${SEC_MIRROR:-}"; packages; pkg_version mmdebstrap; echo "$EPOCH"; } |
    sha256sum | cut -c1-32)
  dir=$CACHE_DIR/debian
  tar=$dir/rootfs-$key.tar
  BOOTSTRAP_KEY=$key
  if [ -s "$tar" ]; then
    say "mmdebstrap tree from cache ($key)"
    BOOTSTRAP_TAR=$tar
    return
  fi
  mkdir -p "$dir"
  local sources="deb $MIRROR $SUITE main"$'\n'"deb $MIRROR $SUITE-updates main"
  [ -z "${SEC_MIRROR:-}" ] || sources+=$'\n'"deb $SEC_MIRROR $SUITE-security main"
  say "mmdebstrap $SUITE from $MIRROR ($(packages | wc -l) packages)"
  local t0=$SECONDS
  # Docs, man pages and locales are left out by dpkg path filters.
  SOURCE_DATE_EPOCH=$EPOCH mmdebstrap --variant=minbase --mode=root --format=tar \
    --include="$(packages | paste -sd, -)" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --aptopt='APT::Install-Recommends "false"' \
    --essential-hook='echo "postfix postfix/main_mailer_type select Local only" | chroot "$1" debconf-set-selections' \
    "$SUITE" "$tar.tmp" - <<<"$sources" >&2 || { rm -f "$tar.tmp"; die "mmdebstrap failed (is the Debian mirror $MIRROR reachable?)"; }
  mv "$tar.tmp" "$tar"
  say "mmdebstrap took $((SECONDS - t0))s"
  # Keep only this tree: older keys are stale.
  find "$dir" -maxdepth 1 -name 'rootfs-*.tar' ! -name "${tar##*/}" -delete
  BOOTSTRAP_TAR=$tar
}

cmd_build() {
  local out=${1:?usage: build.sh build OUTDIR} work root kver t0=$SECONDS
  mkdir -p "$out"
  resolve_mirror
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/lf-debian.XXXXXX")
  WORK=$work
  trap 'rm -rf "$WORK"' EXIT
  root=$work/root
  mkdir -p "$root"
  bootstrap_tar
  tar -C "$root" --numeric-owner -xpf "$BOOTSTRAP_TAR"
  # Tree customisation (services off, per-node identity removed) runs here,
  # not in mmdebstrap, so changing it reuses the cached tarball.
  bash "$HERE/customize.sh" "$root" || die "customize.sh failed"

  # Overlay from the repo; modes are set here, not taken from the checkout.
  cp -R --no-preserve=mode,ownership "$HERE/rootfs/." "$root/"
  chmod 0755 "$root"/usr/local/sbin/*
  chmod 0644 "$root/etc/systemd/system/lf-init.service"
  # Weakness scripts and the application (vm-templates/debian/{weaknesses,app}/)
  # ship in the image; lf-init runs weaknesses/ID.sh for each planted ID.
  if [ -d "$HERE/weaknesses" ]; then
    install -d -m 0755 "$root/usr/local/lib/lf/weaknesses"
    cp -R --no-preserve=mode,ownership "$HERE/weaknesses/." "$root/usr/local/lib/lf/weaknesses/"
    find "$root/usr/local/lib/lf/weaknesses" -name '*.sh' -exec chmod 0755 {} +
  fi
  if [ -d "$HERE/app" ]; then
    install -d -m 0755 "$root/usr/local/share/lf/app"
    cp -R --no-preserve=mode,ownership "$HERE/app/." "$root/usr/local/share/lf/app/"
    chmod 0755 "$root/usr/local/share/lf/app/setup.sh"
  fi
  mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
  ln -sf /etc/systemd/system/lf-init.service "$root/etc/systemd/system/multi-user.target.wants/lf-init.service"

  kver=$(find "$root/boot" -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n1)
  [ -n "$kver" ] || die "no kernel in the image's /boot"
  [ -s "$root/boot/initrd.img-$kver" ] || die "no initrd for $kver in the image's /boot"
  install -m 0644 "$root/boot/vmlinuz-$kver" "$out/vmlinuz"
  install -m 0644 "$root/boot/initrd.img-$kver" "$out/initrd.img"
  install -d -m 0755 "$root/etc/lf"
  cat >"$root/etc/lf/build-info" <<INFO
template=debian
kernel=$kver
suite=$SUITE
bootstrap=$BOOTSTRAP_KEY
INFO

  # ext4 straight from the tree: no loop device, no root mount.
  local raw=$work/disk.raw
  stamp_tree "$root"
  E2FSPROGS_FAKE_TIME=$EPOCH mkfs.ext4 -q -F -L lf-root -d "$root" -E root_owner=0:0 \
    -U clear -T default "$raw" "${SIZE_GB}G" >&2 || die "mkfs.ext4 -d failed"
  qemu-img convert -q -f raw -O qcow2 -o compression_type=zlib -c "$raw" "$out/base.qcow2" ||
    die "qemu-img convert failed"
  chmod 0444 "$out/base.qcow2"

  cat >"$out/build-info.json" <<INFO
{
  "template": "debian",
  "suite": "$SUITE",
  "mirror": "$MIRROR",
  "kernel_release": "$kver",
  "packages": $(packages | jq -R . | jq -sc .),
  "installed_packages": $(chroot "$root" dpkg-query -W -f '${binary:Package}\n' | wc -l),
  "tree_bytes": $(du -sb "$root" | cut -f1),
  $(artifact_sizes "$out"),
  "build_seconds": $((SECONDS - t0))
}
INFO
  say "base.qcow2 $(du -h "$out/base.qcow2" | cut -f1) (tree $(du -sh "$root" | cut -f1)), $((SECONDS - t0))s"
}

# `bootstrap`: only the cached mmdebstrap tarball (to prefetch it).
cmd_more() {
  [ "${1:-}" = bootstrap ] || { echo "usage: $0 deps|inputs|build OUTDIR|bootstrap" >&2; exit 2; }
  resolve_mirror
  bootstrap_tar
  echo "$BOOTSTRAP_TAR"
}

template_main "$@"
