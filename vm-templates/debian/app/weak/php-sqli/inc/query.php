<?php
// Database queries of the portal, as the 2019 contractor wrote them: the
// values are pasted into the SQL text (planted weakness php-sqli, CWE-89).
// ?ma=' UNION SELECT ten_dang_nhap, mat_khau, ho_ten, chuc_vu FROM can_bo -- x
// lists the staff and their passwords; ' OR '1'='1 logs in as anyone.

function find_requests(string $code): array {
    $res = db()->query("SELECT ma_ho_so, ho_ten, thu_tuc, trang_thai FROM ho_so WHERE ma_ho_so = '$code'");
    if ($res === false) {
        // The database's own message on the page, as such code does.
        echo '<pre>' . h(db()->error) . '</pre>';
        return [];
    }
    return $res->fetch_all(MYSQLI_NUM);
}

function find_staff(string $user, string $password): ?array {
    $res = db()->query("SELECT id, ten_dang_nhap, ho_ten, chuc_vu FROM can_bo "
                       . "WHERE ten_dang_nhap = '$user' AND mat_khau = '$password'");
    return $res ? $res->fetch_assoc() : null;
}
