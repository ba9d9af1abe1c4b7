#include "ipc/shm.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/names.hpp"

namespace {

using ipc::errc;

TEST(ShmName, AcceptsThePortableCharacterSet) {
    EXPECT_TRUE(ipc::shm::validate_name("orders-1.v2_x"));
    EXPECT_TRUE(ipc::shm::validate_name(std::string(128, 'a')));
}

TEST(ShmName, RejectsBadNames) {
    for (const char* bad : {"", "a/b", "a b", ".hidden", "tab\t", "ü"}) {
        EXPECT_EQ(ipc::shm::validate_name(bad).code(), errc::bad_name) << bad;
    }
    EXPECT_EQ(ipc::shm::validate_name(std::string(129, 'a')).code(), errc::bad_name);
}

TEST(Shm, CreateIsExclusiveAndUsesTheRequestedMode) {
    const auto object = ipc::shm::object_name("t", ipc::test::unique_name("excl"));
    auto fd = ipc::shm::create(object, 4096, 0600);
    ASSERT_TRUE(fd) << fd.error_value().message();
    struct stat st {};
    ASSERT_EQ(::fstat(fd->get(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_size, 4096);
    EXPECT_EQ(ipc::shm::create(object, 4096, 0600).code(), errc::already_exists);
    EXPECT_TRUE(ipc::shm::unlink(object));
    EXPECT_EQ(ipc::shm::open(object, ipc::access::read_only).code(), errc::not_found);
}

TEST(Shm, SealedMemfdCannotBeResized) {
    auto fd = ipc::shm::create_sealed_memfd("sealed", 8192);
    ASSERT_TRUE(fd) << fd.error_value().message();
    EXPECT_NE(::ftruncate(fd->get(), 4096), 0);
    EXPECT_NE(::ftruncate(fd->get(), 16384), 0);
    auto size = ipc::shm::size_of(fd->get());
    ASSERT_TRUE(size);
    EXPECT_EQ(*size, 8192u);
}

TEST(Error, MessageNamesCodeDetailAndErrno) {
    const ipc::error e{errc::not_found, "shm_open failed", ENOENT};
    const auto text = e.message();
    EXPECT_NE(text.find("not_found"), std::string::npos);
    EXPECT_NE(text.find("shm_open failed"), std::string::npos);
    EXPECT_NE(text.find("No such file"), std::string::npos);
}

}  // namespace
