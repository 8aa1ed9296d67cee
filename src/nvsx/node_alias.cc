#include "nvsx/node_alias.h"

#include <openssl/sha.h>

#include <array>
#include <cstdint>

#include "core/str_cat.h"

namespace nvsx::op {
namespace {

// Short, pronounceable and neutral; distinct enough to tell apart over a call.
constexpr std::array<std::string_view, 64> kAdjectives = {
    "amber",  "bold",     "brave",   "breezy", "bright", "calm",    "candid", "clever",
    "cosmic", "crisp",    "curious", "dapper", "daring", "dusty",   "eager",  "early",
    "fancy",  "fearless", "fluffy",  "frosty", "gentle", "gleeful", "golden", "grand",
    "happy",  "hardy",    "humble",  "icy",    "jolly",  "keen",    "kind",   "lively",
    "lucky",  "lunar",    "mellow",  "merry",  "mighty", "misty",   "nimble", "noble",
    "plucky", "polite",   "proud",   "quick",  "quiet",  "rapid",   "rustic", "shiny",
    "silent", "sleepy",   "snowy",   "solar",  "spry",   "steady",  "stormy", "sunny",
    "swift",  "tidy",     "upbeat",  "vivid",  "wary",   "witty",   "zany",   "zesty",
};

constexpr std::array<std::string_view, 64> kAnimals = {
    "alpaca", "badger",  "beaver", "bison",   "bobcat",  "camel",  "cheetah", "condor",
    "coyote", "crane",   "dingo",  "dolphin", "eagle",   "egret",  "falcon",  "ferret",
    "finch",  "gazelle", "gecko",  "gibbon",  "goose",   "heron",  "hippo",   "ibex",
    "iguana", "jackal",  "jaguar", "koala",   "lemur",   "lion",   "llama",   "lynx",
    "magpie", "marmot",  "marten", "moose",   "narwhal", "newt",   "ocelot",  "orca",
    "osprey", "otter",   "owl",    "panda",   "pelican", "puffin", "quail",   "rabbit",
    "raven",  "robin",   "salmon", "seal",    "sloth",   "swan",   "tapir",   "tiger",
    "toucan", "turtle",  "viper",  "walrus",  "wombat",  "yak",    "zebra",   "wolf",
};

template <size_t N>
constexpr bool AllDistinct(const std::array<std::string_view, N>& words) {
  for (size_t i = 0; i < N; ++i) {
    for (size_t j = i + 1; j < N; ++j) {
      if (words[i] == words[j]) return false;
    }
  }
  return true;
}
static_assert(AllDistinct(kAdjectives), "adjectives must be distinct");
static_assert(AllDistinct(kAnimals), "animals must be distinct");

uint32_t BigEndian32(const unsigned char* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

}  // namespace

std::string NodeAlias(std::string_view node_name) {
  if (node_name.empty()) return "unknown-node";
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest;
  SHA256(reinterpret_cast<const unsigned char*>(node_name.data()), node_name.size(), digest.data());
  return core::StrCat(kAdjectives[BigEndian32(digest.data()) % kAdjectives.size()], "-",
                      kAnimals[BigEndian32(digest.data() + 4) % kAnimals.size()]);
}

std::string NodeWithAlias(std::string_view node_name) {
  return core::StrCat(NodeAlias(node_name), " (", node_name, ")");
}

}  // namespace nvsx::op
