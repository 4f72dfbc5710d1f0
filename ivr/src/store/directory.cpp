// Directories: lookup, put, remove and listing.
#include <map>

#include "ivrd/ivr/store.hpp"

#include "store/directory_write.hpp"
#include "store/names.hpp"
#include "store/store_impl.hpp"

namespace ivrd::ivr {

using store_detail::SqliteFailure;
using store_detail::StatementUse;
using store_detail::Transaction;

namespace store_detail {

void check_directory_name(const Store::Impl& impl, std::string_view directory) {
  if (!is_directory_name(directory)) {
    impl.refuse("bad directory name " + in_quotes(directory) +
                " (a letter, then letters, digits, '_' and '-')");
  }
}

void check_fields(const Store::Impl& impl, const std::map<std::string, std::string>& fields) {
  for (const auto& [name, value] : fields) {
    if (auto problem = field_name_problem(name)) impl.refuse(*problem);
    if (auto problem = field_value_problem(value)) impl.refuse("field '" + name + "': " + *problem);
  }
}

int64_t directory_row(Store::Impl& impl, std::string_view directory) {
  StatementUse use(impl.insert_directory);
  use->bind(1, directory);
  use->step();
  return use->column_int(0);
}

void write_entry(Store::Impl& impl, int64_t directory_row, std::string_view number,
                 const std::map<std::string, std::string>& fields) {
  int64_t entry = 0;
  {
    StatementUse use(impl.insert_entry);
    use->bind(1, directory_row).bind(2, number);
    use->step();
    entry = use->column_int(0);
  }
  {
    StatementUse use(impl.delete_fields);
    use->bind(1, entry).run();
  }
  for (const auto& [name, value] : fields) {
    StatementUse use(impl.insert_field);
    use->bind(1, entry).bind(2, name).bind(3, value).run();
  }
}

size_t clear_directory(Store::Impl& impl, std::string_view directory) {
  auto count = impl.db.prepare(R"sql(
    SELECT count(*) FROM directory_entries
     WHERE directory_id = (SELECT id FROM directories WHERE name = ?1))sql");
  count.bind(1, directory);
  const auto entries = count.step() ? static_cast<size_t>(count.column_int(0)) : 0;
  // Entries and their fields go with the directory (ON DELETE CASCADE).
  auto remove = impl.db.prepare("DELETE FROM directories WHERE name = ?1");
  remove.bind(1, directory).run();
  return entries;
}

}  // namespace store_detail

std::optional<DirectoryEntry> Store::lookup(std::string_view directory,
                                            std::string_view number) const {
  const auto normalised = normalise_number(number);
  if (!normalised || !store_detail::is_directory_name(directory)) return std::nullopt;
  const std::lock_guard lock(impl_->mutex);
  try {
    StatementUse use(impl_->lookup);
    use->bind(1, directory).bind(2, *normalised);
    std::optional<DirectoryEntry> entry;
    while (use->step()) {
      if (!entry) entry.emplace().number = *normalised;
      if (!use->is_null(0)) entry->fields.emplace(use->column_text(0), use->column_text(1));
    }
    return entry;
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "looking up " + *normalised + " in directory " + std::string(directory));
  }
}

void Store::put(std::string_view directory, std::string_view number,
                const std::map<std::string, std::string>& fields) {
  store_detail::check_directory_name(*impl_, directory);
  const auto normalised = normalise_number(number);
  if (!normalised) {
    impl_->refuse("bad number " + store_detail::in_quotes(number) +
                  " (digits, '*' and '#', with an optional leading '+')");
  }
  store_detail::check_fields(*impl_, fields);
  const std::lock_guard lock(impl_->mutex);
  try {
    Transaction transaction(impl_->db);
    store_detail::write_entry(*impl_, store_detail::directory_row(*impl_, directory), *normalised,
                              fields);
    transaction.commit();
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "storing " + *normalised + " in directory " + std::string(directory));
  }
}

bool Store::remove(std::string_view directory, std::string_view number) {
  const auto normalised = normalise_number(number);
  if (!normalised || !store_detail::is_directory_name(directory)) return false;
  const std::lock_guard lock(impl_->mutex);
  try {
    Transaction transaction(impl_->db);
    {
      StatementUse use(impl_->delete_entry);
      use->bind(1, directory).bind(2, *normalised).run();
    }
    const bool removed = impl_->db.changes() > 0;
    {
      StatementUse use(impl_->delete_empty_directory);
      use->bind(1, directory).run();
    }
    transaction.commit();
    return removed;
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "removing " + *normalised + " from directory " + std::string(directory));
  }
}

size_t Store::remove_directory(std::string_view directory) {
  if (!store_detail::is_directory_name(directory)) return 0;
  const std::lock_guard lock(impl_->mutex);
  try {
    Transaction transaction(impl_->db);
    const size_t removed = store_detail::clear_directory(*impl_, directory);
    transaction.commit();
    return removed;
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "removing directory " + std::string(directory));
  }
}

std::vector<DirectoryEntry> Store::entries(std::string_view directory) const {
  std::vector<DirectoryEntry> out;
  if (!store_detail::is_directory_name(directory)) return out;
  const std::lock_guard lock(impl_->mutex);
  try {
    auto statement = impl_->db.prepare(R"sql(
      SELECT e.number, f.name, f.value FROM directories d
        JOIN directory_entries e ON e.directory_id = d.id
        LEFT JOIN directory_fields f ON f.entry_id = e.id
       WHERE d.name = ?1 ORDER BY e.number, f.name)sql");
    statement.bind(1, directory);
    while (statement.step()) {
      std::string number = statement.column_text(0);
      if (out.empty() || out.back().number != number) out.push_back({std::move(number), {}});
      if (!statement.is_null(1)) {
        out.back().fields.emplace(statement.column_text(1), statement.column_text(2));
      }
    }
    return out;
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "reading directory " + std::string(directory));
  }
}

std::vector<std::string> Store::directories() const {
  const std::lock_guard lock(impl_->mutex);
  try {
    std::vector<std::string> out;
    auto statement = impl_->db.prepare("SELECT name FROM directories ORDER BY name");
    while (statement.step()) out.push_back(statement.column_text(0));
    return out;
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "listing directories");
  }
}

}  // namespace ivrd::ivr
