<?php
// Attachments of submitted requests: documents and scans only, stored under
// a random name with the extension the portal chose.
const ALLOWED_EXTENSIONS = ['pdf', 'jpg', 'jpeg', 'png', 'doc', 'docx'];

// Stores the uploaded $file (an entry of $_FILES); returns the stored name,
// or null with $error set.
function store_attachment(array $file, ?string &$error): ?string {
    if ($file['error'] !== UPLOAD_ERR_OK || !is_uploaded_file($file['tmp_name'])) {
        $error = 'Tải tệp lên không thành công.';
        return null;
    }
    $ext = strtolower(pathinfo($file['name'], PATHINFO_EXTENSION));
    if (!in_array($ext, ALLOWED_EXTENSIONS, true)) {
        $error = 'Chỉ chấp nhận tệp PDF, ảnh hoặc văn bản Word.';
        return null;
    }
    $name = bin2hex(random_bytes(8)) . '.' . $ext;
    if (!move_uploaded_file($file['tmp_name'], __DIR__ . '/../uploads/' . $name)) {
        $error = 'Không lưu được tệp.';
        return null;
    }
    return $name;
}
