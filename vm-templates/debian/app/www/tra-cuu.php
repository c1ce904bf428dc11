<?php
require_once __DIR__ . '/inc/db.php';
require_once __DIR__ . '/inc/query.php';
require_once __DIR__ . '/inc/layout.php';
$code = trim($_GET['ma'] ?? '');
page_start('Tra cứu hồ sơ');
echo '<form method="get"><label>Mã hồ sơ <input name="ma" value="' . h($code)
    . '"></label> <button>Tra cứu</button></form>';
if ($code !== '') {
    $rows = find_requests($code);
    if (!$rows) {
        echo '<p>Không tìm thấy hồ sơ ' . h($code) . '.</p>';
    } else {
        echo '<table><tr><th>Mã hồ sơ</th><th>Người nộp</th><th>Thủ tục</th><th>Trạng thái</th></tr>';
        foreach ($rows as $r) {
            echo '<tr><td>' . implode('</td><td>', array_map('h', $r)) . '</td></tr>';
        }
        echo '</table>';
    }
}
page_end();
