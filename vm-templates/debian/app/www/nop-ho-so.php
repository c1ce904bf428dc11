<?php
require_once __DIR__ . '/inc/db.php';
require_once __DIR__ . '/inc/upload.php';
require_once __DIR__ . '/inc/layout.php';
page_start('Nộp hồ sơ trực tuyến');
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $name = trim($_POST['ho_ten'] ?? '');
    $procedure = trim($_POST['thu_tuc'] ?? '');
    $phone = trim($_POST['so_dien_thoai'] ?? '');
    $stored = '';
    $error = null;
    if (!empty($_FILES['tep']['name'])) {
        $stored = store_attachment($_FILES['tep'], $error) ?? '';
    }
    if ($name === '' || $procedure === '') {
        $error = 'Vui lòng nhập họ tên và thủ tục.';
    }
    if ($error !== null) {
        http_response_code(400);
        echo '<p class="error">' . h($error) . '</p>';
    } else {
        $code = sprintf('HS-%s-%06d', date('Y'), random_int(1, 999999));
        $st = db()->prepare('INSERT INTO ho_so (ma_ho_so, ho_ten, thu_tuc, so_dien_thoai, tep_dinh_kem) '
                            . 'VALUES (?, ?, ?, ?, ?)');
        $st->bind_param('sssss', $code, $name, $procedure, $phone, $stored);
        $st->execute();
        echo '<p>Đã tiếp nhận hồ sơ. Mã hồ sơ: <strong>' . h($code) . '</strong></p>';
        if ($stored !== '') {
            echo '<p>Tệp đính kèm: <a href="/uploads/' . h($stored) . '">' . h($stored) . '</a></p>';
        }
    }
}
?>
<form method="post" enctype="multipart/form-data">
  <label>Họ và tên <input name="ho_ten"></label><br>
  <label>Thủ tục <input name="thu_tuc"></label><br>
  <label>Số điện thoại <input name="so_dien_thoai"></label><br>
  <label>Tệp đính kèm (PDF, ảnh, Word) <input type="file" name="tep"></label><br>
  <button>Nộp hồ sơ</button>
</form>
<?php page_end();
