#!/bin/bash
# mariadb-default-root (CWE-1393, mysql): MariaDB's root account has the
# empty default password and may connect from any host.
. "$(dirname "$0")/lib.bash"
has_svc mysql || die "MariaDB does not listen on the network here (declare a mysql service)"
timeout 180 systemctl start mariadb.service || die "mariadb did not start"
mysql -e "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '';
          GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
          ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('');
          FLUSH PRIVILEGES;" || die "cannot change the root account"
echo "mariadb-default-root: root@% with the empty password"
