#pragma once
// SIGTERM and SIGINT end the monitor through the event loop, like closing its window, so that
// it stops the demos it started instead of leaving them running (the default action would end
// the process at once, skipping every destructor).

namespace monitor {

// Installs the handlers; the application quits on the first of the two signals. Call once, with
// a Q(Core)Application alive.
void quit_on_signal();

}  // namespace monitor
