#include "control/connection_registry.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace ipc::detail {

namespace {

struct registry {
    std::mutex lock;
    std::uint64_t next_id = 1;
    std::map<std::uint64_t, connection_record> records;
};

// Never destroyed: connections and the control thread may outlive static destruction.
registry& the_registry() {
    static auto* r = new registry;
    return *r;
}

void unregister(std::uint64_t id) noexcept {
    if (id == 0) {
        return;
    }
    auto& r = the_registry();
    const std::lock_guard guard(r.lock);
    r.records.erase(id);
}

}  // namespace

connection_registration::connection_registration(connection_record record) {
    auto& r = the_registry();
    const std::lock_guard guard(r.lock);
    id_ = r.next_id++;
    r.records.emplace(id_, std::move(record));
}

connection_registration::connection_registration(connection_registration&& other) noexcept
    : id_(std::exchange(other.id_, 0)) {}

connection_registration& connection_registration::operator=(
    connection_registration&& other) noexcept {
    if (this != &other) {
        unregister(id_);
        id_ = std::exchange(other.id_, 0);
    }
    return *this;
}

connection_registration::~connection_registration() {
    unregister(id_);
}

std::vector<connection_report> registered_connections() {
    auto& r = the_registry();
    const std::lock_guard guard(r.lock);
    std::vector<connection_report> out;
    for (const auto& [id, record] : r.records) {
        connection_report report{id, record, record.traffic != nullptr, {}};
        if (const auto* t = record.traffic) {
            constexpr auto relaxed = std::memory_order_relaxed;
            report.counts = {t->messages_in.load(relaxed), t->bytes_in.load(relaxed),
                             t->messages_out.load(relaxed), t->bytes_out.load(relaxed)};
        }
        report.record.traffic = nullptr;  // not to be followed once the lock is released
        out.push_back(std::move(report));
    }
    return out;
}

}  // namespace ipc::detail
