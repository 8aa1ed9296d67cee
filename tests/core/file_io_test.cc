#include "core/file_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;

TEST(FileIoTest, WritesAtomicallyAndReadsBack) {
  test::TempDir dir;
  const auto path = dir.path() / "state.json";
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second").ok());
  EXPECT_EQ(*ReadFile(path), "second");
  // No temporary file is left beside the target.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(FileIoTest, MissingFileIsNotFoundAndNamesThePath) {
  auto read = ReadFile("/nonexistent/nvsx/file.yaml");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("/nonexistent/nvsx/file.yaml"));
}

TEST(FileIoTest, WriteIntoMissingDirectoryFails) {
  auto status = WriteFileAtomically("/nonexistent/nvsx/out.txt", "x");
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("/nonexistent/nvsx/"));
}

}  // namespace
}  // namespace nvsx::core
