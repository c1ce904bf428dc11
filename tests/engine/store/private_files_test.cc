// The event log and the exercise folder are root's only: a new log and its
// -wal/-shm are 0600 whatever the umask, and an older, looser folder is
// restricted when an engine opens it.
#include "livefire/store/private_files.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "livefire/store/event_store.h"

namespace livefire::store {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(PrivateFiles, ANewLogAndItsWalAreOwnerOnly) {
  fs::path dir = fs::temp_directory_path() / fmt::format("lf-private-{}", getpid());
  fs::remove_all(dir);
  fs::create_directories(dir);
  mode_t old = ::umask(022);
  {
    auto s = EventStore::Open((dir / "events.db").string());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Event e;
    e.kind = "test.event";
    ASSERT_TRUE((*s)->Append(e).ok());
    ASSERT_TRUE((*s)->Flush().ok());
    ASSERT_TRUE(fs::exists(dir / "events.db-wal"));
    EXPECT_EQ(ModeOf(dir / "events.db"), 0600u);
    EXPECT_EQ(ModeOf(dir / "events.db-wal"), 0600u);
    EXPECT_EQ(ModeOf(dir / "events.db-shm"), 0600u);
  }
  ::umask(old);
  fs::remove_all(dir);
}

TEST(PrivateFiles, RestrictExerciseFolderFixesAnOlderFolder) {
  fs::path state = fs::temp_directory_path() / fmt::format("lf-private-old-{}", getpid());
  fs::remove_all(state);
  fs::path dir = state / "exercises" / "lf-test-old";
  fs::create_directories(dir / "scenario" / "files");
  fs::create_directories(dir / "disks");
  std::ofstream(dir / "scenario" / "scenario.lua") << "-- flags";
  std::ofstream(dir / "scenario" / "files" / "run.sh") << "#!/bin/sh";
  std::ofstream(dir / "disks" / "web.qcow2") << "disk";
  fs::permissions(dir / "scenario" / "files" / "run.sh", fs::perms(0755));
  for (const fs::path& p : {dir, dir / "scenario", dir / "scenario" / "files", dir / "disks"}) {
    fs::permissions(p, fs::perms(0755));
  }
  std::ofstream(state / "outside.txt") << "not the exercise's";
  fs::permissions(state / "outside.txt", fs::perms(0644));
  fs::create_symlink(state / "outside.txt", dir / "link");

  ASSERT_TRUE(RestrictExerciseFolder(dir.string() + "/").ok());
  EXPECT_EQ(ModeOf(dir), kTraversableDirMode);
  EXPECT_EQ(ModeOf(dir / "disks"), kTraversableDirMode);
  EXPECT_EQ(ModeOf(dir / "disks" / "web.qcow2"), 0600u);
  EXPECT_EQ(ModeOf(dir / "scenario"), 0700u);
  EXPECT_EQ(ModeOf(dir / "scenario" / "files"), 0700u);
  EXPECT_EQ(ModeOf(dir / "scenario" / "scenario.lua"), 0600u);
  EXPECT_EQ(ModeOf(dir / "scenario" / "files" / "run.sh"), 0700u);  // still executable
  EXPECT_EQ(ModeOf(state / "outside.txt"), 0644u) << "a link's target is not touched";

  // The engine's open does the same on a folder made before.
  fs::permissions(dir / "scenario" / "scenario.lua", fs::perms(0644));
  auto s = EventStore::OpenExercise(state.string(), ExerciseId("lf-test-old"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(ModeOf(dir / "scenario" / "scenario.lua"), 0600u);
  EXPECT_EQ(ModeOf(dir / "events.db"), 0600u);
  s->reset();
  EXPECT_EQ(RestrictExerciseFolder((state / "nope").string()).code(), StatusCode::kNotFound);
  fs::remove_all(state);
}

}  // namespace
}  // namespace livefire::store
