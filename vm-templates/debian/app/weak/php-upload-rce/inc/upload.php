<?php
// Attachments of submitted requests, as first deployed: the type is taken
// from the browser's Content-Type and the file keeps its own name under the
// web root, where nginx hands *.php to PHP-FPM (planted weakness
// php-upload-rce, CWE-434): a shell.php sent as image/jpeg runs as www-data.
const ALLOWED_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'application/msword',
                       'application/vnd.openxmlformats-officedocument.wordprocessingml.document'];

function store_attachment(array $file, ?string &$error): ?string {
    if ($file['error'] !== UPLOAD_ERR_OK) {
        $error = 'Tải tệp lên không thành công.';
        return null;
    }
    if (!in_array($file['type'], ALLOWED_TYPES, true)) {
        $error = 'Chỉ chấp nhận tệp PDF, ảnh hoặc văn bản Word.';
        return null;
    }
    $name = basename($file['name']);
    if (!move_uploaded_file($file['tmp_name'], __DIR__ . '/../uploads/' . $name)) {
        $error = 'Không lưu được tệp.';
        return null;
    }
    return $name;
}
