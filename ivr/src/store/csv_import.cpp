// Importing a directory from a CSV file: checked whole, then written in one
// transaction.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>

#include "ivrd/ivr/store.hpp"

#include "store/csv.hpp"
#include "store/directory_write.hpp"
#include "store/names.hpp"
#include "store/store_impl.hpp"

namespace ivrd::ivr {

using store_detail::CsvRecord;
using store_detail::in_quotes;

namespace {

// Larger files are refused before they are read: a directory of that size
// is a mistake (a wrong file given), not a phone list.
constexpr uintmax_t kMaxCsvBytes = uintmax_t{256} << 20;

struct ImportEntry {
  std::string number;
  std::map<std::string, std::string> fields;
};

std::string read_file(const std::filesystem::path& path, const std::string& name) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw StoreError(name, "is a folder, not a file");
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (!error && size > kMaxCsvBytes) {
    throw StoreError(name, "too large: " + std::to_string(size) + " bytes (limit " +
                               std::to_string(kMaxCsvBytes) + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StoreError(name, std::string("cannot read: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw StoreError(name, std::string("cannot read: ") + std::strerror(errno));
  return std::move(text).str();
}

// The checked entries of the file, or StoreError "file:line: problem".
std::vector<ImportEntry> checked_entries(const std::vector<CsvRecord>& records,
                                         const std::string& name, bool semicolons) {
  if (records.empty()) {
    throw StoreError(name, "empty file: the first line must be a header with a 'number' column", 1);
  }
  const CsvRecord& header = records.front();
  std::optional<size_t> number_column;
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < header.values.size(); ++i) {
    const std::string& column = header.values[i];
    if (const auto first = seen.find(column); first != seen.end()) {
      throw StoreError(name,
                       "column " + in_quotes(column) + " given twice (columns " +
                           std::to_string(first->second + 1) + " and " + std::to_string(i + 1) +
                           ")",
                       header.line);
    }
    seen.emplace(column, i);
    if (column == "number") number_column = i;
  }
  if (!number_column) {
    throw StoreError(name,
                     "no 'number' column in the header" +
                         std::string(semicolons ? " (values seem to be separated by ';'; ivrd "
                                                  "reads ',')"
                                                : ""),
                     header.line);
  }
  for (const std::string& column : header.values) {
    if (column != "number" && store_detail::field_name_problem(column)) {
      throw StoreError(name,
                       "bad header name " + in_quotes(column) +
                           " (letters, digits and '_', not starting with a digit)",
                       header.line);
    }
  }

  std::vector<ImportEntry> entries;
  std::map<std::string, uint64_t> numbers;  // normalised number -> line
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (record.values.size() != header.values.size()) {
      throw StoreError(name,
                       "wrong column count: " + std::to_string(record.values.size()) +
                           " values for " + std::to_string(header.values.size()) + " columns",
                       record.line);
    }
    const std::string& given = record.values[*number_column];
    const auto number = normalise_number(given);
    if (!number) {
      throw StoreError(
          name,
          "bad number " + in_quotes(given) + " (digits, '*' and '#', with an optional leading '+')",
          record.line);
    }
    if (const auto [at, inserted] = numbers.emplace(*number, record.line); !inserted) {
      throw StoreError(name,
                       "number " + *number + " already given on line " + std::to_string(at->second),
                       record.line);
    }
    ImportEntry entry{*number, {}};
    for (size_t i = 0; i < record.values.size(); ++i) {
      if (i == *number_column) continue;
      if (auto problem = store_detail::field_value_problem(record.values[i])) {
        throw StoreError(name, "column " + in_quotes(header.values[i]) + ": " + *problem,
                         record.line);
      }
      entry.fields.emplace(header.values[i], record.values[i]);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace

size_t Store::import_csv(std::string_view directory, const std::filesystem::path& csv_file,
                         CsvImport mode) {
  store_detail::check_directory_name(*impl_, directory);
  const std::string name = csv_file.string();
  const std::string text = read_file(csv_file, name);
  const std::string first_line = text.substr(0, text.find('\n'));
  const bool semicolons =
      first_line.find(';') != std::string::npos && first_line.find(',') == std::string::npos;
  const std::vector<ImportEntry> entries =
      checked_entries(store_detail::parse_csv(text, name), name, semicolons);

  const std::lock_guard lock(impl_->mutex);
  try {
    store_detail::Transaction transaction(impl_->db);
    if (mode == CsvImport::replace) store_detail::clear_directory(*impl_, directory);
    if (!entries.empty()) {
      const int64_t row = store_detail::directory_row(*impl_, directory);
      for (const auto& entry : entries) {
        store_detail::write_entry(*impl_, row, entry.number, entry.fields);
      }
    }
    transaction.commit();
  } catch (const store_detail::SqliteFailure& failure) {
    impl_->fail(failure, "importing " + name + " into directory " + std::string(directory));
  }
  return entries.size();
}

}  // namespace ivrd::ivr
