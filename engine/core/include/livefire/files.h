#pragma once
// Durable file replacement: a reader (or a crash) sees the old content or
// the new, never half a file, and once the call returns the new content
// survives a power cut.

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "livefire/status.h"

namespace livefire {

// Writes `content` to a temporary file beside `path`, fsyncs it, gives it
// `mode` (exactly: the umask does not apply), renames it over `path` and
// fsyncs the folder. The folder must exist. Errors name the path and the
// errno text; a folder that cannot be written in (missing, read-only, no
// permission) is an InvalidArgument, other failures are Internal. On error
// the temporary file is removed and `path` is untouched.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content,
                       mode_t mode = 0644);

// For content something else wrote (a library call, a copied folder):
// fsyncs `written` (a file, or a folder's own entries), renames it to `path`
// and fsyncs the folder of `path`. Both must be in the same file system.
Status RenameDurably(const std::filesystem::path& written, const std::filesystem::path& path);

}  // namespace livefire
