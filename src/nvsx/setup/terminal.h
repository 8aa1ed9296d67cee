#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace nvsx::setup {

// Where the setup wizard talks to a person: lines out, answers in. Tests
// script it; the command uses StdioTerminal.
class Terminal {
 public:
  virtual ~Terminal() = default;
  virtual void Print(std::string_view text) = 0;
  // Shows `prompt` and reads one line (without its newline); nullopt at the
  // end of input.
  virtual std::optional<std::string> ReadLine(std::string_view prompt) = 0;
  // Whether someone can answer at all: false when input is not a terminal.
  virtual bool Interactive() const = 0;
};

// A Terminal on stdio streams; interactive when `in` is a tty. Both streams
// must outlive it.
class StdioTerminal : public Terminal {
 public:
  StdioTerminal(std::FILE* in, std::FILE* out) : in_(in), out_(out) {}
  void Print(std::string_view text) override;
  std::optional<std::string> ReadLine(std::string_view prompt) override;
  bool Interactive() const override;

 private:
  std::FILE* in_;
  std::FILE* out_;
};

}  // namespace nvsx::setup
