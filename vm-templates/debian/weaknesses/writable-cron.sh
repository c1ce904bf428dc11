#!/bin/bash
# writable-cron (CWE-732, local): root's cron runs a cleanup script every
# minute that anyone may rewrite.
. "$(dirname "$0")/lib.bash"
s=/usr/local/bin/don-tep-tam.sh
cat >"$s" <<'CLEAN'
#!/bin/sh
# Dọn tệp tạm của cổng dịch vụ công (cleans the portal's temporary files)
find /tmp /var/www/html/uploads -maxdepth 1 -name '*.tmp' -mmin +60 -delete 2>/dev/null
CLEAN
chmod 0777 "$s"
printf 'SHELL=/bin/sh\n* * * * * root %s\n' "$s" >/etc/cron.d/don-tep-tam
chmod 0644 /etc/cron.d/don-tep-tam
echo "writable-cron: /etc/cron.d/don-tep-tam runs $s (mode 0777) as root"
