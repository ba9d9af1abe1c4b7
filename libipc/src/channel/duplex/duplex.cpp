// duplex: two memfd rings with eventfd doorbells, one per direction, made by the parent and
// inherited by the child it spawns at fds 3..8 (ipc/duplex.hpp).

#include "ipc/duplex.hpp"

#include <fcntl.h>
#include <signal.h>

#include <cstdlib>
#include <utility>

#include "channel/duplex/duplex_handoff.hpp"
#include "channel/ring/ring_end.hpp"
#include "core/fd_kind.hpp"
#include "core/pidfd.hpp"

extern char** environ;

namespace ipc {

namespace {

// The child's environment: the caller's (or this process's), without any IPC_DUPLEX of its
// own, and with the handoff.
std::vector<std::string> child_environment(const duplex_options& o,
                                           const detail::duplex_handoff& handoff) {
    std::vector<std::string> env = o.environment;
    if (env.empty()) {
        for (char** e = environ; *e != nullptr; ++e) {
            env.emplace_back(*e);
        }
    }
    const std::string prefix = std::string(detail::duplex_variable) + "=";
    std::erase_if(env, [&](const std::string& entry) { return entry.starts_with(prefix); });
    env.push_back(prefix + encode(handoff));
    return env;
}

// The descriptors of both rings as spawn places them: handoff.fds order.
std::vector<fd_at> child_descriptors(const ring_fds& to_child, const ring_fds& to_parent,
                                     const detail::duplex_handoff& handoff) {
    const int parent_fds[6] = {to_child.data_ready.get(),   to_child.space_ready.get(),
                               to_child.region.get(),       to_parent.data_ready.get(),
                               to_parent.space_ready.get(), to_parent.region.get()};
    std::vector<fd_at> fds;
    for (std::size_t i = 0; i < handoff.fds.size(); ++i) {
        fds.push_back({parent_fds[i], handoff.fds[i]});
    }
    return fds;
}

// A second descriptor of `fd` (invalid if none could be made: the ring then checks its peer
// each peer_check_interval instead of watching it).
unique_fd copy_of(int fd) {
    return unique_fd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
}

// Whether the handoff's descriptors are what it says: per ring, two eventfds and a memfd.
bool handoff_ok(const detail::duplex_handoff& h) {
    const auto& fd = h.fds;
    return detail::is_ring_fd_set(fd[0], fd[1], fd[2]) &&
           detail::is_ring_fd_set(fd[3], fd[4], fd[5]);
}

}  // namespace

void duplex_end::close_rings() noexcept {
    (void)to_peer_.close();
    from_peer_.close();
}

result<duplex_parent> duplex_parent::spawn(const std::string& program,
                                           const std::vector<std::string>& argv,
                                           const duplex_options& options) {
    const ring_options r = detail::eventfd_ring_options(options);
    auto to_child = create_memfd_ring(r);
    if (!to_child) {
        return to_child.error_value();
    }
    auto to_parent = create_memfd_ring(r);
    if (!to_parent) {
        return to_parent.error_value();
    }
    auto child_copy_in = to_child->duplicate();
    auto child_copy_out = to_parent->duplicate();
    if (!child_copy_in || !child_copy_out) {
        return (child_copy_in ? child_copy_out.error_value() : child_copy_in.error_value());
    }
    // The parent's ends are taken before the child exists, so that the child never waits on an
    // end nobody holds yet (and a bad name fails before anything is started).
    constexpr auto kind = layout::channel_kind::duplex;
    auto writer = detail::ring_adopter::writer(kind, options.name, std::move(*to_child), r);
    if (!writer) {
        return writer.error_value();
    }
    auto reader = detail::ring_adopter::reader(kind, options.name, std::move(*to_parent), r);
    if (!reader) {
        return reader.error_value();
    }
    detail::duplex_handoff handoff;
    handoff.max_message = writer->max_message();
    handoff.capacity = writer->capacity();
    handoff.name = options.name;
    spawn_options how;
    how.fds = child_descriptors(*child_copy_in, *child_copy_out, handoff);
    how.environment = child_environment(options, handoff);
    auto started = child::spawn(program, argv, how);
    if (!started) {
        return started.error_value();
    }
    // Then they watch its pidfd: a blocked call returns peer_gone the moment it dies, and one
    // that waits for it to attach stops waiting when it exits first.
    detail::ring_adopter::watch(*writer, copy_of(started->pidfd()));
    detail::ring_adopter::watch(*reader, copy_of(started->pidfd()));
    return duplex_parent(std::move(*writer), std::move(*reader),
                         supervised_child(std::move(*started), options.stop_timeout));
}

duplex_parent& duplex_parent::operator=(duplex_parent&& other) noexcept {
    if (this != &other) {
        (void)close();
        static_cast<duplex_end&>(*this) = std::move(static_cast<duplex_end&>(other));
        child_ = std::move(other.child_);
    }
    return *this;
}

duplex_parent::~duplex_parent() {
    close_rings();  // before child_'s own destructor stops the child: it asks it to
}

result<exit_status> duplex_parent::close() {
    close_rings();
    return child_.stop();
}

result<duplex_child> duplex_child::inherit(const duplex_options& options) {
    const char* text = std::getenv(detail::duplex_variable);
    if (text == nullptr) {
        return error{errc::not_found,
                     "IPC_DUPLEX is not set: this process was not started by duplex_parent"};
    }
    auto handoff = detail::parse_duplex_handoff(text);
    ::unsetenv(detail::duplex_variable);  // taken once; not handed on to this child's children
    if (!handoff) {
        return handoff.error_value();
    }
    if (!handoff_ok(*handoff)) {  // checked before any is taken: none is closed on refusal
        return error{errc::wrong_kind,
                     "the IPC_DUPLEX descriptors are not two eventfds and a memfd per ring"};
    }
    duplex_options sized = options;
    sized.max_message = handoff->max_message;
    sized.capacity = handoff->capacity;
    const ring_options r = detail::eventfd_ring_options(sized);
    const auto& fd = handoff->fds;
    ring_fds from_parent{detail::take_inherited(fd[2]), detail::take_inherited(fd[0]),
                         detail::take_inherited(fd[1])};
    ring_fds to_parent{detail::take_inherited(fd[5]), detail::take_inherited(fd[3]),
                       detail::take_inherited(fd[4])};
    // After the descriptors are taken (close-on-exec, closed with the refusal).
    auto parent = detail::open_parent_pidfd();
    if (!parent) {
        return parent.error_value();
    }
    from_parent.peer_process = copy_of(parent->get());
    to_parent.peer_process = copy_of(parent->get());
    auto reader = detail::ring_adopter::reader(layout::channel_kind::duplex, handoff->name,
                                               std::move(from_parent), r);
    if (!reader) {
        return reader.error_value();
    }
    auto writer = detail::ring_adopter::writer(layout::channel_kind::duplex, handoff->name,
                                               std::move(to_parent), r);
    if (!writer) {
        return writer.error_value();
    }
    return duplex_child(std::move(*writer), std::move(*reader), std::move(*parent));
}

}  // namespace ipc
