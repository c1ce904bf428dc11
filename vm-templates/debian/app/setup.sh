#!/bin/bash
# Deploys the public-service portal (Cổng dịch vụ công) on this node: the
# PHP pages to /var/www/html, the database `dichvucong` in the node's own
# MariaDB (started here), and one staff account per line "USER<TAB>PASSWORD"
# on stdin (lf-init passes the node's declared accounts: the portal's staff
# reuse their system passwords, as people do). Run as root by lf-init; safe
# to run again. The code deployed is the safe version: weaknesses/php-*.sh
# overlay the vulnerable variants from weak/.
set -euo pipefail
APP=/usr/local/share/lf/app
WWW=/var/www/html
die() { echo "app setup: $*" >&2; exit 1; }

timeout 180 systemctl start mariadb.service || die "mariadb did not start"
pw_file=/etc/lf/app-db.pw
install -d -m 0755 /etc/lf
if [ ! -s "$pw_file" ]; then
  (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$pw_file")
fi
dbpw=$(cat "$pw_file")
mysql --default-character-set=utf8mb4 <"$APP/schema.sql" || die "schema load failed"
mysql --default-character-set=utf8mb4 -e "CREATE USER IF NOT EXISTS 'dvc'@'localhost' IDENTIFIED BY '$dbpw';
          ALTER USER 'dvc'@'localhost' IDENTIFIED BY '$dbpw';
          GRANT SELECT, INSERT, UPDATE ON dichvucong.* TO 'dvc'@'localhost';" ||
  die "database user failed"
# SQL string literal: backslashes and quotes doubled.
sqlq() { local s=${1//\\/\\\\}; printf "'%s'" "${s//\'/\'\'}"; }
while IFS=$'\t' read -r user pass; do
  [ -n "$user" ] || continue
  mysql --default-character-set=utf8mb4 dichvucong -e "INSERT INTO can_bo (ten_dang_nhap, mat_khau, ho_ten, chuc_vu)
      VALUES ($(sqlq "$user"), $(sqlq "$pass"), $(sqlq "$user"), 'Cán bộ một cửa')
      ON DUPLICATE KEY UPDATE mat_khau = VALUES(mat_khau);" 2>/dev/null ||
    die "staff account failed"  # (mysql's message would quote the password)
done

cp -R --no-preserve=mode,ownership "$APP/www/." "$WWW/"
rm -f "$WWW/index.html" "$WWW/index.nginx-debian.html"
cat >"$WWW/inc/config.php" <<PHP
<?php
// Database connection of the portal (written by setup.sh at first boot).
const DB_HOST = 'localhost';
const DB_NAME = 'dichvucong';
const DB_USER = 'dvc';
const DB_PASS = '$dbpw';
PHP
find "$WWW" -type d -exec chmod 0755 {} +
find "$WWW" -type f -exec chmod 0644 {} +
chown -R root:root "$WWW"
chown www-data:www-data "$WWW/uploads"
chgrp www-data "$WWW/inc/config.php"
chmod 0640 "$WWW/inc/config.php"
echo "portal application deployed"
