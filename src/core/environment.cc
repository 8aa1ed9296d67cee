#include "core/environment.h"

#include <unistd.h>

namespace nvsx::core {

Environment Environment::FromProcess() {
  Environment env;
  for (char** entry = ::environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view pair(*entry);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    env.variables_.emplace(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
  }
  return env;
}

std::optional<std::string> Environment::Get(std::string_view name) const {
  auto it = variables_.find(name);
  if (it == variables_.end()) return std::nullopt;
  return it->second;
}

void Environment::Set(std::string name, std::string value) {
  variables_.insert_or_assign(std::move(name), std::move(value));
}

void Environment::Unset(std::string_view name) {
  auto it = variables_.find(name);
  if (it != variables_.end()) variables_.erase(it);
}

std::vector<std::string> Environment::ToEnvp() const {
  std::vector<std::string> envp;
  envp.reserve(variables_.size());
  for (const auto& [name, value] : variables_) envp.push_back(name + "=" + value);
  return envp;
}

}  // namespace nvsx::core
