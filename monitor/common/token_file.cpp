#include "common/token_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace monitor {

std::optional<std::string> read_token_file(const std::string& path, std::string& why) {
    std::ifstream file(path);
    std::string line;
    if (!file || !std::getline(file, line)) {
        why = path + ": " + (file ? "empty" : std::strerror(errno));
        return std::nullopt;
    }
    const auto first = line.find_first_not_of(" \t\r");
    const auto last = line.find_last_not_of(" \t\r");
    const std::string token =
        first == std::string::npos ? "" : line.substr(first, last - first + 1);
    if (token.empty()) {
        why = path + ": its first line holds no token";
        return std::nullopt;
    }
    for (unsigned char c : token) {
        if (c < 0x20 || c == 0x7f) {
            why = path + ": a control character in the token";
            return std::nullopt;
        }
    }
    return token;
}

}  // namespace monitor
