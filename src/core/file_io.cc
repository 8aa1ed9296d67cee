#include "core/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/str_cat.h"

namespace nvsx::core {
namespace {

absl::Status OsError(std::string_view what, const std::filesystem::path& path, int err) {
  std::string message = StrCat(what, " ", path.string(), ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::InternalError(message);
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return OsError("cannot read", path, errno);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return OsError("cannot read", path, errno);
  return std::move(buffer).str();
}

absl::Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  std::filesystem::path tmp = path;
  tmp += StrCat(".tmp.", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return OsError("cannot create", tmp, errno);
  const char* data = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return OsError("cannot write", tmp, err);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
  int sync_rc = ::fsync(fd);
  int sync_errno = errno;
  if (::close(fd) != 0 || sync_rc != 0) {
    int err = sync_rc != 0 ? sync_errno : errno;
    ::unlink(tmp.c_str());
    return OsError("cannot flush", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return OsError("cannot rename onto", path, err);
  }
  return absl::OkStatus();
}

}  // namespace nvsx::core
