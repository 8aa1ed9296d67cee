#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace nvsx::op {

// A mongo-event filter is spliced into `mongosh --eval`, so it must be a query
// and nothing else: one object literal of field names, string, number and
// regex literals, true/false/null, and the BSON value constructors queries use
// (ObjectId, ISODate, NumberLong, NumberInt, NumberDecimal, UUID, Timestamp)
// with literal arguments. Anything that could run code (another call, an
// operator, a template string, a second statement, or a query operator that
// MongoDB evaluates as JavaScript: $where, $function, $accumulator) is
// InvalidArgument, with the offset and what is allowed.
absl::Status CheckMongoFilter(std::string_view filter);

}  // namespace nvsx::op
