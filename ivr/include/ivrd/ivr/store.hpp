#pragma once
// ivrd's store: the one file of durable state the appliance keeps, an SQLite
// database (by default /var/lib/ivrd/ivrd.db, in the daemon's state
// directory). It holds
//   - directories: named lists of phone numbers, each with fields
//     (caller_name, language, vip_level, account, ...). A caller rule
//     `lookup = "customers"` looks the caller ID up in the directory
//     "customers" and the entry's fields become the call's variables;
//   - call records (CDRs): one row per call, written when the call ends,
//     never changed afterwards.
// Callbacks will be kept in the same file. docs/store.md documents the file,
// its tables and columns, the CSV import format and every message.
//
//   auto store = ivrd::ivr::Store::open("/var/lib/ivrd/ivrd.db");
//   if (auto entry = store.lookup("customers", caller_id)) use(entry->fields);
//   store.record_call(record);   // durable when it returns
//
// Durability. The file is in WAL mode with synchronous=FULL: every write
// (record_call, put, remove, import_csv) is one transaction that is on the
// disk, fsync'ed, when the call returns. A call record or a directory change
// that was confirmed survives the process being killed and the machine losing
// power. A write that fails (disk full, I/O error) is rolled back whole and
// leaves everything stored before it as it was.
//
// Opening never harms a file it does not understand. Store::open first reads
// an existing file without write access and refuses it, untouched (not
// modified, truncated or replaced), when it
//   - is not an SQLite database, or belongs to another application;
//   - is damaged (SQLite's quick_check finds a problem, or it is truncated);
//   - was written by a newer ivrd (its schema version is above kSchemaVersion).
// A store of an older schema version is migrated to this one in a single
// transaction (all steps or none). A missing file is created with the schema
// (its folder must exist); an empty (0-byte) file is initialised the same way,
// unless a WAL file (<file>-wal) of a store that is gone lies beside it.
//
// Errors: every failure throws StoreError, whose what() is one line naming
// the file and the problem, e.g.
//   /var/lib/ivrd/ivrd.db: not an ivrd store: file is not a database
//   /var/lib/ivrd/ivrd.db: damaged store: database disk image is malformed
//   /var/lib/ivrd/ivrd.db: written by a newer ivrd (schema 7, this one reads up to 1)
//   /var/lib/ivrd/ivrd.db: cannot create the store: folder /var/lib/ivrd does not exist
//   /var/lib/ivrd/ivrd.db: cannot write the store: the file or its folder is read-only
//   /var/lib/ivrd/ivrd.db: disk full while recording call c-12
//   /var/lib/ivrd/ivrd.db: bad field name '2nd_name' (letters, digits and '_', not starting with a
//   digit) customers.csv:14: wrong column count: 2 values for 3 columns
//
// Threading: a Store is internally serialised. Every member function takes
// the Store's lock, so one Store may be shared by any number of threads; the
// calls then run one at a time. Every call does file I/O, and writes wait for
// fsync: never call a Store from a line's 20 ms media tick. Several Stores
// (in one process or several, e.g. ivrd and a tool reading call records) may
// open the same file: readers never block the writer (WAL), and writers wait
// for each other up to StoreOptions::busy_timeout. A Store must not be used
// across fork() (open a new one in the child).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::ivr {

// The schema version this ivrd writes (PRAGMA user_version). Files of a lower
// version are migrated; files of a higher one are refused.
inline constexpr int kSchemaVersion = 1;

// The SQLite application_id of an ivrd store ("IVRD" in ASCII), set when
// the schema is created; a database with another application's id is refused.
inline constexpr int32_t kStoreApplicationId = 0x49565244;

// Where the daemon keeps its store, inside its state directory (systemd's
// StateDirectory=ivrd; `ivrd --state-dir DIR` moves it to DIR/ivrd.db).
inline constexpr std::string_view kDefaultStateDir = "/var/lib/ivrd";
inline constexpr std::string_view kStoreFileName = "ivrd.db";

// The store's file in a state directory: <state_dir>/ivrd.db.
inline std::filesystem::path store_path(
    const std::filesystem::path& state_dir = std::filesystem::path(kDefaultStateDir)) {
  return state_dir / kStoreFileName;
}

// A failure of the store. what() is one line: "file: problem", or
// "file:line: problem" for a line of an imported CSV file. `file` is the
// store's path as given to Store::open, or the CSV file's.
class StoreError : public std::runtime_error {
 public:
  StoreError(std::string file, std::string problem, uint64_t line = 0);

  const std::string& file() const noexcept { return file_; }
  uint64_t line() const noexcept { return line_; }  // 0: not about a line
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::string file_;
  uint64_t line_;
  std::string problem_;
};

// ---- Directories ----------------------------------------------------------
//
// A directory is a named set of entries; a name is a letter followed by
// letters, digits, '_' and '-' (as a caller rule's `lookup` value), at most
// 64 characters. A directory exists while it has entries.
//
// Numbers are stored normalised: spaces, '-', '(', ')' and '.' are removed,
// which must leave digits, '*' and '#' with at most one '+', in front;
// between 1 and 32 characters. "+1 (555) 123-4567" is stored and matched as
// "+15551234567". Lookup matches the normalised number exactly: "+1555..."
// and "1555..." are different numbers.
//
// Field names are variable names: ASCII letters, digits and '_', not starting
// with a digit, at most 64 characters, and not "number" (the entry's key).
// Values are UTF-8 text (possibly empty), at most 4096 bytes.

struct DirectoryEntry {
  std::string number;                         // normalised
  std::map<std::string, std::string> fields;  // name -> value
  bool operator==(const DirectoryEntry&) const = default;
};

// The normalised form of `number` (see above), or nullopt when it is not a
// usable phone number (letters, a '+' inside, empty, too long).
std::optional<std::string> normalise_number(std::string_view number);

// How import_csv treats what the directory held before.
enum class CsvImport {
  replace,  // the directory becomes exactly the file's entries
  merge,    // the file's entries are added; an existing number's entry is replaced
};

// ---- Call records ---------------------------------------------------------

enum class CallDirection { inbound, outbound };

// One call, written once when the call has ended. Times are UTC and stored
// to the microsecond (finer parts are dropped, rounding down).
struct CallRecord {
  std::string call_id;  // unique in the store, e.g. "c-20261207-000123"
  std::string line;     // the port or channel the call used
  CallDirection direction = CallDirection::inbound;
  std::string caller_number;  // the caller ID number as received; empty: none
  std::string caller_name;    // the caller ID name, or a directory's caller_name
  std::chrono::system_clock::time_point started;                  // ringing began / dialling began
  std::optional<std::chrono::system_clock::time_point> answered;  // nullopt: never answered
  std::chrono::system_clock::time_point ended;
  std::string route;          // the route the call reached; empty: none
  std::string final_menu;     // the last menu the caller was in; empty: none
  std::string keys;           // every key pressed, in order ("1*20#")
  std::string hangup_reason;  // "caller_hung_up", "busy", "no_answer", ...
  std::string language;       // the language spoken to the caller

  bool operator==(const CallRecord&) const = default;
};

// ---- The store ------------------------------------------------------------

struct StoreOptions {
  // How long a write waits for another connection's write to finish before
  // failing with "store is locked".
  std::chrono::milliseconds busy_timeout{5000};
  // The largest the database may grow, in bytes (rounded down to whole
  // pages); 0: no limit but the disk. For a state directory on a small flash
  // disk. A write that would pass it fails as the disk being full would.
  uint64_t max_bytes = 0;
};

class Store {
 public:
  // Opens the store in `file`, creating it (and its schema) when missing, or
  // migrating an older schema; see the file comment for what is refused.
  // Throws StoreError. The check of an existing file reads all of it
  // (quick_check): about 0.2 s for a store of 500,000 call records (87 MB)
  // in the page cache; a slow disk's read time when it is not.
  static Store open(const std::filesystem::path& file, const StoreOptions& options = {});

  // A moved-from Store may only be destroyed or assigned to. Destroying a
  // Store closes its connection (the last one to close folds the WAL back
  // into the file).
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const std::filesystem::path& path() const noexcept;

  // -- Directories --

  // The entry for `number` (normalised first) in `directory`, or nullopt
  // when there is none. A malformed number or directory name simply matches
  // nothing. One indexed query (prepared once).
  std::optional<DirectoryEntry> lookup(std::string_view directory, std::string_view number) const;

  // Inserts the entry, or replaces the entry of the same normalised number
  // with exactly these fields. Throws StoreError for a bad directory name,
  // number, field name or value (naming it), or when the write fails.
  void put(std::string_view directory, std::string_view number,
           const std::map<std::string, std::string>& fields);

  // Removes the entry for `number`; false when there was none.
  bool remove(std::string_view directory, std::string_view number);

  // Removes the whole directory; returns how many entries it had.
  size_t remove_directory(std::string_view directory);

  // The directory's entries, sorted by number; empty when it does not exist.
  std::vector<DirectoryEntry> entries(std::string_view directory) const;

  // The names of all directories, sorted.
  std::vector<std::string> directories() const;

  // Imports a CSV file (RFC 4180: comma-separated, optional "double quotes"
  // around a value, "" for a quote inside one, quoted values may hold commas
  // and line breaks; LF or CRLF line ends; an optional UTF-8 byte order
  // mark). The first line is the header: one column must be `number`, every
  // other column is a field, named by its header (surrounding spaces
  // ignored). Blank lines are skipped; unquoted values lose surrounding
  // spaces. Every line must have as many values as the header, a valid
  // number, and no number twice (after normalisation).
  //
  // All or nothing: the file is checked whole first, then written in one
  // transaction. Throws StoreError "file:line: problem" naming the CSV file
  // and the line where the bad record starts (or the store's file when the
  // write fails); nothing is imported then. Returns how many entries were
  // imported.
  size_t import_csv(std::string_view directory, const std::filesystem::path& csv_file,
                    CsvImport mode = CsvImport::replace);

  // -- Call records --

  // Appends one call record in its own transaction; durable when it
  // returns. Refuses (StoreError naming the call) an empty or already
  // recorded call id, times out of order (answered before started, ended
  // before started or answered) and text that is not UTF-8. Call records are
  // never changed or deleted (the table refuses it).
  void record_call(const CallRecord& record);

  // The `n` most recent calls by start time, newest first.
  std::vector<CallRecord> recent_calls(size_t n) const;

  // The calls that started in [from, to), oldest first.
  std::vector<CallRecord> calls_between(std::chrono::system_clock::time_point from,
                                        std::chrono::system_clock::time_point to) const;

  // -- Maintenance --

  // SQLite's full integrity check of the file (every page, index and
  // constraint; PRAGMA integrity_check and foreign_key_check). Returns the
  // problems found, one line each; empty when the file is sound. Reads the
  // whole file.
  std::vector<std::string> check_integrity() const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ivrd::ivr
