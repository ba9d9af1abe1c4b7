#include "region/foreign_object.hpp"

#include <sys/stat.h>

namespace ipc::detail {

result<void> foreign_object::identify() noexcept {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return system_error("the shared object cannot be examined");
    }
    device = st.st_dev;
    inode = st.st_ino;
    return {};
}

result<void> check_foreign_name(const std::string& name, std::size_t max_length,
                                const char* rule) noexcept {
    if (name.size() < 2 || name.size() > max_length || name.front() != '/' ||
        name.find('/', 1) != std::string::npos || name.find('\0') != std::string::npos) {
        return error{errc::invalid_argument, rule};
    }
    return {};
}

}  // namespace ipc::detail
