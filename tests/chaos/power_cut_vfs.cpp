// A power cut for SQLite, as a VFS shim loaded into the real checkpoint with LD_PRELOAD. It registers
// itself as the default VFS and passes every call to the one it wraps (the unix VFS), writing through
// to the files as usual; but before each write to a database, WAL or journal file it appends what the
// write replaces to an undo log, and a sync of the file empties that file's log. After the processes
// are killed (kill -9), tools/power_cut.py plays the logs backwards: each file is left as it was at
// its last sync, which is what a disk holds after the power goes.
//
//   BORDERLOG_VFS_UNDO_DIR     where the undo logs go (one per file: the file's path in hex + ".undo")
//   BORDERLOG_VFS_SYNCHRONOUS  run "PRAGMA synchronous=FULL" as this instead (NORMAL: the negative control)
//   BORDERLOG_VFS_FULL_FLAG    while this file exists, every write fails with SQLITE_FULL (a full disk,
//                              where a small tmpfs cannot be mounted)
//
// Test code: it trusts its environment, and the logs are only as durable as the page cache (the test
// kills processes, not the machine).
#include <sqlite3.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::uint32_t kMagic = 0x4f444e55;  // "UNDO"

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods;

struct ShimFile {
    sqlite3_file base;  // must be first: SQLite sees this
    sqlite3_file* real;
    int undo = -1;  // the undo log, or -1 for files not tracked
};

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

std::string undo_path(const char* dir, const char* file) {
    static const char* hex = "0123456789abcdef";
    std::string name;
    for (const char* p = file; *p; ++p) {
        name += hex[static_cast<unsigned char>(*p) >> 4];
        name += hex[static_cast<unsigned char>(*p) & 15];
    }
    return std::string(dir) + "/" + name + ".undo";
}

bool disk_full() {
    const char* flag = std::getenv("BORDERLOG_VFS_FULL_FLAG");
    return flag && ::access(flag, F_OK) == 0;
}

void write_all(int fd, const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w <= 0) std::abort();  // the test cannot go on without its log
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

// Appends what [offset, offset + length) holds now, and the file's size, to the undo log.
void remember(ShimFile* f, sqlite3_int64 offset, sqlite3_int64 length) {
    sqlite3_int64 size = 0;
    f->real->pMethods->xFileSize(f->real, &size);
    std::vector<char> old;
    if (offset < size) {
        old.resize(static_cast<std::size_t>(std::min(length, size - offset)));
        if (f->real->pMethods->xRead(f->real, old.data(), static_cast<int>(old.size()), offset) != SQLITE_OK)
            std::abort();
    }
    struct {
        std::uint32_t magic;
        std::uint32_t saved;
        std::int64_t offset;
        std::int64_t size;
    } head{kMagic, static_cast<std::uint32_t>(old.size()), offset, size};
    write_all(f->undo, &head, sizeof head);
    if (!old.empty()) write_all(f->undo, old.data(), old.size());
}

int shim_close(sqlite3_file* file) {
    auto* f = reinterpret_cast<ShimFile*>(file);
    const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    if (f->undo >= 0) ::close(f->undo);
    f->undo = -1;
    return rc;
}

int shim_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 at) {
    return real_of(f)->pMethods->xRead(real_of(f), buf, n, at);
}

int shim_write(sqlite3_file* file, const void* buf, int n, sqlite3_int64 at) {
    auto* f = reinterpret_cast<ShimFile*>(file);
    if (disk_full()) return SQLITE_FULL;
    if (f->undo < 0) return f->real->pMethods->xWrite(f->real, buf, n, at);
    // The log entry and the write under one lock: a sync in another process sees both or neither.
    ::flock(f->undo, LOCK_EX);
    remember(f, at, n);
    const int rc = f->real->pMethods->xWrite(f->real, buf, n, at);
    ::flock(f->undo, LOCK_UN);
    return rc;
}

int shim_truncate(sqlite3_file* file, sqlite3_int64 size) {
    auto* f = reinterpret_cast<ShimFile*>(file);
    if (f->undo < 0) return f->real->pMethods->xTruncate(f->real, size);
    ::flock(f->undo, LOCK_EX);
    sqlite3_int64 now = 0;
    f->real->pMethods->xFileSize(f->real, &now);
    if (now > size) remember(f, size, now - size);
    const int rc = f->real->pMethods->xTruncate(f->real, size);
    ::flock(f->undo, LOCK_UN);
    return rc;
}

// A sync makes everything written to the file so far durable, whichever process wrote it.
int shim_sync(sqlite3_file* file, int flags) {
    auto* f = reinterpret_cast<ShimFile*>(file);
    if (f->undo < 0) return f->real->pMethods->xSync(f->real, flags);
    ::flock(f->undo, LOCK_EX);
    const int rc = f->real->pMethods->xSync(f->real, flags);
    if (rc == SQLITE_OK && ::ftruncate(f->undo, 0) != 0) std::abort();
    ::flock(f->undo, LOCK_UN);
    return rc;
}

int shim_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_of(f)->pMethods->xFileSize(real_of(f), size); }
int shim_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int shim_unlock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xUnlock(real_of(f), level); }
int shim_check_reserved(sqlite3_file* f, int* out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int shim_device_characteristics(sqlite3_file* f) {
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
int shim_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int shim_shm_unmap(sqlite3_file* f, int delete_flag) {
    return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}
// No memory-mapped reads: every read goes through xRead (and so sees what the writes left).
int shim_fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
    *out = nullptr;
    return SQLITE_OK;
}
int shim_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

int shim_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    auto* f = reinterpret_cast<ShimFile*>(file);
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->undo = -1;
    const int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        f->base.pMethods = nullptr;
        return rc;
    }
    const char* dir = std::getenv("BORDERLOG_VFS_UNDO_DIR");
    const bool durable = flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL);
    if (dir && name && durable) {
        f->undo = ::open(undo_path(dir, name).c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (f->undo < 0) std::abort();
    }
    f->base.pMethods = &g_methods;
    return SQLITE_OK;
}

int shim_delete(sqlite3_vfs*, const char* name, int sync_dir) {
    const int rc = g_real->xDelete(g_real, name, sync_dir);
    if (const char* dir = std::getenv("BORDERLOG_VFS_UNDO_DIR"); dir && rc == SQLITE_OK)
        ::unlink(undo_path(dir, name).c_str());
    return rc;
}

int shim_access(sqlite3_vfs*, const char* name, int flags, int* out) { return g_real->xAccess(g_real, name, flags, out); }
int shim_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return g_real->xFullPathname(g_real, name, n, out);
}
void* shim_dl_open(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void shim_dl_error(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*shim_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) { return g_real->xDlSym(g_real, handle, symbol); }
void shim_dl_close(sqlite3_vfs*, void* handle) { g_real->xDlClose(g_real, handle); }
int shim_randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int shim_sleep(sqlite3_vfs*, int micros) { return g_real->xSleep(g_real, micros); }
int shim_current_time(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int shim_last_error(sqlite3_vfs*, int n, char* out) { return g_real->xGetLastError(g_real, n, out); }
int shim_current_time64(sqlite3_vfs*, sqlite3_int64* out) { return g_real->xCurrentTimeInt64(g_real, out); }

__attribute__((constructor)) void register_power_cut_vfs() {
    g_real = sqlite3_vfs_find(nullptr);
    if (!g_real) std::abort();
    g_methods = sqlite3_io_methods{3,
                                   shim_close,
                                   shim_read,
                                   shim_write,
                                   shim_truncate,
                                   shim_sync,
                                   shim_file_size,
                                   shim_lock,
                                   shim_unlock,
                                   shim_check_reserved,
                                   shim_file_control,
                                   shim_sector_size,
                                   shim_device_characteristics,
                                   shim_shm_map,
                                   shim_shm_lock,
                                   shim_shm_barrier,
                                   shim_shm_unmap,
                                   shim_fetch,
                                   shim_unfetch};
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = "borderlog_power_cut";
    g_vfs.xOpen = shim_open;
    g_vfs.xDelete = shim_delete;
    g_vfs.xAccess = shim_access;
    g_vfs.xFullPathname = shim_full_pathname;
    g_vfs.xDlOpen = shim_dl_open;
    g_vfs.xDlError = shim_dl_error;
    g_vfs.xDlSym = shim_dl_sym;
    g_vfs.xDlClose = shim_dl_close;
    g_vfs.xRandomness = shim_randomness;
    g_vfs.xSleep = shim_sleep;
    g_vfs.xCurrentTime = shim_current_time;
    g_vfs.xGetLastError = shim_last_error;
    g_vfs.xCurrentTimeInt64 = shim_current_time64;
    if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK) std::abort();
}

}  // namespace

// The negative control: the checkpoint asks for synchronous=FULL; this runs what the test says instead.
extern "C" int sqlite3_exec(sqlite3* db, const char* sql, int (*callback)(void*, int, char**, char**), void* arg,
                            char** error) {
    using Exec = int (*)(sqlite3*, const char*, int (*)(void*, int, char**, char**), void*, char**);
    static const Exec real = reinterpret_cast<Exec>(::dlsym(RTLD_NEXT, "sqlite3_exec"));
    const char* mode = std::getenv("BORDERLOG_VFS_SYNCHRONOUS");
    std::string replaced;
    if (mode && sql && ::strcasecmp(sql, "PRAGMA synchronous=FULL") == 0) {
        replaced = std::string("PRAGMA synchronous=") + mode;
        sql = replaced.c_str();
    }
    return real(db, sql, callback, arg, error);
}
