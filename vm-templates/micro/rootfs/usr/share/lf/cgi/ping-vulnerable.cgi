#!/bin/sh
# Network check CGI. DELIBERATELY VULNERABLE (CWE-78): the host parameter is
# pasted into a shell command line, so "127.0.0.1;id" runs id.
printf 'Content-Type: text/plain\r\n\r\n'
host=$(printf '%s' "$QUERY_STRING" | sed -n 's/^\(.*&\)\{0,1\}host=\([^&]*\).*/\2/p' | tr '+' ' ')
host=$(httpd -d "$host")
peer=${REMOTE_ADDR#[}; peer=${peer%]}; peer=${peer#::ffff:}
echo "$(date '+%Y-%m-%dT%H:%M:%S') $peer ping.cgi host=$host" >>/var/log/cgi.log
sh -c "ping -c 1 -W 2 $host" 2>&1
