#include "core/shared_library.h"

#include <dlfcn.h>

#include "core/str_cat.h"

namespace nvsx::core {

absl::StatusOr<std::unique_ptr<SharedLibrary>> SharedLibrary::Open(const std::string& path,
                                                                   Unload unload) {
  int flags = RTLD_NOW | RTLD_LOCAL | (unload == Unload::kNever ? RTLD_NODELETE : 0);
  void* handle = dlopen(path.c_str(), flags);
  if (handle == nullptr) {
    const char* error = dlerror();
    return absl::FailedPreconditionError(
        StrCat("cannot load ", path, " (", error != nullptr ? error : "unknown error", ")"));
  }
  return std::unique_ptr<SharedLibrary>(new SharedLibrary(handle));
}

SharedLibrary::~SharedLibrary() { dlclose(handle_); }

void* SharedLibrary::Symbol(const char* name) const { return dlsym(handle_, name); }

}  // namespace nvsx::core
