// The CRDs we ship (deploy/crds, compiled into the sim) as their users meet
// them: every field says what it is, so `kubectl explain` answers.
#include <string>
#include <vector>

#include "core/yaml_load.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "sim/embedded_crds.h"
#include "sim/sim_server_fixture.h"

namespace nvsx::sim {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The paths ("spec.drainOverrides.force", "status.conditions[].type") of the
// schema's properties that carry no description.
void FindUndescribed(const json& schema, const std::string& path,
                     std::vector<std::string>& undescribed) {
  if (schema.contains("properties")) {
    for (const auto& [name, property] : schema["properties"].items()) {
      const std::string at = path.empty() ? name : path + "." + name;
      if (property.value("description", "").empty()) undescribed.push_back(at);
      FindUndescribed(property, at, undescribed);
    }
  }
  if (schema.contains("items")) FindUndescribed(schema["items"], path + "[]", undescribed);
}

TEST(ShippedCrdsTest, EveryFieldIsDescribed) {
  ASSERT_EQ(EmbeddedCrds().size(), 3u);
  for (const EmbeddedFile& file : EmbeddedCrds()) {
    absl::StatusOr<YAML::Node> yaml = core::ParseYaml(file.contents, file.name);
    ASSERT_TRUE(yaml.ok()) << yaml.status();
    const json crd = core::YamlToJson(*yaml);
    for (const json& version : crd["spec"]["versions"]) {
      const json& schema = version["schema"]["openAPIV3Schema"];
      EXPECT_FALSE(schema.value("description", "").empty()) << file.name;
      std::vector<std::string> undescribed;
      FindUndescribed(schema, "", undescribed);
      EXPECT_THAT(undescribed, IsEmpty()) << file.name << " " << version["name"];
    }
  }
}

class ShippedCrdsKubectlTest : public testing::SimServerTest {};

TEST_F(ShippedCrdsKubectlTest, KubectlExplainShowsTheDescriptions) {
  for (const EmbeddedFile& file : EmbeddedCrds()) {
    ASSERT_TRUE(Kubectl({"apply", "-f", "-"}, std::string(file.contents)).Succeeded()) << file.name;
  }
  core::SubprocessResult force = Kubectl({"explain", "healthevent.spec.drainOverrides.force"});
  ASSERT_TRUE(force.Succeeded()) << force.stderr_text;
  EXPECT_THAT(force.stdout_text, HasSubstr("Evict every pod at once"));
  core::SubprocessResult reboot = Kubectl({"explain", "rebootnode.spec"});
  ASSERT_TRUE(reboot.Succeeded()) << reboot.stderr_text;
  EXPECT_THAT(reboot.stdout_text, HasSubstr("Reboot without a graceful shutdown"));
  core::SubprocessResult reset = Kubectl({"explain", "gpureset.status.conditions"});
  ASSERT_TRUE(reset.Succeeded()) << reset.stderr_text;
  EXPECT_THAT(reset.stdout_text, HasSubstr("ResetComplete"));
}

}  // namespace
}  // namespace nvsx::sim
