<?php
require_once __DIR__ . '/inc/db.php';
require_once __DIR__ . '/inc/layout.php';
page_start('Dịch vụ công trực tuyến');
?>
<p>Công dân và doanh nghiệp nộp hồ sơ thủ tục hành chính và tra cứu kết quả giải quyết trực tuyến.</p>
<form action="/tra-cuu.php" method="get">
  <label>Mã hồ sơ <input name="ma" placeholder="HS-2026-000117"></label>
  <button>Tra cứu</button>
</form>
<p><a href="/nop-ho-so.php">Nộp hồ sơ trực tuyến</a></p>
<?php page_end();
