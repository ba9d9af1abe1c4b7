#pragma once
// Paces a sender to a target rate: sleeps only when ahead of schedule by more than a small
// slack, so high rates are reached with bursts instead of a syscall per message.

#include <cstdint>

namespace demo {

class pacer {
  public:
    // rate_per_s 0: flat out, never waits.
    explicit pacer(double rate_per_s);
    // Waits until message number `sent` is due.
    void wait_turn(std::uint64_t sent);

  private:
    double period_ns_;
    std::uint64_t start_ns_;
};

}  // namespace demo
