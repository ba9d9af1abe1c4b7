#include "channel/duplex/duplex_handoff.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace ipc::detail {

namespace {

// `what`: a literal that says what is wrong (error keeps the pointer, not a copy).
error malformed(const char* what) {
    return error{errc::invalid_argument, what};
}

// Takes "<key>=<number>" and the space after it off the front of `text`.
template <class Number>
bool take_number(std::string_view& text, std::string_view key, Number& out) {
    if (!text.starts_with(key) || text.size() <= key.size() || text[key.size()] != '=') {
        return false;
    }
    const char* begin = text.data() + key.size() + 1;
    const char* end = text.data() + text.size();
    const auto [stop, ec] = std::from_chars(begin, end, out);
    if (ec != std::errc{} || (stop != end && *stop != ' ')) {
        return false;
    }
    text.remove_prefix(static_cast<std::size_t>(stop - text.data()) + (stop != end ? 1 : 0));
    return true;
}

bool take_fds(std::string_view& text, std::array<int, 6>& fds) {
    constexpr std::string_view key = "fds=";
    if (!text.starts_with(key)) {
        return false;
    }
    text.remove_prefix(key.size());
    for (std::size_t i = 0; i < fds.size(); ++i) {
        const char* end = text.data() + text.size();
        const auto [stop, ec] = std::from_chars(text.data(), end, fds[i]);
        const char separator = i + 1 < fds.size() ? ',' : ' ';
        if (ec != std::errc{} || stop == end || *stop != separator) {
            return false;
        }
        text.remove_prefix(static_cast<std::size_t>(stop - text.data()) + 1);
    }
    return true;
}

}  // namespace

std::string encode(const duplex_handoff& h) {
    std::string out = "fds=";
    for (std::size_t i = 0; i < h.fds.size(); ++i) {
        out += std::to_string(h.fds[i]) + (i + 1 < h.fds.size() ? "," : " ");
    }
    return out + "max_message=" + std::to_string(h.max_message) +
           " capacity=" + std::to_string(h.capacity) + " name=" + h.name;
}

result<duplex_handoff> parse_duplex_handoff(std::string_view text) {
    duplex_handoff h;
    if (!take_fds(text, h.fds)) {
        return malformed("IPC_DUPLEX is malformed: no fds=a,b,c,d,e,f");
    }
    auto sorted = h.fds;
    std::sort(sorted.begin(), sorted.end());
    if (sorted.front() < 3 || std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        return malformed("IPC_DUPLEX is malformed: the fds must be 3 or above, each once");
    }
    if (!take_number(text, "max_message", h.max_message) ||
        !take_number(text, "capacity", h.capacity)) {
        return malformed("IPC_DUPLEX is malformed: no max_message=N capacity=N");
    }
    constexpr std::string_view key = "name=";
    if (!text.starts_with(key)) {
        return malformed("IPC_DUPLEX is malformed: no name=");
    }
    h.name = std::string(text.substr(key.size()));
    return h;
}

}  // namespace ipc::detail
