#include "ipc/error.hpp"

#include <cerrno>
#include <cstring>

namespace ipc {

const char* to_string(errc code) noexcept {
    switch (code) {
        case errc::ok:
            return "ok";
        case errc::invalid_argument:
            return "invalid_argument";
        case errc::bad_name:
            return "bad_name";
        case errc::not_found:
            return "not_found";
        case errc::already_exists:
            return "already_exists";
        case errc::permission_denied:
            return "permission_denied";
        case errc::wrong_kind:
            return "wrong_kind";
        case errc::version_mismatch:
            return "version_mismatch";
        case errc::geometry_mismatch:
            return "geometry_mismatch";
        case errc::corrupt:
            return "corrupt";
        case errc::message_too_large:
            return "message_too_large";
        case errc::queue_full:
            return "queue_full";
        case errc::empty:
            return "empty";
        case errc::timeout:
            return "timeout";
        case errc::peer_gone:
            return "peer_gone";
        case errc::busy:
            return "busy";
        case errc::not_ready:
            return "not_ready";
        case errc::closed:
            return "closed";
        case errc::table_full:
            return "table_full";
        case errc::system:
            return "system";
        case errc::peer_closed:
            return "peer_closed";
        case errc::handler_failed:
            return "handler_failed";
    }
    return "unknown";
}

std::string error::message() const {
    std::string text = to_string(code_);
    if (detail_ != nullptr && *detail_ != '\0') {
        text += ": ";
        text += detail_;
    }
    if (sys_errno_ != 0) {
        text += " (";
        text += std::strerror(sys_errno_);
        text += ")";
    }
    if (subject_label_ != nullptr) {
        text += " (";
        text += subject_label_;
        text += " ";
        text += std::to_string(subject_);
        text += ")";
    }
    return text;
}

error system_error(const char* detail) noexcept {
    const int e = errno;
    switch (e) {
        case ENOENT:
            return {errc::not_found, detail, e};
        case EEXIST:
            return {errc::already_exists, detail, e};
        case EACCES:
        case EPERM:
            return {errc::permission_denied, detail, e};
        case ENAMETOOLONG:
        case EINVAL:
            return {errc::invalid_argument, detail, e};
        default:
            return {errc::system, detail, e};
    }
}

}  // namespace ipc
