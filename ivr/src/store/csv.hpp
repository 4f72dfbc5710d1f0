#pragma once
// Splitting CSV text into records (RFC 4180 with the habits of real
// exports: CRLF or LF, a UTF-8 byte order mark, spaces around unquoted
// values).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::ivr::store_detail {

struct CsvRecord {
  uint64_t line = 0;  // where the record starts, from 1
  std::vector<std::string> values;
};

// The records of `text`, blank lines left out. Throws StoreError(file,
// problem, line) for an unterminated quoted value, text after a closing
// quote, or a quote inside an unquoted value.
std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& file);

}  // namespace ivrd::ivr::store_detail
