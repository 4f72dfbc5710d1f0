#pragma once
// Reading requests off the control socket; internal to the ivr library.

#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "ivrd/ivr/control.hpp"

namespace ivrd::ivr::control_detail {

struct ParsedRequest {
  std::string command;
  nlohmann::json args;  // always an object
};

// One request line (without its '\n') checked against control_commands():
// the request, or a bad_request reply naming what was wrong.
std::variant<ParsedRequest, ControlReply> parse_request_line(std::string_view line);

// Text fit for one line of JSON: line breaks and other control characters
// become spaces, bytes that are not UTF-8 become U+FFFD.
std::string one_line(std::string_view text);

// JSON text of `value` on one line; invalid UTF-8 in strings becomes U+FFFD.
std::string dump_line(const nlohmann::json& value);

}  // namespace ivrd::ivr::control_detail
