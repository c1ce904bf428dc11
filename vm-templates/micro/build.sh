#!/usr/bin/env bash
# micro template: Debian cloud kernel + a busybox/qemu-ga initramfs, booted
# direct-kernel. Called by vm-templates/build.sh, which owns caching:
#   build.sh deps          Debian packages this build needs (one per line)
#   build.sh inputs        lines naming every external input (for the cache stamp)
#   build.sh build OUTDIR  write OUTDIR/vmlinuz, OUTDIR/initrd.img, OUTDIR/build-info.json
#
# Kernel source (LIVEFIRE_KERNEL_SOURCE): the kernel is the package that the
# linux-image-cloud-amd64 metapackage depends on (installed one if installed,
# else apt's candidate), so the choice never depends on what else sits in /boot.
#   auto (default): use that package's installed files if it is installed,
#                   otherwise `apt-get download` it and unpack with dpkg-deb -x
#   host | deb:     force one of the two
# Busybox is built from the Debian source package whose version matches the
# installed busybox-static (Debian's binary lacks tcpsvd, ftpd and dnsd).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATE=micro
. "$HERE/../lib.sh"
KERNEL_SOURCE=${LIVEFIRE_KERNEL_SOURCE:-auto}
KERNEL_META=linux-image-cloud-amd64
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
         failover net_failover virtio_net virtio_console virtio_balloon)
# Packet filtering for router nodes: a forward-chain filter with connection
# tracking, logging (nf_log_syslog is the printk backend nft_log asks for by
# name, so no depends= pulls it in), rate limits and reject. Shipped in
# /lib/modules/nft/ and loaded only on routers (lf.router=1 or firewall-apply).
# nf_conntrack_ftp backs the ruleset's ct helper "ftp" (passive-mode data
# connections are then "related" and pass); nft_objref is the `ct helper set`
# reference to it (requested by name at run time, like nf_log_syslog).
NFT_MODULES=(nf_tables nfnetlink nf_conntrack nf_defrag_ipv4 nf_defrag_ipv6 nft_ct nft_log
             nf_log_syslog nft_limit nft_reject nft_reject_inet nf_reject_ipv4 nf_reject_ipv6
             nf_conntrack_ftp nft_objref)
DEPS=(linux-image-cloud-amd64 busybox-static qemu-guest-agent nftables kmod cpio gzip
      xz-utils zstd bzip2 build-essential dpkg-dev apt coreutils findutils)

# The resolvers below set globals instead of echoing, so that their die()
# runs in the main shell (a die inside $(...) would only end a subshell).

# KPKG/KPKG_VER: the kernel image package the metapackage points at.
resolve_kernel_package() {
  local dep ver
  if pkg_installed "$KERNEL_META"; then
    dep=$(dpkg-query -W -f '${Depends}' "$KERNEL_META" | tr ',' '\n' | grep -o 'linux-image-[^ ]*' | head -n1)
  else
    dep=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '$1=="Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
  fi
  [ -n "$dep" ] || die "cannot resolve the kernel package behind $KERNEL_META (apt-get install -y $KERNEL_META, or apt-get update)"
  if pkg_installed "$dep"; then
    ver=$(pkg_version "$dep")
  else
    ver=$(apt-cache policy "$dep" | awk '$1=="Candidate:" {print $2}')
  fi
  if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then die "no version of $dep is available"; fi
  KPKG=$dep KPKG_VER=$ver
}

# BB_VER: source version of the installed busybox-static.
resolve_busybox_version() {
  BB_VER=$(dpkg-query -W -f '${source:Version}' busybox-static 2>/dev/null) || true
  [ -n "$BB_VER" ] || die "busybox-static is not installed (apt-get install -y busybox-static); its version pins the busybox source"
}

# QGA: path of qemu-ga.
resolve_qemu_ga() {
  QGA=$(dpkg -L qemu-guest-agent 2>/dev/null | grep -E '/sbin/qemu-ga$' | head -n1) || true
  if [ -z "$QGA" ] || [ ! -x "$QGA" ]; then die "qemu-ga not found (apt-get install -y qemu-guest-agent)"; fi
}

# NFT: path of nft (nftables).
resolve_nft() {
  NFT=$(dpkg -L nftables 2>/dev/null | grep -E '/sbin/nft$' | head -n1) || true
  if [ -z "$NFT" ] || [ ! -x "$NFT" ]; then die "nft not found (apt-get install -y nftables)"; fi
}

resolve_all() {
  resolve_kernel_package
  resolve_busybox_version
  resolve_qemu_ga
  resolve_nft
}

# Shared objects (and the ELF interpreter) a binary needs, as ldd names them.
elf_libs() {
  ldd "$1" | awk '$2=="=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u
}

# dpkg owner of a file; merged-/usr means the registered path may differ by /usr.
owner_of() {
  local p=$1 alt
  case $p in /usr/*) alt=${p#/usr} ;; *) alt=/usr$p ;; esac
  { dpkg -S "$p" 2>/dev/null || dpkg -S "$alt" 2>/dev/null || dpkg -S "$(readlink -f "$p")" 2>/dev/null; } |
    head -n1 | sed 's/: .*//'
}

cmd_inputs() {
  local lib pkgs owner
  resolve_all
  echo "kernel $KPKG $KPKG_VER"
  echo "busybox-source $BB_VER"
  echo "modules ${MODULES[*]}"
  echo "nft-modules ${NFT_MODULES[*]}"
  echo "epoch $EPOCH"
  pkgs=$(owner_of "$QGA")$'\n'$(owner_of "$NFT")
  for lib in $( { elf_libs "$QGA"; elf_libs "$NFT"; } | sort -u); do
    owner=$(owner_of "$lib")
    # A library no package owns is tracked by content instead.
    if [ -n "$owner" ]; then pkgs+=$'\n'$owner; else echo "lib $lib $(sha256sum <"$lib" | cut -d' ' -f1)"; fi
  done
  # gcc + libc6-dev are linked into busybox; the rest shape the archive.
  pkgs+=$'\n'"libc6-dev"$'\n'"gcc"$'\n'"cpio"$'\n'"zstd"
  while read -r p; do
    [ -n "$p" ] || continue
    echo "pkg $p $(pkg_version "$p")"
  done < <(sort -u <<<"$pkgs")
  echo "gcc $(gcc -dumpfullversion 2>/dev/null || echo none)"
}

# ---- build steps ----------------------------------------------------------

# Sets KROOT (a tree with boot/vmlinuz-KVER and lib/modules/KVER) and KVER.
get_kernel() {
  local work=$1 pkg=$KPKG ver=$KPKG_VER mode=$KERNEL_SOURCE deb
  KVER=${pkg#linux-image-}
  if [ "$mode" = auto ]; then
    if pkg_installed "$pkg" && [ "$(pkg_version "$pkg")" = "$ver" ]; then mode=host; else mode=deb; fi
  fi
  case $mode in
    host)
      pkg_installed "$pkg" || die "$pkg is not installed (LIVEFIRE_KERNEL_SOURCE=host)"
      KROOT=/
      ;;
    deb)
      mkdir -p "$CACHE_DIR/debs"
      deb=$(find "$CACHE_DIR/debs" -maxdepth 1 -name "${pkg}_*.deb" -print | sort | tail -n1)
      if [ -z "$deb" ] || [ "$(dpkg-deb -f "$deb" Version)" != "$ver" ]; then
        say "downloading $pkg=$ver"
        (cd "$CACHE_DIR/debs" && rm -f "${pkg}"_*.deb &&
          apt-get download -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
          die "apt-get download $pkg=$ver failed (network? try apt-get update)"
        deb=$(find "$CACHE_DIR/debs" -maxdepth 1 -name "${pkg}_*.deb" -print | head -n1)
      fi
      KROOT=$work/kernel
      mkdir -p "$KROOT"
      dpkg-deb -x "$deb" "$KROOT"
      ;;
    *) die "LIVEFIRE_KERNEL_SOURCE must be auto, host or deb (got $mode)" ;;
  esac
  [ -r "$KROOT/boot/vmlinuz-$KVER" ] || die "kernel image $KROOT/boot/vmlinuz-$KVER missing"
  [ -d "$KROOT/lib/modules/$KVER" ] || die "modules dir $KROOT/lib/modules/$KVER missing"
  say "kernel $pkg $ver (from $mode)"
}

# Copy the named modules and their depends= closure into DEST, decompressed,
# and write DEST/load.order in dependency order (a module after everything it
# needs). Sets ORDER.
install_modules() {
  local dest=$1 mdir=$KROOT/lib/modules/$KVER
  shift
  declare -A file=() state=()
  local f n
  while IFS= read -r f; do
    n=${f##*/}; n=${n%%.ko*}; n=${n//-/_}
    file[$n]=$f
  done < <(find "$mdir" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')
  ORDER=()
  visit() {
    local m=${1//-/_} d
    case ${state[$m]:-} in done) return ;; busy) die "module dependency cycle at $m" ;; esac
    [ -n "${file[$m]:-}" ] || die "module $m not found under $mdir (built in? then drop it from MODULES)"
    state[$m]=busy
    for d in $(modinfo -F depends "${file[$m]}" | tr ',' ' '); do visit "$d"; done
    state[$m]="done"
    ORDER+=("$m")
  }
  for n in "$@"; do visit "$n"; done
  mkdir -p "$dest"
  : >"$dest/load.order"
  for n in "${ORDER[@]}"; do
    f=${file[$n]}
    # busybox insmod only takes plain ELF: decompress at build time.
    case $f in
      *.ko.xz) xz -dc "$f" >"$dest/$n.ko" ;;
      *.ko.zst) zstd -qdc "$f" >"$dest/$n.ko" ;;
      *.ko.gz) gzip -dc "$f" >"$dest/$n.ko" ;;
      *) cp "$f" "$dest/$n.ko" ;;
    esac
    echo "$n" >>"$dest/load.order"
  done
  say "modules in ${dest#"$ROOT"} (load order): ${ORDER[*]}"
}

# apt-get source with a private deb-src list derived from the host's deb
# sources, so the host's apt configuration is never touched.
fetch_busybox_source() {
  local ver=$1 dest=$2 apt=$CACHE_DIR/apt-src dl f
  dl=$CACHE_DIR/busybox-src/$ver
  if [ ! -f "$dl/.complete" ]; then
    say "fetching busybox source $ver"
    rm -rf "$apt" "$dl"
    mkdir -p "$apt/lists/partial" "$apt/sources.list.d" "$dl"
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -e "$f" ] || continue
      sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$apt/sources.list.d/${f##*/}"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -e "$f" ] || continue
      sed -nE 's/^deb([[:space:]])/deb-src\1/p' "$f" >"$apt/sources.list.d/$(basename "$f" .list).list"
    done
    local o=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
             -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
             -o "APT::Sandbox::User=root")
    apt-get "${o[@]}" -qq update >&2 || die "apt-get update (deb-src) failed: no Debian mirror reachable?"
    (cd "$dl" && apt-get "${o[@]}" -qq source --download-only "busybox=$ver" >&2) ||
      die "busybox source $ver not on the mirror (apt-get update && apt-get install -y busybox-static to move to the served version)"
    touch "$dl/.complete"
    rm -rf "$apt" # the source lists (~20 MB) are only needed for this fetch
  fi
  f=$(find "$dl" -maxdepth 1 -name 'busybox_*.dsc' | head -n1)
  [ -n "$f" ] || die "no .dsc in $dl"
  dpkg-source -q -x "$f" "$dest" >&2 2>/dev/null || dpkg-source -x "$f" "$dest" >&2 ||
    die "dpkg-source -x failed"
}

build_busybox() {
  local src=$1 out=$2 ver=$BB_VER line key bkey
  # The binary depends only on source, config fragment and toolchain: reuse
  # it across rootfs-only changes.
  bkey=$( { echo "$ver"; cat "$HERE/busybox.config"; gcc -dumpfullversion; pkg_version libc6-dev; echo "$EPOCH"; } |
    sha256sum | cut -c1-32)
  if [ -x "$CACHE_DIR/busybox-bin/$bkey/busybox" ]; then
    say "busybox $ver from cache ($bkey)"
    cp "$CACHE_DIR/busybox-bin/$bkey/busybox" "$out"
    return
  fi
  fetch_busybox_source "$ver" "$src"
  cp "$src/debian/config/pkg/static" "$src/.config"
  # Apply our fragment: drop any existing setting of each key, append ours.
  while IFS= read -r line; do
    case $line in ''|'#'*) continue ;; esac
    key=${line%%=*}
    sed -i -E "/^$key=|^# $key is not set/d" "$src/.config"
    echo "$line" >>"$src/.config"
  done <"$HERE/busybox.config"
  (cd "$src" && { yes "" || :; } | make oldconfig >/dev/null 2>&1) || die "busybox oldconfig failed"
  while IFS= read -r line; do
    case $line in ''|'#'*) continue ;; esac
    grep -qxF "$line" "$src/.config" || die "busybox config did not keep '$line'"
  done <"$HERE/busybox.config"
  say "compiling busybox $ver ($(nproc) jobs)"
  (cd "$src" && SOURCE_DATE_EPOCH=$EPOCH KCONFIG_NOTIMESTAMP=1 \
    make -j"$(nproc)" busybox BB_EXTRA_VERSION="livefire, Debian $ver" >"$src/build.log" 2>&1) ||
    { tail -n 30 "$src/build.log" >&2; die "busybox build failed"; }
  cp "$src/busybox" "$out"
  mkdir -p "$CACHE_DIR/busybox-bin/$bkey"
  cp "$src/busybox" "$CACHE_DIR/busybox-bin/$bkey/busybox.tmp"
  mv "$CACHE_DIR/busybox-bin/$bkey/busybox.tmp" "$CACHE_DIR/busybox-bin/$bkey/busybox"
}

install_busybox() {
  local root=$1 bb=$2 p
  install -D -m 0755 "$bb" "$root/bin/busybox"
  # --list-full gives each applet's canonical path, e.g. usr/sbin/httpd.
  for p in $("$bb" --list-full); do
    [ "$p" = bin/busybox ] && continue
    # A file from rootfs/ (e.g. sbin/shutdown) wins over an applet link.
    [ -e "$root/$p" ] && continue
    mkdir -p "$root/${p%/*}"
    ln -sf /bin/busybox "$root/$p"
  done
}

# A dynamic binary at DEST_PATH with every library ldd lists and the loader.
install_elf() {
  local root=$1 bin=$2 dest=$3 lib
  install -D -m 0755 "$bin" "$root$dest"
  for lib in $(elf_libs "$bin"); do
    install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

cmd_build() {
  local out=${1:?usage: build.sh build OUTDIR} work root
  mkdir -p "$out"
  work=$(mktemp -d "${TMPDIR:-/tmp}/lf-micro.XXXXXX")
  WORK=$work
  trap 'rm -rf "$WORK"' EXIT
  root=$work/root
  ROOT=$root
  mkdir -p "$root"

  resolve_all
  get_kernel "$work"
  build_busybox "$work/busybox-src" "$work/busybox"

  # Overlay tree from the repo. Modes are set here, not taken from the
  # checkout (umask, core.fileMode), so every clone builds the same archive.
  cp -R "$HERE/rootfs/." "$root/"
  find "$root" -type d -exec chmod 0755 {} +
  find "$root" -type f -exec chmod 0644 {} +
  chmod 0755 "$root/init" "$root"/sbin/* "$root"/usr/libexec/lf/* "$root"/usr/share/lf/cgi/*.cgi
  mkdir -p "$root"/{proc,sys,dev,tmp,run,root,home,mnt,var/log,var/spool/mail,var/backups,srv/ftp/pub,etc/lf,www/cgi-bin}
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root"
  chmod 0600 "$root/etc/shadow"
  ln -sfn /run "$root/var/run"

  install_busybox "$root" "$work/busybox"
  install_elf "$root" "$QGA" /usr/sbin/qemu-ga
  install_elf "$root" "$NFT" /usr/sbin/nft
  install_modules "$root/lib/modules/nft" "${NFT_MODULES[@]}"
  local nft_order=("${ORDER[@]}")
  install_modules "$root/lib/modules" "${MODULES[@]}"

  cat >"$root/etc/lf/build-info" <<EOF
template=micro
kernel=$KVER
busybox=$BB_VER
qemu_ga=$(pkg_version qemu-guest-agent)
nftables=$(pkg_version nftables)
EOF

  # Reproducible newc archive: sorted names, fixed owner and mtime. zstd
  # (single-threaded, so output is stable) is ~25% smaller than gzip -9 and
  # unpacks no slower under TCG.
  stamp_tree "$root"
  (cd "$root" && find . -mindepth 1 | sort | cpio --quiet -o -H newc -R 0:0 --reproducible) |
    zstd -q -19 -T1 >"$out/initrd.img"
  install -m 0644 "$KROOT/boot/vmlinuz-$KVER" "$out/vmlinuz"

  cat >"$out/build-info.json" <<EOF
{
  "template": "micro",
  "kernel_package": "$KPKG",
  "kernel_package_version": "$KPKG_VER",
  "kernel_release": "$KVER",
  "busybox_source_version": "$BB_VER",
  "qemu_guest_agent_version": "$(pkg_version qemu-guest-agent)",
  "nftables_version": "$(pkg_version nftables)",
  "modules": [$(printf '"%s",' "${ORDER[@]}" | sed 's/,$//')],
  "router_modules": [$(printf '"%s",' "${nft_order[@]}" | sed 's/,$//')],
  $(artifact_sizes "$out")
}
EOF
  say "initrd.img $(du -h "$out/initrd.img" | cut -f1) (uncompressed $(du -sh "$root" | cut -f1))"
}

template_main "$@"
