<?php
require_once __DIR__ . '/config.php';

// One connection per request; errors end the page with a 503 (the details
// go to the PHP-FPM log, not to the visitor).
function db(): mysqli {
    static $db = null;
    if ($db === null) {
        mysqli_report(MYSQLI_REPORT_OFF);
        $db = @new mysqli(DB_HOST, DB_USER, DB_PASS, DB_NAME);
        if ($db->connect_errno) {
            error_log('dichvucong: database: ' . $db->connect_error);
            http_response_code(503);
            exit('Hệ thống tạm thời gián đoạn, vui lòng thử lại sau.');
        }
        $db->set_charset('utf8mb4');
    }
    return $db;
}

function h(?string $s): string {
    return htmlspecialchars($s ?? '', ENT_QUOTES, 'UTF-8');
}
