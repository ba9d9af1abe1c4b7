#pragma once
// A broker server and one connection to it, both ends in the calling process: the server's
// accepted end and the client's.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "ipc/broker.hpp"

namespace ipc::test {

struct broker_pair {
    broker_server server;
    broker_connection accepted;
    broker_connection client;
};

// Failures are test failures; the ends of what failed are left closed.
inline broker_pair connected_pair(const std::string& name, const broker_options& options) {
    using namespace std::chrono_literals;
    broker_pair p;
    auto server = broker_server::listen(name, options);
    EXPECT_TRUE(server) << server.error_value().message();
    if (!server) {
        return p;
    }
    p.server = std::move(*server);
    std::thread connecting([&] {
        auto c = broker_client::connect(name, options);
        EXPECT_TRUE(c) << c.error_value().message();
        p.client = c ? std::move(*c) : broker_connection{};
    });
    auto accepted = p.server.accept(10s);
    connecting.join();
    EXPECT_TRUE(accepted);
    p.accepted = accepted ? std::move(*accepted) : broker_connection{};
    return p;
}

}  // namespace ipc::test
