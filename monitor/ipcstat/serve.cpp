#include "ipcstat/serve.hpp"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <httplib.h>

namespace ipcstat {

namespace {

constexpr const char* prometheus_type = "text/plain; version=0.0.4; charset=utf-8";
// GET carries no body: anything past this is refused.
constexpr std::size_t max_body = 1024;

// The token compared in a time that depends only on the token's own length, never on the
// given value or where it differs.
bool authorised(const httplib::Request& request, const std::string& token) {
    if (token.empty()) {
        return true;
    }
    const std::string given = request.get_header_value("Authorization");
    const std::string wanted = "Bearer " + token;
    unsigned char difference = given.size() == wanted.size() ? 0 : 1;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        const char g = given.empty() ? '\0' : given[i % given.size()];
        difference |= static_cast<unsigned char>(g ^ wanted[i]);
    }
    return difference == 0;
}

// Only GET (and HEAD) without a body: anything else is refused before cpp-httplib would read
// a body (a chunked or length-less one has no size limit there).
bool acceptable(const httplib::Request& request) {
    const std::string length = request.get_header_value("Content-Length");
    return (request.method == "GET" || request.method == "HEAD") &&
           !request.has_header("Transfer-Encoding") && (length.empty() || length == "0");
}

std::unique_ptr<httplib::Server> make_server(const serve_options& o) {
    if (!o.certificate.empty() || !o.private_key.empty()) {
        return std::make_unique<httplib::SSLServer>(o.certificate.c_str(), o.private_key.c_str());
    }
    return std::make_unique<httplib::Server>();
}

void add_routes(httplib::Server& server, const serve_options& o) {
    const auto snapshot = [o] {
        auto s = ipc::inspect::filtered(ipc::inspect::take_snapshot(o.dir), o.filter);
        ipc::inspect::judge_health(s, nullptr);
        return s;
    };
    server.set_pre_routing_handler(
        [o](const httplib::Request& request, httplib::Response& response) {
            if (!acceptable(request)) {
                response.status = 405;
                response.set_header("Allow", "GET, HEAD");
                response.set_header("Connection", "close");
                return httplib::Server::HandlerResponse::Handled;
            }
            if (authorised(request, o.token)) {
                return httplib::Server::HandlerResponse::Unhandled;
            }
            response.status = 401;
            response.set_header("WWW-Authenticate", "Bearer");
            response.set_content("unauthorised\n", "text/plain");
            return httplib::Server::HandlerResponse::Handled;
        });
    server.Get("/metrics", [snapshot](const httplib::Request&, httplib::Response& response) {
        response.set_content(ipc::inspect::to_prometheus(snapshot()), prometheus_type);
    });
    server.Get("/snapshot", [snapshot](const httplib::Request&, httplib::Response& response) {
        response.set_content(ipc::inspect::to_json(snapshot()), "application/json");
    });
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("ok\n", "text/plain");
    });
}

}  // namespace

int run_serve(const serve_options& o) {
    // SIGINT and SIGTERM are taken by a thread of their own (sigwait), which stops the server:
    // a signal handler may not.
    sigset_t stopping;
    sigemptyset(&stopping);
    sigaddset(&stopping, SIGINT);
    sigaddset(&stopping, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopping, nullptr);

    // A scrape copies every telemetry table (656 KiB each) and builds a body of about 8 KiB per
    // endpoint, then frees it all; glibc hands such blocks back to the kernel at once (mmap above
    // 128 KiB, a trimmed heap) and the next scrape faults them in again, which was a third of a
    // scrape's CPU. Kept instead, in one arena (each worker would otherwise fault in its own):
    // the process stays at its largest scrape's size.
    // 32 MiB is the largest mmap threshold glibc takes; a value it refuses would leave the
    // threshold fixed at 128 KiB (setting M_TRIM_THRESHOLD ends its dynamic adjustment).
    if (::mallopt(M_ARENA_MAX, 1) != 1 || ::mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 ||
        ::mallopt(M_TRIM_THRESHOLD, 512 << 20) != 1) {
        std::fputs("ipcstat: glibc refused to keep memory between scrapes\n", stderr);
    }
    auto server = make_server(o);
    if (!server->is_valid()) {
        std::fputs("ipcstat: the TLS certificate or key cannot be used\n", stderr);
        return 1;
    }
    server->new_task_queue = [n = o.workers] { return new httplib::ThreadPool(n); };
    server->set_read_timeout(o.io_timeout);
    server->set_write_timeout(o.io_timeout);
    server->set_keep_alive_timeout(o.io_timeout.count());
    server->set_payload_max_length(max_body);
    add_routes(*server, o);
    const int port = o.port == 0 ? server->bind_to_any_port(o.host)
                                 : (server->bind_to_port(o.host, o.port) ? o.port : -1);
    if (port < 0) {
        std::fprintf(stderr, "ipcstat: cannot listen on %s:%d\n", o.host.c_str(), o.port);
        return 1;
    }
    std::printf("ipcstat: serving %s://%s:%d\n", o.certificate.empty() ? "http" : "https",
                o.host.c_str(), port);
    std::fflush(stdout);
    std::atomic<bool> over{false};
    std::atomic<bool> signalled{false};
    std::thread stopper([&] {
        int signal = 0;
        sigwait(&stopping, &signal);
        signalled = true;
        // stop() acts only once the server runs: a signal that came before it did is not lost.
        while (!over) {
            server->stop();
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
    const bool served = server->listen_after_bind();
    over = true;
    if (!signalled) {
        pthread_kill(stopper.native_handle(), SIGTERM);  // ended otherwise: let the stopper go
    }
    stopper.join();
    if (!served && !signalled) {
        std::fputs("ipcstat: the server stopped accepting connections\n", stderr);
        return 1;
    }
    return 0;
}

}  // namespace ipcstat
