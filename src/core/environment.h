#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nvsx::core {

// A set of environment variables passed around as a value. Programs read the
// process environment once in main() and hand it down; library code never
// calls getenv, so tests can give it exactly the variables they mean.
class Environment {
 public:
  Environment() = default;
  Environment(std::initializer_list<std::pair<const std::string, std::string>> variables)
      : variables_(variables) {}

  // A copy of the current process's environment (for main()).
  static Environment FromProcess();

  std::optional<std::string> Get(std::string_view name) const;
  void Set(std::string name, std::string value);
  void Unset(std::string_view name);

  const std::map<std::string, std::string, std::less<>>& variables() const { return variables_; }

  // "NAME=value" strings, sorted by name, as execve wants them.
  std::vector<std::string> ToEnvp() const;

 private:
  std::map<std::string, std::string, std::less<>> variables_;
};

}  // namespace nvsx::core
