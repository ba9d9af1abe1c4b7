// Test helper for ipc::child::spawn: prints the descriptors it was started with, then the
// contents of each descriptor named on its command line.
//   fd_probe [FD...]   ->   "open: 0 1 2 3 5\n" then "FD: <contents>\n" per FD

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

int main(int argc, char** argv) {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) {
        return 2;
    }
    std::set<int> open;
    while (const dirent* e = ::readdir(dir)) {
        if (e->d_name[0] != '.') {
            open.insert(std::atoi(e->d_name));
        }
    }
    open.erase(::dirfd(dir));
    ::closedir(dir);
    std::string line = "open:";
    for (int fd : open) {
        line += " " + std::to_string(fd);
    }
    std::printf("%s\n", line.c_str());
    for (int i = 1; i < argc; ++i) {
        const int fd = std::atoi(argv[i]);
        std::string contents;
        char buf[256];
        (void)::lseek(fd, 0, SEEK_SET);  // a file from its start; a pipe cannot seek
        ssize_t n;
        while ((n = ::read(fd, buf, sizeof buf)) > 0) {
            contents.append(buf, static_cast<std::size_t>(n));
        }
        std::printf("%d: %s\n", fd, contents.c_str());
    }
    return 0;
}
