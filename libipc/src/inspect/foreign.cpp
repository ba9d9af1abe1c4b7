#include "inspect/foreign.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "core/object_users.hpp"

namespace ipc::inspect::detail {

const std::vector<const foreign_parts*>& foreign_formats() {
    // SimpleIPC first: its header matches exactly, where ZIPC's flag is four bytes at an offset
    // that, in a SimpleIPC object, lies in the last slot's payload.
    static const std::vector<const foreign_parts*> all = {&simpleipc_parts(), &zipc_parts()};
    return all;
}

bool unmapped(const segment_copy& copy) {
    struct stat st {};
    if (::fstat(copy.fd(), &st) != 0 || st.st_uid != ::geteuid()) {
        return false;
    }
    const auto users = ipc::detail::users_of(st.st_dev, st.st_ino);
    return users.other_processes == 0 && users.own_mappings == 0;
}

}  // namespace ipc::inspect::detail
