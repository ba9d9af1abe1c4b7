// What serving costs: ipcstat serve's CPU with 100 live endpoints scraped once a second (issue
// 16's target: under 1 % of a core), how long a scrape of them takes, and a flat-out ring
// writer's throughput while it is scraped once a second beside none (target: at least 0.99).

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "cases.hpp"
#include "watchers.hpp"

namespace bench {

namespace {

using namespace std::chrono_literals;

// `ipcstat serve` on a loopback port it picks, and a client for it; stopped when destroyed.
class served_ipcstat {
  public:
    served_ipcstat() : program_(start()), client_("127.0.0.1", port_) {
        client_.set_connection_timeout(5s);
        client_.set_read_timeout(30s);
    }
    ~served_ipcstat() { stop_program(program_); }
    served_ipcstat(const served_ipcstat&) = delete;
    served_ipcstat& operator=(const served_ipcstat&) = delete;

    pid_t pid() const { return program_.pid(); }
    ipc::child& program() { return program_; }
    // GET /metrics; throws when it does not answer 200.
    void scrape() {
        if (!try_scrape()) {
            throw std::runtime_error("ipcstat serve did not answer a scrape");
        }
    }
    // The same, for a thread that may not throw; counts the scrapes that failed.
    bool try_scrape() {
        const auto r = client_.Get("/metrics");
        const bool answered = r && r->status == 200;
        failed_ += answered ? 0 : 1;
        return answered;
    }
    int failed() const { return failed_; }

  private:
    // Starts it on port 0 and reads the port from its first line ("ipcstat: serving
    // http://127.0.0.1:PORT"), waiting at most 10 s for it.
    ipc::child start() {
        int out[2];
        if (::pipe(out) != 0) {
            throw std::runtime_error("pipe");
        }
        auto program = spawn_program({IPCSTAT_BIN, "serve", "--listen", "127.0.0.1:0"}, {}, out[1]);
        ::close(out[1]);
        std::string line;
        pollfd p{out[0], POLLIN, 0};
        char c = 0;
        while (line.find('\n') == std::string::npos && ::poll(&p, 1, 10'000) == 1 &&
               ::read(out[0], &c, 1) == 1) {
            line += c;
        }
        ::close(out[0]);
        const auto colon = line.rfind(':');
        if (line.find('\n') == std::string::npos || colon == std::string::npos) {
            stop_program(program);
            throw std::runtime_error("ipcstat serve did not say where it listens");
        }
        port_ = std::stoi(line.substr(colon + 1));
        return program;
    }

    int port_ = 0;
    int failed_ = 0;
    ipc::child program_;
    httplib::Client client_;
};

// Percent of one core ipcstat serve uses over `scrapes` scrapes one second apart, with 100 live
// endpoints moving messages.
double serve_cpu_percent(int scrapes) {
    return with_live_pairs(50, true, [&](const std::string&) {
        served_ipcstat served;
        served.scrape();  // its start-up is not what a scrape costs
        const auto cpu0 = cpu_ns(served.pid());
        const auto wall0 = now_ns();
        for (int i = 0; i < scrapes; ++i) {
            std::this_thread::sleep_for(1s);
            served.scrape();
        }
        const auto cpu1 = cpu_ns(served.pid());
        const auto wall1 = now_ns();
        require_running(served.program());
        return 100.0 * static_cast<double>(cpu1 - cpu0) / static_cast<double>(wall1 - wall0);
    });
}

// Median time of `scrapes` scrapes of 100 live endpoints, in ms.
double serve_scrape_ms(int scrapes) {
    return with_live_pairs(50, true, [&](const std::string&) {
        served_ipcstat served;
        served.scrape();
        std::vector<double> ms;
        for (int i = 0; i < scrapes; ++i) {
            const auto start = now_ns();
            served.scrape();
            ms.push_back(static_cast<double>(now_ns() - start) / 1e6);
            std::this_thread::sleep_for(100ms);
        }
        std::nth_element(ms.begin(), ms.begin() + scrapes / 2, ms.end());
        return ms[static_cast<std::size_t>(scrapes / 2)];
    });
}

}  // namespace

void add_serve_cases(std::vector<bench_case>& cases) {
    cases.push_back(measured("serve_cpu_percent_100_endpoints_1Hz_scrape", "%", "",
                             [] { return serve_cpu_percent(10); }));
    cases.push_back(
        measured("serve_scrape_ms_100_endpoints", "ms", "", [] { return serve_scrape_ms(21); }));
    cases.push_back(measured("ring_throughput_msgs_64B_scraped_1Hz", "msgs/s",
                             "ring_throughput_msgs_64B_unobserved_long", [] {
                                 served_ipcstat served;
                                 // The scrapes run in a thread of the writer's process (the
                                 // client's share of each costs the writer too).
                                 const double rate = ring_throughput_looked_at(
                                     1, [&] { (void)served.try_scrape(); });
                                 if (served.failed() != 0) {
                                     throw std::runtime_error("a scrape was not answered");
                                 }
                                 return rate;
                             }));
}

}  // namespace bench
