#!/bin/sh
# Network check CGI, fixed version: the host must be a plain name or address.
printf 'Content-Type: text/plain\r\n\r\n'
host=$(printf '%s' "$QUERY_STRING" | sed -n 's/^\(.*&\)\{0,1\}host=\([^&]*\).*/\2/p' | tr '+' ' ')
host=$(httpd -d "$host")
peer=${REMOTE_ADDR#[}; peer=${peer%]}; peer=${peer#::ffff:}
echo "$(date '+%Y-%m-%dT%H:%M:%S') $peer ping.cgi host=$host" >>/var/log/cgi.log
case $host in
  ''|-*|*[!A-Za-z0-9.:-]*) echo "invalid host"; exit 0 ;;
esac
ping -c 1 -W 2 -- "$host" 2>&1
