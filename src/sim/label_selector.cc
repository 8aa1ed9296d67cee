#include "sim/label_selector.h"

#include <cctype>
#include <cstdlib>

#include "absl/status/status.h"
#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  char Peek() {
    SkipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool Consume(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(core::StrCat("unable to parse label selector \"", text_,
                                                   "\" at position ", pos_, ": ", what));
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

absl::StatusOr<LabelSelector::Requirement> ParseRequirement(Lexer& lexer) {
  using Op = LabelSelector::Op;
  LabelSelector::Requirement requirement;
  if (lexer.Consume("!")) {
    requirement.key = lexer.Word();
    if (requirement.key.empty()) return lexer.Error("expected a key after '!'");
    requirement.op = Op::kDoesNotExist;
    return requirement;
  }
  requirement.key = lexer.Word();
  if (requirement.key.empty()) return lexer.Error("expected a key");
  if (lexer.AtEnd() || lexer.Peek() == ',') {
    requirement.op = Op::kExists;
    return requirement;
  }
  if (lexer.Consume("==") || lexer.Consume("=")) {
    requirement.op = Op::kEquals;
  } else if (lexer.Consume("!=")) {
    requirement.op = Op::kNotEquals;
  } else if (lexer.Consume(">")) {
    requirement.op = Op::kGreaterThan;
  } else if (lexer.Consume("<")) {
    requirement.op = Op::kLessThan;
  } else {
    std::string word = lexer.Word();
    if (word == "in") {
      requirement.op = Op::kIn;
    } else if (word == "notin") {
      requirement.op = Op::kNotIn;
    } else {
      return lexer.Error(core::StrCat("expected an operator after \"", requirement.key, "\""));
    }
    if (!lexer.Consume("(")) return lexer.Error("expected '(' to open the set of values");
    while (true) {
      requirement.values.push_back(lexer.Word());
      if (lexer.Consume(")")) break;
      if (!lexer.Consume(",")) return lexer.Error("expected ',' or ')' in the set of values");
    }
    return requirement;
  }
  std::string value = lexer.Word();
  if ((requirement.op == Op::kGreaterThan || requirement.op == Op::kLessThan)) {
    char* end = nullptr;
    std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') return lexer.Error("expected an integer after '>' or '<'");
  }
  requirement.values.push_back(std::move(value));
  return requirement;
}

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  for (const std::string& candidate : values) {
    if (candidate == value) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  Lexer lexer(text);
  if (lexer.AtEnd()) return selector;
  while (true) {
    absl::StatusOr<Requirement> requirement = ParseRequirement(lexer);
    if (!requirement.ok()) return requirement.status();
    selector.requirements_.push_back(*std::move(requirement));
    if (lexer.AtEnd()) break;
    if (!lexer.Consume(",")) return lexer.Error("expected ',' between requirements");
  }
  return selector;
}

absl::StatusOr<LabelSelector> LabelSelector::FromJson(const nlohmann::json& selector) {
  LabelSelector result;
  if (selector.is_null()) {
    result.match_nothing_ = true;
    return result;
  }
  if (!selector.is_object())
    return absl::InvalidArgumentError("a label selector must be an object");
  if (auto it = selector.find("matchLabels"); it != selector.end() && it->is_object()) {
    for (const auto& [key, value] : it->items()) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(core::StrCat("matchLabels.", key, " must be a string"));
      }
      result.requirements_.push_back({key, Op::kEquals, {value.get<std::string>()}});
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && it->is_array()) {
    for (const nlohmann::json& expression : *it) {
      Requirement requirement;
      requirement.key = expression.value("key", "");
      std::string op = expression.value("operator", "");
      if (op == "In") {
        requirement.op = Op::kIn;
      } else if (op == "NotIn") {
        requirement.op = Op::kNotIn;
      } else if (op == "Exists") {
        requirement.op = Op::kExists;
      } else if (op == "DoesNotExist") {
        requirement.op = Op::kDoesNotExist;
      } else {
        return absl::InvalidArgumentError(
            core::StrCat("matchExpressions: unknown operator \"", op, "\""));
      }
      if (auto values = expression.find("values");
          values != expression.end() && values->is_array()) {
        for (const nlohmann::json& value : *values) {
          if (value.is_string()) requirement.values.push_back(value.get<std::string>());
        }
      }
      result.requirements_.push_back(std::move(requirement));
    }
  }
  return result;
}

bool LabelSelector::Matches(const nlohmann::json& labels) const {
  if (match_nothing_) return false;
  for (const Requirement& requirement : requirements_) {
    const nlohmann::json* value = nullptr;
    if (labels.is_object()) {
      auto it = labels.find(requirement.key);
      if (it != labels.end() && it->is_string()) value = &*it;
    }
    const std::string text = value ? value->get<std::string>() : std::string();
    switch (requirement.op) {
      case Op::kEquals:
      case Op::kIn:
        if (!value || !Contains(requirement.values, text)) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (value && Contains(requirement.values, text)) return false;
        break;
      case Op::kExists:
        if (!value) return false;
        break;
      case Op::kDoesNotExist:
        if (value) return false;
        break;
      case Op::kGreaterThan:
      case Op::kLessThan: {
        if (!value) return false;
        char* end = nullptr;
        long long number = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0') return false;
        long long bound = std::strtoll(requirement.values[0].c_str(), nullptr, 10);
        if (requirement.op == Op::kGreaterThan ? !(number > bound) : !(number < bound)) {
          return false;
        }
        break;
      }
    }
  }
  return true;
}

}  // namespace nvsx::sim
