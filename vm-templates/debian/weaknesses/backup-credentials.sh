#!/bin/bash
# backup-credentials (CWE-530, http): a database backup left world-readable
# in the web root (/backup/db.sql.bak) and in /var/backups: the portal's
# database password in its header, the staff table with their passwords.
. "$(dirname "$0")/lib.bash"
[ -f "$WWW/inc/config.php" ] || die "the portal application is not deployed (the node needs http)"
install -d -m 0755 "$WWW/backup"
{
  echo "-- Sao lưu CSDL cổng dịch vụ công (portal database backup)"
  echo "-- khôi phục: mysql -u dvc -p'$(cat /etc/lf/app-db.pw)' dichvucong < db.sql.bak"
  mysqldump --default-character-set=utf8mb4 --skip-dump-date --skip-extended-insert dichvucong
} >"$WWW/backup/db.sql.bak" || die "mysqldump failed"
chmod 0644 "$WWW/backup/db.sql.bak"
install -m 0644 "$WWW/backup/db.sql.bak" /var/backups/db.sql.bak
echo "backup-credentials: /backup/db.sql.bak and /var/backups/db.sql.bak, mode 0644"
