<?php
function page_start(string $title): void {
    header('Content-Type: text/html; charset=utf-8');
    echo '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>' . h($title)
        . ' - Cổng dịch vụ công</title></head><body>'
        . '<header><h1>Cổng dịch vụ công tỉnh Hòa Bình Xanh</h1>'
        . '<nav><a href="/">Trang chủ</a> | <a href="/nop-ho-so.php">Nộp hồ sơ</a> | '
        . '<a href="/tra-cuu.php">Tra cứu hồ sơ</a> | <a href="/dang-nhap.php">Cán bộ đăng nhập</a></nav>'
        . '</header><main><h2>' . h($title) . '</h2>';
}

function page_end(): void {
    echo '</main><footer>Sở Thông tin và Truyền thông tỉnh Hòa Bình Xanh</footer></body></html>';
}
