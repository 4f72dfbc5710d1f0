#pragma once
// Aligned text tables for ivrctl's output; internal to the ivr library.

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ivrd::ivr::ctl {

// Columns separated by two spaces, each as wide as its widest cell (counted
// in UTF-8 characters), the header line first; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const noexcept { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// A value for a person: strings as they are (control characters shown as
// '?', so nothing from the daemon can drive the terminal), whole numbers
// without decimals, other numbers with one, booleans yes/no, null or missing
// "-", arrays joined with ",", objects as name=value pairs.
std::string cell(const nlohmann::json& value);
// The member `key` of `object` as a cell ("-" when missing or not an object).
std::string cell(const nlohmann::json& object, const char* key);

// Seconds as people read a duration: "42s", "3m05s", "2h03m", "4d02h".
std::string duration_text(double seconds);

}  // namespace ivrd::ivr::ctl
