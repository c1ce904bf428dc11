#!/bin/bash
# ssh-weak-password (CWE-521, ssh): OpenSSH accepts passwords, so the
# node's declared accounts log in with the weak or reused passwords the
# scenario gave them (the template's default is keys only).
. "$(dirname "$0")/lib.bash"
f=/etc/ssh/sshd_config.d/livefire.conf
[ -f "$f" ] || die "ssh is not configured on this node (declare an ssh service)"
sed -i 's/^PasswordAuthentication .*/PasswordAuthentication yes/' "$f"
printf 'MaxAuthTries 10\n' >>"$f"
echo "ssh-weak-password: password authentication on"
