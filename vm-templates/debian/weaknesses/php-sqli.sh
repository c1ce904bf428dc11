#!/bin/bash
# php-sqli (CWE-89, http): the portal's request lookup (tra-cuu.php?ma=) and
# staff login (dang-nhap.php) paste the request's values into their SQL.
. "$(dirname "$0")/lib.bash"
app_overlay php-sqli
echo "php-sqli: inc/query.php builds SQL from request values"
