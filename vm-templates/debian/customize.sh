#!/usr/bin/env bash
# Customisation of the debian template tree, run by build.sh on every build
# with the extracted mmdebstrap tree as $1. Every service a scenario may turn on is
# installed but disabled here; lf-init (rootfs/) enables the declared ones
# after the engine's configuration arrives through the guest agent.
set -euo pipefail
root=$1
ch() { chroot "$root" "$@"; }

# Boot-time housekeeping that only costs CPU under TCG (no mirror to update
# from, no long-lived filesystem to scrub or trim), and VT gettys without a
# display: the serial console (serial-getty@ttyS0 from console=) stays.
# getty-static (Debian's fallback without dbus) would start tty2-6 anyway:
# 1.7 s of a node's boot under TCG, after its agent answers.
HOUSEKEEPING=(e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer
              fstrim.timer dpkg-db-backup.timer getty@tty1.service getty-static.service)
SERVICES=(nginx.service php8.2-fpm.service ssh.service postfix.service dovecot.service
          vsftpd.service smbd.service nmbd.service samba-ad-dc.service mariadb.service
          named.service)
for s in "${SERVICES[@]}"; do
  ch systemctl disable "$s" >/dev/null 2>&1 || true
done
# systemd applies presets on the first boot of an image without machine-id:
# keep the service units off then too.
mkdir -p "$root/etc/systemd/system-preset"
{
  echo "# livefire: lf-init starts what the scenario declares"
  for s in "${SERVICES[@]}"; do echo "disable $s"; done
  for u in "${HOUSEKEEPING[@]}"; do echo "disable $u"; done
  echo "enable lf-init.service"
} >"$root/etc/systemd/system-preset/10-livefire.preset"
ch systemctl mask samba-ad-dc.service >/dev/null 2>&1 || true
for u in "${HOUSEKEEPING[@]}"; do ch systemctl disable "$u" >/dev/null 2>&1 || true; done
ch systemctl mask getty-static.service >/dev/null 2>&1 || true
echo 'NAutoVTs=0' >>"$root/etc/systemd/logind.conf"

# Per-node identity comes at first boot: machine-id, ssh host keys, TLS cert.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id" "$root"/etc/ssh/ssh_host_*
rm -f "$root/etc/ssl/private/ssl-cert-snakeoil.key" "$root/etc/ssl/certs/ssl-cert-snakeoil.pem"

echo 'LABEL=lf-root / ext4 defaults,errors=remount-ro 0 1' >"$root/etc/fstab"
echo localhost >"$root/etc/hostname"
# Root has no password until a scenario declares one (console login needs an account).
ch passwd -l root >/dev/null

# Smaller image: apt lists and caches are rebuilt by `apt-get update` if ever needed.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
rm -rf "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/*
