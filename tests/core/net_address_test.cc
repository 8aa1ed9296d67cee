#include "core/net_address.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;

TEST(ParseHostPortTest, ParsesIpv4Ipv6AndNames) {
  auto v4 = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = ParseHostPort("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:0");
  EXPECT_EQ(ParseHostPort("localhost:50051")->port, 50051);
}

TEST(ParseHostPortTest, RejectsMalformedAddressesWithReason) {
  EXPECT_THAT(std::string(ParseHostPort("8080").status().message()), HasSubstr("missing port"));
  EXPECT_THAT(std::string(ParseHostPort(":8080").status().message()), HasSubstr("missing host"));
  EXPECT_THAT(std::string(ParseHostPort("127.0.0.1:99999").status().message()),
              HasSubstr("0 to 65535"));
  EXPECT_THAT(std::string(ParseHostPort("127.0.0.1:http").status().message()),
              HasSubstr("0 to 65535"));
  EXPECT_THAT(std::string(ParseHostPort("::1:80").status().message()), HasSubstr("brackets"));
  EXPECT_FALSE(ParseHostPort("[nothost]:80").ok());
}

TEST(IsLoopbackHostTest, OnlyLoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.3.2.1"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("::"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
}

}  // namespace
}  // namespace nvsx::core

namespace nvsx::core {
namespace {

TEST(PickFreeLoopbackPortTest, ThePortCanBeBound) {
  auto port = PickFreeLoopbackPort();
  ASSERT_TRUE(port.ok()) << port.status();
  ASSERT_GT(*port, 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(*port);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
}

}  // namespace
}  // namespace nvsx::core
