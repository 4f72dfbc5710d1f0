#pragma once
// ivrctl's text for people, one function per reply; internal to the ivr library.

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

namespace ivrd::ivr::ctl {

// Prints the body of an ok reply to `command` (sent with `args`) for a
// person. Fields the daemon left out print as "-"; a body of an unexpected
// shape prints what it can and never throws.
void print_reply_text(const std::string& command, const nlohmann::json& args,
                      const nlohmann::json& body, std::ostream& out);

// One monitor event as one line: "21:00:00.123  ring  trunk-1  c-12  number=5551234".
std::string event_text(const nlohmann::json& event);

}  // namespace ivrd::ivr::ctl
