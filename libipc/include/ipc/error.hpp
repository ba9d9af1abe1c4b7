#pragma once
// Error codes and the expected-like result type returned by every fallible libipc call.
// Hot paths return result<T> by value: no exception, no allocation; the message text is
// built only when a caller asks for it.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace ipc {

enum class errc : std::uint16_t {
    ok = 0,
    invalid_argument,   // a caller-supplied value is out of range
    bad_name,           // a channel name that is empty, too long or has forbidden characters
    not_found,          // no segment or socket of that name
    already_exists,     // create-only open found an existing segment
    permission_denied,  // the OS refused access to the segment
    wrong_kind,         // the segment is a libipc segment of another kind
    version_mismatch,   // the segment's layout version is not one this build reads
    geometry_mismatch,  // the segment's sizes disagree with what the caller asked for
    corrupt,            // a value read from shared memory failed validation
    message_too_large,  // a message longer than the channel's maximum
    queue_full,         // no room now (try-send), the message was dropped and counted
    empty,              // nothing to receive now (try-receive)
    timeout,            // a timed call reached its deadline
    peer_gone,          // the process on the other side died (or its segment vanished)
    busy,               // the role is already held by a live process
    not_ready,          // the segment's creator has not finished initialising it
    closed,             // the endpoint was closed or moved from
    table_full,         // the telemetry table has no free endpoint record
    system,             // an OS call failed; sys_errno says which
    handler_failed,     // the peer's handler returned an error for this call
    peer_closed,        // the process on the other side closed its end (cleanly, unlike
                        // peer_gone); what it sent before closing has been delivered
};

// Short fixed name of a code, e.g. "queue_full".
const char* to_string(errc code) noexcept;

class error {
  public:
    constexpr error() noexcept = default;
    constexpr error(errc code, const char* detail, int sys_errno = 0) noexcept
        : code_(code), sys_errno_(sys_errno), detail_(detail) {}

    constexpr errc code() const noexcept { return code_; }
    constexpr int sys_errno() const noexcept { return sys_errno_; }
    // A static string saying what was being done; never owned.
    constexpr const char* detail() const noexcept { return detail_; }
    // A number the error is about, e.g. the uid owning a segment: message() appends
    // "(label value)". The label is a static string, never owned.
    constexpr error with_subject(const char* label, long long value) const noexcept {
        error e = *this;
        e.subject_label_ = label;
        e.subject_ = value;
        return e;
    }
    constexpr const char* subject_label() const noexcept { return subject_label_; }
    constexpr long long subject() const noexcept { return subject_; }
    // "queue_full: ring is full (errno ...)": built on demand, allocates.
    std::string message() const;

    friend constexpr bool operator==(const error& e, errc c) noexcept { return e.code_ == c; }

  private:
    errc code_ = errc::ok;
    int sys_errno_ = 0;
    const char* detail_ = "";
    const char* subject_label_ = nullptr;
    long long subject_ = 0;
};

// An error from the current errno.
error system_error(const char* detail) noexcept;

// Either a T or an error. A minimal std::expected for C++20.
template <class T>
class [[nodiscard]] result {
  public:
    result(T value) noexcept(std::is_nothrow_move_constructible_v<T>) : v_(std::move(value)) {}
    result(error e) noexcept : v_(e) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    // Moves the value out of a temporary: `take(*make_something())` for move-only values.
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const error& error_value() const { return std::get<1>(v_); }
    errc code() const noexcept { return has_value() ? errc::ok : std::get<1>(v_).code(); }

  private:
    std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
  public:
    result() noexcept = default;
    result(error e) noexcept : e_(e) {}

    bool has_value() const noexcept { return e_.code() == errc::ok; }
    explicit operator bool() const noexcept { return has_value(); }
    const error& error_value() const noexcept { return e_; }
    errc code() const noexcept { return e_.code(); }

  private:
    error e_;
};

}  // namespace ipc
