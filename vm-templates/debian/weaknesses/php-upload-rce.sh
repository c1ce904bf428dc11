#!/bin/bash
# php-upload-rce (CWE-434, http): nop-ho-so.php trusts the upload's
# Content-Type and keeps its file name under /uploads/, where PHP runs.
. "$(dirname "$0")/lib.bash"
app_overlay php-upload-rce
echo "php-upload-rce: inc/upload.php keeps the client's name and type"
