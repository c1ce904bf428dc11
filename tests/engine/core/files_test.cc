#include "livefire/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace livefire {
namespace {

namespace fs = std::filesystem;

struct TempFolder {
  fs::path path;
  TempFolder() {
    path = fs::temp_directory_path() /
           ("livefire-files-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  static inline int counter = 0;
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t EntriesIn(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

TEST(WriteFileAtomic, ReplacesTheFileAndLeavesNoTemporaryFile) {
  TempFolder dir;
  const fs::path file = dir.path / "state.json";
  ASSERT_TRUE(WriteFileAtomic(file, "first\n").ok());
  EXPECT_EQ(Slurp(file), "first\n");
  // A reader holding the old file keeps the old content: it was replaced,
  // not rewritten in place.
  std::ifstream old(file, std::ios::binary);
  ASSERT_TRUE(WriteFileAtomic(file, std::string(100'000, 'x')).ok());
  std::string old_content((std::istreambuf_iterator<char>(old)), std::istreambuf_iterator<char>());
  EXPECT_EQ(old_content, "first\n");
  EXPECT_EQ(Slurp(file), std::string(100'000, 'x'));
  EXPECT_EQ(EntriesIn(dir.path), 1u);
  // Binary content and empty content are written as given.
  ASSERT_TRUE(WriteFileAtomic(file, std::string_view("a\0b", 3)).ok());
  EXPECT_EQ(Slurp(file), std::string("a\0b", 3));
  ASSERT_TRUE(WriteFileAtomic(file, "").ok());
  EXPECT_EQ(fs::file_size(file), 0u);
}

TEST(WriteFileAtomic, AppliesTheModeWhateverTheUmask) {
  TempFolder dir;
  const fs::path file = dir.path / "secret";
  const mode_t old_mask = ::umask(077);
  Status s = WriteFileAtomic(file, "key", 0640);
  ::umask(old_mask);
  ASSERT_TRUE(s.ok()) << s.ToString();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  ASSERT_TRUE(WriteFileAtomic(file, "key", 0600).ok());
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(WriteFileAtomic(dir.path / "default", "x").ok());
  ASSERT_EQ(::stat((dir.path / "default").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(WriteFileAtomic, AFolderThatCannotBeWrittenInIsAnErrorNamingThePath) {
  TempFolder dir;
  // A missing folder.
  const fs::path missing = dir.path / "no-such-folder" / "report.html";
  Status s = WriteFileAtomic(missing, "x");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(missing.string()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos) << s.message();
  // A "folder" that is a file.
  ASSERT_TRUE(WriteFileAtomic(dir.path / "plain", "x").ok());
  const fs::path under_file = dir.path / "plain" / "report.html";
  s = WriteFileAtomic(under_file, "x");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(under_file.string()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Not a directory"), std::string::npos) << s.message();
  // A folder without write permission (root ignores permissions, so this
  // part needs an ordinary user).
  if (::geteuid() != 0) {
    const fs::path locked = dir.path / "locked";
    fs::create_directories(locked);
    ASSERT_TRUE(WriteFileAtomic(locked / "f", "old").ok());
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    s = WriteFileAtomic(locked / "f", "new");
    fs::permissions(locked, fs::perms::owner_all);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find((locked / "f").string()), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("Permission denied"), std::string::npos) << s.message();
    EXPECT_EQ(Slurp(locked / "f"), "old");
  }
}

TEST(WriteFileAtomic, ReplacingADirectoryFailsAndCleansUp) {
  TempFolder dir;
  const fs::path target = dir.path / "taken";
  fs::create_directories(target / "inside");
  Status s = WriteFileAtomic(target, "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(target.string()), std::string::npos) << s.message();
  EXPECT_EQ(EntriesIn(dir.path), 1u);  // no temporary file left behind
}

TEST(RenameDurably, MovesAFileOrAFolderIntoPlace) {
  TempFolder dir;
  std::ofstream(dir.path / "saved.new") << "memory image";
  ASSERT_TRUE(RenameDurably(dir.path / "saved.new", dir.path / "saved").ok());
  EXPECT_EQ(Slurp(dir.path / "saved"), "memory image");
  EXPECT_FALSE(fs::exists(dir.path / "saved.new"));
  fs::create_directories(dir.path / "copy.tmp");
  std::ofstream(dir.path / "copy.tmp" / "scenario.lua") << "scenario {}";
  ASSERT_TRUE(RenameDurably(dir.path / "copy.tmp", dir.path / "copy").ok());
  EXPECT_EQ(Slurp(dir.path / "copy" / "scenario.lua"), "scenario {}");
  Status s = RenameDurably(dir.path / "gone", dir.path / "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find((dir.path / "gone").string()), std::string::npos) << s.message();
}

}  // namespace
}  // namespace livefire
