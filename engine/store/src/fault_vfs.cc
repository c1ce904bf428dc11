#include "fault_vfs.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <atomic>

namespace livefire::store {

struct FaultVfs::Impl {
  sqlite3_vfs vfs{};  // registered; pAppData points back here
  sqlite3_vfs* base = nullptr;
  std::shared_ptr<StoreFaults> faults;
  std::string name;
};

namespace {

// Our sqlite3_file, followed in the same allocation by the base VFS's file.
struct FaultFile {
  sqlite3_file file;  // must be first: SQLite sees a sqlite3_file*
  StoreFaults* faults;
};

sqlite3_file* Real(sqlite3_file* f) {
  return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + sizeof(FaultFile));
}
StoreFaults& Faults(sqlite3_file* f) { return *reinterpret_cast<FaultFile*>(f)->faults; }

bool Inject(std::atomic<bool>& flag, StoreFaults& faults) {
  if (!flag.load()) return false;
  faults.injected.fetch_add(1);
  return true;
}

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (Inject(Faults(f).fail_writes, Faults(f))) return SQLITE_IOERR_WRITE;
  return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (Inject(Faults(f).fail_writes, Faults(f))) return SQLITE_IOERR_TRUNCATE;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (Inject(Faults(f).fail_syncs, Faults(f))) return SQLITE_IOERR_FSYNC;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }

// Version 2: WAL needs the shm methods; memory-mapped I/O (version 3) is off.
const sqlite3_io_methods kIoMethods = {2,
                                       Close,
                                       Read,
                                       Write,
                                       Truncate,
                                       Sync,
                                       FileSize,
                                       Lock,
                                       Unlock,
                                       CheckReservedLock,
                                       FileControl,
                                       SectorSize,
                                       DeviceCharacteristics,
                                       ShmMap,
                                       ShmLock,
                                       ShmBarrier,
                                       ShmUnmap,
                                       nullptr,
                                       nullptr};

FaultVfs::Impl& Self(sqlite3_vfs* v) { return *static_cast<FaultVfs::Impl*>(v->pAppData); }
sqlite3_vfs* Base(sqlite3_vfs* v) { return Self(v).base; }

int Open(sqlite3_vfs* v, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* ff = reinterpret_cast<FaultFile*>(f);
  ff->faults = Self(v).faults.get();
  sqlite3_file* real = Real(f);
  real->pMethods = nullptr;
  int rc = Base(v)->xOpen(Base(v), name, real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set: mirror the real file's.
  f->pMethods = real->pMethods ? &kIoMethods : nullptr;
  return rc;
}
int Delete(sqlite3_vfs* v, const char* name, int sync) {
  return Base(v)->xDelete(Base(v), name, sync);
}
int Access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return Base(v)->xAccess(Base(v), name, flags, out);
}
int FullPathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return Base(v)->xFullPathname(Base(v), name, n, out);
}
void* DlOpen(sqlite3_vfs* v, const char* name) { return Base(v)->xDlOpen(Base(v), name); }
void DlError(sqlite3_vfs* v, int n, char* out) { Base(v)->xDlError(Base(v), n, out); }
void (*DlSym(sqlite3_vfs* v, void* h, const char* sym))(void) {
  return Base(v)->xDlSym(Base(v), h, sym);
}
void DlClose(sqlite3_vfs* v, void* h) { Base(v)->xDlClose(Base(v), h); }
int Randomness(sqlite3_vfs* v, int n, char* out) { return Base(v)->xRandomness(Base(v), n, out); }
int Sleep(sqlite3_vfs* v, int us) { return Base(v)->xSleep(Base(v), us); }
int CurrentTime(sqlite3_vfs* v, double* out) { return Base(v)->xCurrentTime(Base(v), out); }
int GetLastError(sqlite3_vfs* v, int n, char* out) {
  return Base(v)->xGetLastError(Base(v), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* v, sqlite3_int64* out) {
  return Base(v)->xCurrentTimeInt64(Base(v), out);
}

std::atomic<int> next_vfs_id{1};

}  // namespace

Result<std::unique_ptr<FaultVfs>> FaultVfs::Register(std::shared_ptr<StoreFaults> faults) {
  if (!faults) return Status::InvalidArgument("fault VFS without faults");
  auto impl = std::make_unique<Impl>();
  impl->base = sqlite3_vfs_find(nullptr);
  if (!impl->base) return Status::Internal("SQLite has no default VFS");
  if (impl->base->iVersion < 2) return Status::Internal("SQLite's default VFS is too old");
  impl->faults = std::move(faults);
  impl->name = fmt::format("livefire-faults-{}", next_vfs_id.fetch_add(1));
  sqlite3_vfs& v = impl->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(FaultFile)) + impl->base->szOsFile;
  v.mxPathname = impl->base->mxPathname;
  v.zName = impl->name.c_str();
  v.pAppData = impl.get();
  v.xOpen = Open;
  v.xDelete = Delete;
  v.xAccess = Access;
  v.xFullPathname = FullPathname;
  v.xDlOpen = DlOpen;
  v.xDlError = DlError;
  v.xDlSym = DlSym;
  v.xDlClose = DlClose;
  v.xRandomness = Randomness;
  v.xSleep = Sleep;
  v.xCurrentTime = CurrentTime;
  v.xGetLastError = GetLastError;
  v.xCurrentTimeInt64 = CurrentTimeInt64;
  if (int rc = sqlite3_vfs_register(&v, 0); rc != SQLITE_OK) {
    return Status::Internal(fmt::format("registering the fault VFS: {}", sqlite3_errstr(rc)));
  }
  return std::unique_ptr<FaultVfs>(new FaultVfs(std::move(impl)));
}

FaultVfs::FaultVfs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaultVfs::~FaultVfs() { sqlite3_vfs_unregister(&impl_->vfs); }
const std::string& FaultVfs::name() const { return impl_->name; }

}  // namespace livefire::store
