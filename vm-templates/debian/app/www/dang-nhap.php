<?php
require_once __DIR__ . '/inc/db.php';
require_once __DIR__ . '/inc/query.php';
require_once __DIR__ . '/inc/layout.php';
session_start();
$message = '';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $staff = find_staff($_POST['ten_dang_nhap'] ?? '', $_POST['mat_khau'] ?? '');
    if ($staff) {
        session_regenerate_id(true);
        $_SESSION['can_bo'] = $staff;
        header('Location: /quan-tri.php');
        exit;
    }
    http_response_code(401);
    $message = 'Sai tên đăng nhập hoặc mật khẩu.';
}
page_start('Cán bộ đăng nhập');
if ($message) echo '<p class="error">' . h($message) . '</p>';
?>
<form method="post">
  <label>Tên đăng nhập <input name="ten_dang_nhap"></label><br>
  <label>Mật khẩu <input type="password" name="mat_khau"></label><br>
  <button>Đăng nhập</button>
</form>
<?php page_end();
