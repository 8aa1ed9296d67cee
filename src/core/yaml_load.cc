#include "core/yaml_load.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <regex>
#include <string>

#include "core/file_io.h"
#include "core/source_error.h"
#include "core/status_macros.h"
#include "core/str_cat.h"

namespace nvsx::core {
namespace {

TextPosition PositionOfMark(const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; a null mark (-1) means "unknown", shown as 1:1.
  return TextPosition{mark.line >= 0 ? mark.line + 1 : 1, mark.column >= 0 ? mark.column + 1 : 1};
}

bool IsQuotedOrStringTagged(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  return tag == "!" || tag == "tag:yaml.org,2002:str";
}

template <typename T>
std::optional<T> ParseWhole(std::string_view text, int base) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<nlohmann::json> IntegerScalar(std::string_view text) {
  std::string_view digits = text;
  int base = 10;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'o')) {
    base = digits[1] == 'x' ? 16 : 8;
    digits.remove_prefix(2);
  }
  if (digits.empty()) return std::nullopt;
  auto magnitude = ParseWhole<uint64_t>(digits, base);
  if (!magnitude) return std::nullopt;
  if (!negative) return nlohmann::json(*magnitude);
  constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
  if (*magnitude > kMinMagnitude) return std::nullopt;
  return nlohmann::json(*magnitude == kMinMagnitude ? std::numeric_limits<int64_t>::min()
                                                    : -static_cast<int64_t>(*magnitude));
}

std::optional<nlohmann::json> FloatScalar(const std::string& text) {
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(text, kFloat)) {
    try {
      return nlohmann::json(std::stod(text));
    } catch (const std::out_of_range&) {
      return std::nullopt;
    }
  }
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf") {
    return nlohmann::json(std::numeric_limits<double>::infinity());
  }
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    return nlohmann::json(-std::numeric_limits<double>::infinity());
  }
  return std::nullopt;
}

nlohmann::json PlainScalarToJson(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (auto integer = IntegerScalar(text)) return *integer;
  if (auto real = FloatScalar(text)) return *real;
  return text;
}

}  // namespace

absl::StatusOr<YAML::Node> ParseYaml(std::string_view text, std::string_view source) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return SourceError(source, PositionOfMark(e.mark), e.msg);
  }
}

absl::StatusOr<YAML::Node> LoadYamlFile(const std::filesystem::path& path) {
  NVSX_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseYaml(text, path.string());
}

absl::Status YamlFieldError(std::string_view source, const YAML::Node& node, std::string_view field,
                            std::string_view message) {
  return SourceError(source, PositionOfMark(node.Mark()), StrCat(field, ": ", message));
}

nlohmann::json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      if (IsQuotedOrStringTagged(node)) return node.Scalar();
      return PlainScalarToJson(node.Scalar());
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const YAML::Node& item : node) array.push_back(YamlToJson(item));
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) object[entry.first.Scalar()] = YamlToJson(entry.second);
      return object;
    }
  }
  return nullptr;
}

}  // namespace nvsx::core
