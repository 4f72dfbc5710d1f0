#pragma once
// A strict parser for one line of JSON holding a flat object (string,
// number, true/false/null values), enough to check ivr-replay's --json
// output as any JSON consumer would read it (RFC 8259).

#include <map>
#include <string>
#include <variant>

namespace ivrd::cli_tests {

using JsonValue = std::variant<std::nullptr_t, bool, double, std::string>;
using JsonObject = std::map<std::string, JsonValue>;

// Throws std::runtime_error naming the offset and what was expected, also
// for duplicate keys and anything after the object.
JsonObject parse_json_object(const std::string& text);

}  // namespace ivrd::cli_tests
