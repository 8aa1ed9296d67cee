#include "health/xid_catalog.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "health/check_types.h"

namespace nvsx::health {
namespace {

using enum RecommendedAction;
using ::testing::HasSubstr;

struct Expected {
  uint32_t code;
  bool fatal;
  RecommendedAction action;
  std::string_view check;
  bool app;
};

TEST(XidCatalogTest, KeyXidsCarryTheirFacts) {
  const XidCatalog catalog = XidCatalog::Default();
  const Expected expected[] = {
      {13, false, kRestartApp, kSysLogsXidError, true},
      {31, false, kRestartApp, kSysLogsXidError, true},
      {43, false, kRestartApp, kSysLogsXidError, true},
      {45, false, kNone, kSysLogsXidError, true},
      {48, true, kComponentReset, kGpuMemWatch, false},
      {63, false, kComponentReset, kGpuMemWatch, false},
      {64, true, kContactSupport, kGpuMemWatch, false},
      {74, true, kComponentReset, kGpuNvlinkWatch, false},
      {79, true, kRestartBm, kGpuPcieWatch, false},
      {92, false, kNone, kGpuMemWatch, false},
      {94, false, kRestartApp, kGpuMemWatch, false},
      {95, true, kComponentReset, kGpuMemWatch, false},
      {119, true, kComponentReset, kGpuDriverWatch, false},
      {120, true, kComponentReset, kGpuDriverWatch, false},
  };
  for (const Expected& want : expected) {
    SCOPED_TRACE(want.code);
    const XidInfo info = catalog.Lookup(want.code);
    EXPECT_TRUE(info.known);
    EXPECT_EQ(info.code, want.code);
    EXPECT_EQ(info.fatal, want.fatal);
    EXPECT_EQ(info.action, want.action);
    EXPECT_EQ(info.check, want.check);
    EXPECT_EQ(info.implicates_application, want.app);
    EXPECT_FALSE(info.meaning.empty());
  }
  EXPECT_THAT(std::string(catalog.Lookup(79).meaning), HasSubstr("fallen off the bus"));
}

TEST(XidCatalogTest, OnlyTheApplicationXidsImplicateTheApplication) {
  const XidCatalog catalog = XidCatalog::Default();
  std::set<uint32_t> app;
  for (const XidInfo& info : catalog.entries()) {
    if (info.implicates_application) app.insert(info.code);
  }
  EXPECT_EQ(app, (std::set<uint32_t>{13, 31, 43, 45}));
}

TEST(XidCatalogTest, ApplicationXidsAreNeverFatal) {
  const XidCatalog catalog = XidCatalog::Default();
  for (const XidInfo& info : catalog.entries()) {
    if (info.implicates_application) {
      EXPECT_FALSE(info.fatal) << info.code;
    }
  }
}

TEST(XidCatalogTest, EveryEntryNamesAKnownCheckAndIsSorted) {
  const std::set<std::string_view> checks(kAllChecks.begin(), kAllChecks.end());
  const XidCatalog catalog = XidCatalog::Default();
  const auto& entries = catalog.entries();
  ASSERT_FALSE(entries.empty());
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_TRUE(checks.contains(entries[i].check)) << entries[i].code;
    EXPECT_TRUE(entries[i].known);
    if (i > 0) {
      EXPECT_LT(entries[i - 1].code, entries[i].code);
    }
  }
}

TEST(XidCatalogTest, UnknownCodeGetsNonFatalUnknownDefault) {
  const XidInfo info = XidCatalog::Default().Lookup(99999);
  EXPECT_FALSE(info.known);
  EXPECT_EQ(info.code, 99999u);
  EXPECT_FALSE(info.fatal);
  EXPECT_EQ(info.action, kUnknown);
  EXPECT_EQ(info.check, kSysLogsXidError);
  EXPECT_FALSE(info.implicates_application);
}

TEST(XidCatalogTest, CreateRejectsDuplicatesAndMissingChecks) {
  auto duplicate =
      XidCatalog::Create({{.code = 7, .check = kGpuMemWatch}, {.code = 7, .check = kGpuPcieWatch}});
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kInvalidArgument);
  auto no_check = XidCatalog::Create({{.code = 7}});
  EXPECT_EQ(no_check.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(XidCatalogTest, CustomCatalogIsLookedUpByCode) {
  auto catalog = XidCatalog::Create({{.code = 500, .meaning = "b", .check = kGpuMemWatch},
                                     {.code = 5, .meaning = "a", .check = kGpuPcieWatch}});
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ(catalog->Lookup(500).meaning, "b");
  EXPECT_EQ(catalog->Lookup(5).check, kGpuPcieWatch);
  EXPECT_FALSE(catalog->Lookup(6).known);
  EXPECT_EQ(catalog->entries().front().code, 5u);
}

}  // namespace
}  // namespace nvsx::health
