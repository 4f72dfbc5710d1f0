#include "store/csv.hpp"

#include "ivrd/ivr/store.hpp"

namespace ivrd::ivr::store_detail {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

class CsvParser {
 public:
  CsvParser(std::string_view text, const std::string& file) : text_(text), file_(file) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  }

  std::vector<CsvRecord> records() {
    std::vector<CsvRecord> out;
    while (at_ < text_.size()) {
      CsvRecord record;
      record.line = line_;
      bool any_quoted = false;
      for (;;) {
        bool quoted = false;
        record.values.push_back(value(record.line, quoted));
        any_quoted = any_quoted || quoted;
        if (at_ < text_.size() && text_[at_] == ',') {
          ++at_;
          continue;
        }
        end_of_line();
        break;
      }
      const bool blank = record.values.size() == 1 && !any_quoted && record.values[0].empty();
      if (!blank) out.push_back(std::move(record));
    }
    return out;
  }

 private:
  bool at_line_end() const {
    return at_ >= text_.size() || text_[at_] == '\n' || text_[at_] == '\r';
  }

  void end_of_line() {
    if (at_ < text_.size() && text_[at_] == '\r') ++at_;
    if (at_ < text_.size() && text_[at_] == '\n') ++at_;
    ++line_;
  }

  std::string value(uint64_t record_line, bool& quoted) {
    size_t start = at_;
    while (start < text_.size() && is_blank(text_[start])) ++start;
    if (start < text_.size() && text_[start] == '"') {
      quoted = true;
      at_ = start + 1;
      return quoted_value(record_line);
    }
    while (!at_line_end() && text_[at_] != ',') {
      if (text_[at_] == '"') {
        throw StoreError(file_,
                         "quote inside an unquoted value (put the whole value in quotes and "
                         "double the quote)",
                         line_);
      }
      ++at_;
    }
    return std::string(trimmed(text_.substr(start, at_ - start)));
  }

  std::string quoted_value(uint64_t record_line) {
    std::string out;
    for (;;) {
      if (at_ >= text_.size()) {
        throw StoreError(file_, "unterminated quoted value (the closing quote is missing)",
                         record_line);
      }
      const char c = text_[at_++];
      if (c == '"') {
        if (at_ < text_.size() && text_[at_] == '"') {
          out += '"';
          ++at_;
          continue;
        }
        break;
      }
      if (c == '\r' && at_ < text_.size() && text_[at_] == '\n') continue;  // CRLF inside: LF
      if (c == '\n') ++line_;
      out += c;
    }
    while (at_ < text_.size() && is_blank(text_[at_])) ++at_;
    if (!at_line_end() && text_[at_] != ',') {
      throw StoreError(file_, "text after a closing quote (a quote inside a value is written \"\")",
                       line_);
    }
    return out;
  }

  std::string_view text_;
  const std::string& file_;
  size_t at_ = 0;
  uint64_t line_ = 1;
};

}  // namespace

std::vector<CsvRecord> parse_csv(std::string_view text, const std::string& file) {
  return CsvParser(text, file).records();
}

}  // namespace ivrd::ivr::store_detail
