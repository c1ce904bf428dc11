<?php
require_once __DIR__ . '/inc/db.php';
require_once __DIR__ . '/inc/layout.php';
session_start();
if (empty($_SESSION['can_bo'])) {
    header('Location: /dang-nhap.php');
    exit;
}
page_start('Hồ sơ đã tiếp nhận');
echo '<p>Xin chào ' . h($_SESSION['can_bo']['ho_ten']) . ' (' . h($_SESSION['can_bo']['chuc_vu']) . ')</p>';
$res = db()->query('SELECT ma_ho_so, ho_ten, thu_tuc, trang_thai, so_dien_thoai, tep_dinh_kem, ngay_nop '
                   . 'FROM ho_so ORDER BY ngay_nop DESC LIMIT 100');
echo '<table><tr><th>Mã</th><th>Người nộp</th><th>Thủ tục</th><th>Trạng thái</th><th>Điện thoại</th>'
    . '<th>Tệp</th><th>Ngày nộp</th></tr>';
foreach ($res->fetch_all(MYSQLI_NUM) as $r) {
    echo '<tr><td>' . implode('</td><td>', array_map('h', $r)) . '</td></tr>';
}
echo '</table>';
page_end();
