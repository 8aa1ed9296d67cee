#include "sim/field_selector.h"

#include "absl/status/status.h"
#include "core/str_cat.h"

namespace nvsx::sim {
namespace {

// Splits on unescaped `separator`, keeping escapes in the pieces.
std::vector<std::string> SplitUnescaped(std::string_view text, char separator) {
  std::vector<std::string> pieces(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      pieces.back() += text[i];
      pieces.back() += text[++i];
    } else if (text[i] == separator) {
      pieces.emplace_back();
    } else {
      pieces.back() += text[i];
    }
  }
  return pieces;
}

absl::StatusOr<std::string> Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 >= text.size() || (text[i + 1] != '\\' && text[i + 1] != ',' && text[i + 1] != '=')) {
      return absl::InvalidArgumentError(
          core::StrCat("invalid field selector value \"", text, "\": bad escape"));
    }
    out += text[++i];
  }
  return out;
}

// Index of the first unescaped occurrence of `op` in `text`, or npos.
size_t FindOperator(std::string_view text, std::string_view op) {
  for (size_t i = 0; i + op.size() <= text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
      continue;
    }
    if (text.substr(i, op.size()) == op) return i;
  }
  return std::string_view::npos;
}

}  // namespace

absl::StatusOr<FieldSelector> FieldSelector::Parse(std::string_view text) {
  FieldSelector selector;
  if (text.find_first_not_of(' ') == std::string_view::npos) return selector;
  for (const std::string& piece : SplitUnescaped(text, ',')) {
    Term term;
    size_t at = std::string_view::npos;
    size_t op_length = 0;
    for (std::string_view op : {"!=", "==", "="}) {
      size_t found = FindOperator(piece, op);
      if (found != std::string_view::npos && (at == std::string_view::npos || found < at)) {
        at = found;
        op_length = op.size();
        term.equals = op != "!=";
      }
    }
    if (at == std::string_view::npos || at == 0) {
      return absl::InvalidArgumentError(core::StrCat("invalid field selector \"", text,
                                                     "\": expected path=value, path==value or "
                                                     "path!=value in \"",
                                                     piece, "\""));
    }
    term.path = piece.substr(0, at);
    absl::StatusOr<std::string> value = Unescape(std::string_view(piece).substr(at + op_length));
    if (!value.ok()) return value.status();
    term.value = *std::move(value);
    selector.terms_.push_back(std::move(term));
  }
  return selector;
}

std::string FieldValueAt(const nlohmann::json& object, std::string_view dotted_path) {
  const nlohmann::json* node = &object;
  size_t start = 0;
  while (start <= dotted_path.size()) {
    size_t dot = dotted_path.find('.', start);
    std::string_view segment = dotted_path.substr(
        start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!node->is_object()) return "";
    auto it = node->find(std::string(segment));
    if (it == node->end()) return "";
    node = &*it;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_null()) return "";
  return node->dump();
}

bool FieldSelector::Matches(const nlohmann::json& object) const {
  for (const Term& term : terms_) {
    if ((FieldValueAt(object, term.path) == term.value) != term.equals) return false;
  }
  return true;
}

const std::string* FieldSelector::RequiredValue(std::string_view path) const {
  for (const Term& term : terms_) {
    if (term.equals && term.path == path) return &term.value;
  }
  return nullptr;
}

}  // namespace nvsx::sim
