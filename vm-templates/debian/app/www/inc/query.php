<?php
// Database queries of the portal: prepared statements only.

// Requests whose code is $code: rows of [ma_ho_so, ho_ten, thu_tuc, trang_thai].
function find_requests(string $code): array {
    $st = db()->prepare('SELECT ma_ho_so, ho_ten, thu_tuc, trang_thai FROM ho_so WHERE ma_ho_so = ?');
    $st->bind_param('s', $code);
    $st->execute();
    return $st->get_result()->fetch_all(MYSQLI_NUM);
}

// The staff member with this user name and password, or null.
function find_staff(string $user, string $password): ?array {
    $st = db()->prepare('SELECT id, ten_dang_nhap, ho_ten, chuc_vu FROM can_bo '
                        . 'WHERE ten_dang_nhap = ? AND mat_khau = ?');
    $st->bind_param('ss', $user, $password);
    $st->execute();
    return $st->get_result()->fetch_assoc();
}
