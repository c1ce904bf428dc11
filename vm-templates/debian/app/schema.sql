-- Cổng dịch vụ công: the public-service request portal's database (loaded
-- by setup.sh at first boot; staff accounts are added from the node's
-- declared accounts).
CREATE DATABASE IF NOT EXISTS dichvucong CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE dichvucong;
CREATE TABLE IF NOT EXISTS can_bo (
  id INT AUTO_INCREMENT PRIMARY KEY,
  ten_dang_nhap VARCHAR(64) NOT NULL UNIQUE,
  mat_khau VARCHAR(128) NOT NULL,
  ho_ten VARCHAR(128) NOT NULL,
  chuc_vu VARCHAR(128) NOT NULL
);
CREATE TABLE IF NOT EXISTS ho_so (
  id INT AUTO_INCREMENT PRIMARY KEY,
  ma_ho_so VARCHAR(32) NOT NULL UNIQUE,
  ho_ten VARCHAR(128) NOT NULL,
  thu_tuc VARCHAR(255) NOT NULL,
  trang_thai VARCHAR(64) NOT NULL DEFAULT 'Đã tiếp nhận',
  so_dien_thoai VARCHAR(20) NOT NULL DEFAULT '',
  tep_dinh_kem VARCHAR(255) NOT NULL DEFAULT '',
  ngay_nop TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT IGNORE INTO ho_so (ma_ho_so, ho_ten, thu_tuc, trang_thai, so_dien_thoai) VALUES
  ('HS-2026-000117', 'Nguyễn Văn An', 'Cấp đổi giấy phép lái xe', 'Đã trả kết quả', '0912000117'),
  ('HS-2026-000231', 'Trần Thị Bình', 'Đăng ký khai sinh', 'Đang xử lý', '0988000231'),
  ('HS-2026-000342', 'Lê Hoàng Cường', 'Cấp giấy phép xây dựng nhà ở riêng lẻ', 'Chờ bổ sung', '0903000342'),
  ('HS-2026-000458', 'Phạm Thu Dung', 'Đăng ký kinh doanh hộ cá thể', 'Đã tiếp nhận', '0977000458');
