#pragma once

#include <string>
#include <vector>

namespace nvsx::convert {

// A hook script for hooks/<slug>/<name>.
struct HookScript {
  std::string name;  // "on-remediate.sh"
  std::string text;
};

// A line of the Markdown that no stage took, and why.
struct Unplaced {
  int line = 0;
  std::string text;
  std::string reason;
};

// A converted runbook, not yet validated or written: <slug>.yaml plus its hooks.
struct Conversion {
  std::string slug;
  std::string runbook_yaml;
  std::vector<HookScript> hooks;
  std::vector<Unplaced> unplaced;
};

}  // namespace nvsx::convert
