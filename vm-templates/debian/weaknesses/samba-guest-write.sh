#!/bin/bash
# samba-guest-write (CWE-284, smb): the [shared] share takes guests (any
# unknown user, no password) and lets them read and write.
. "$(dirname "$0")/lib.bash"
c=/etc/samba/smb.conf
grep -q '^\[shared\]' "$c" || die "no [shared] share (declare an smb service)"
sed -i '/^\[global\]/a\   map to guest = Bad User\n   guest account = nobody' "$c"
# [shared] is the last section (lf-init appends it): its lines follow.
sed -i '/^\[shared\]/,$ { /valid users/d }' "$c"
printf '   guest ok = yes\n   writable = yes\n   force create mode = 0666\n   force directory mode = 0777\n' >>"$c"
chmod 0777 /srv/samba/shared
echo "samba-guest-write: [shared] open to guests"
