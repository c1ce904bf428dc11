#!/bin/bash
# sudo-gtfobins (CWE-269, local): every account in group users may run
# find as root without a password; `sudo find . -exec /bin/sh \; -quit`
# is a root shell (GTFOBins).
. "$(dirname "$0")/lib.bash"
f=/etc/sudoers.d/lf-maintenance
cat >"$f" <<'SUDO'
# Nhân viên vận hành dọn tệp cũ trên máy chủ (operators clean up old files)
%users ALL=(root) NOPASSWD: /usr/bin/find
SUDO
chmod 0440 "$f"
visudo -cqf "$f" || die "sudoers rule rejected by visudo"
echo "sudo-gtfobins: %users may run find as root"
