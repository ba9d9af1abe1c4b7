#include "core/runtime_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace ipc::detail {

namespace {

// A directory this user owns that nobody else may write to.
bool owned_and_closed(const struct stat& st, mode_t forbidden) {
    return S_ISDIR(st.st_mode) && st.st_uid == ::geteuid() && (st.st_mode & forbidden) == 0;
}

}  // namespace

result<void> ensure_own_dir(const std::string& dir, mode_t mode, mode_t forbidden) {
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
        return system_error("creating the socket directory failed");
    }
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) {
        return system_error("the socket directory cannot be examined");
    }
    if (!owned_and_closed(st, forbidden)) {
        return error{errc::permission_denied,
                     "the socket directory is not a directory of this user's, closed to others"}
            .with_subject("owner uid", st.st_uid);
    }
    return {};
}

result<void> ensure_private_dir(const std::string& dir, bool traversable) {
    const mode_t passing = traversable ? S_IXGRP | S_IXOTH : 0;
    return ensure_own_dir(dir, traversable ? 0711 : 0700, (S_IRWXG | S_IRWXO) & ~passing);
}

result<std::string> runtime_dir() {
    if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg != nullptr && xdg[0] == '/') {
        struct stat st {};
        if (::lstat(xdg, &st) == 0 && owned_and_closed(st, S_IWGRP | S_IWOTH)) {
            std::string dir = std::string(xdg) + "/libipc";
            if (auto ok = ensure_private_dir(dir); !ok) {
                return ok.error_value();
            }
            return dir;
        }
    }
    std::string dir = "/tmp/libipc-" + std::to_string(::geteuid());
    if (auto ok = ensure_private_dir(dir); !ok) {
        return ok.error_value();
    }
    return dir;
}

result<std::string> dir_or_runtime(const std::string& dir) {
    if (dir.empty()) {
        return runtime_dir();
    }
    return dir;
}

}  // namespace ipc::detail
