#pragma once
// Reading untrusted JSON (internal): a control socket's answer, a remote `ipcstat serve`'s
// snapshot. Nothing throws: a missing or mistyped member reads as its fallback, and strings come
// back printable (printable_text), since any peer may send any bytes.

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "ipc/inspect.hpp"

namespace ipc::inspect::detail {

// `text` kept as it is when it is printable already but for backslashes (a string another
// snapshot made printable, whose \xNN escapes must not be escaped twice); else printable(text).
std::string printable_text(const std::string& text);

// `j[key]` as a T, or `fallback` when j is not an object, has no such member, or it has another
// type (an integer T can hold for integral T, a boolean for bool, a string for std::string).
template <class T>
T field(const nlohmann::json& j, const char* key, T fallback = {}) {
    if (!j.is_object()) {
        return fallback;
    }
    const auto it = j.find(key);
    if (it == j.end()) {
        return fallback;
    }
    if constexpr (std::is_same_v<T, std::string>) {
        return it->is_string() ? printable_text(it->template get_ref<const std::string&>())
                               : fallback;
    } else if constexpr (std::is_same_v<T, bool>) {
        return it->is_boolean() ? it->template get<bool>() : fallback;
    } else if (it->is_number_unsigned()) {
        const auto v = it->template get<std::uint64_t>();
        return std::in_range<T>(v) ? static_cast<T>(v) : fallback;  // never narrowed
    } else if (it->is_number_integer()) {
        const auto v = it->template get<std::int64_t>();
        return std::in_range<T>(v) ? static_cast<T>(v) : fallback;
    } else {
        return fallback;
    }
}

// `j[key]` when it is an object (or, for list(), an array); an empty one otherwise.
const nlohmann::json& member(const nlohmann::json& j, const char* key);
const nlohmann::json& list(const nlohmann::json& j, const char* key);

// Calls `read` with each element of `array` that is an object: an entry is an object, and
// anything else in its place is nothing.
template <class Read>
void for_each_object(const nlohmann::json& array, Read&& read) {
    for (const auto& j : array) {
        if (j.is_object()) {
            read(j);
        }
    }
}

// The enumerator of E whose to_string is `word` (E's values from 0 to `last`), or `fallback`.
template <class E>
E named(std::string_view word, E last, E fallback) {
    for (unsigned u = 0; u <= static_cast<unsigned>(last); ++u) {
        if (to_string(static_cast<E>(u)) == word) {
            return static_cast<E>(u);
        }
    }
    return fallback;
}

// The readers of export_parts.hpp's JSON pieces. A latency's buckets come back as
// histogram::bucket_count counts; a bucket bound that is no bucket's is ignored.
latency_summary latency_from_json(const nlohmann::json& j, std::vector<std::uint64_t>& buckets);
// Its `sum_ns`, or mean x count from a document written before it had one.
std::uint64_t latency_sum_from_json(const nlohmann::json& j, const latency_summary& l);
end_info end_from_json(const nlohmann::json& j);
health_verdict health_from_json(const nlohmann::json& j);

}  // namespace ipc::inspect::detail
