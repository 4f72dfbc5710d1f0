// Importing directories from CSV files: quoting, byte order mark, CRLF,
// replace and merge, and errors as "file:line: problem" that import nothing.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/ivr/store.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "store_test_support.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::testing;
namespace ts = ivrd::test_support;
namespace fs = std::filesystem;

namespace {

using Fields = std::map<std::string, std::string>;

// The message import_csv gives for `text`; fails the test when it imports.
std::string import_error(Store& store, const fs::path& csv, const std::string& text) {
  write_bytes(csv, text);
  try {
    store.import_csv("customers", csv);
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    return e.what();
  }
  FAIL("the file was imported:\n" << text);
  return {};
}

}  // namespace

TEST_CASE("a CSV file with quoting, a byte order mark and CRLF is imported", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  const fs::path csv = dir.path() / "customers.csv";
  write_bytes(csv,
              "\xEF\xBB\xBF"
              "caller_name,number,language,note\r\n"
              "\"Doe, Jane\",+1 (555) 123-4567,en,\"said \"\"hello\"\"\"\r\n"
              "  Zoë Müller  , 030 1234 5678 , de ,\r\n"
              "\r\n"
              "\"Two\r\nlines\",5550001,fr,\"a,b,c\"\r\n"
              "\"\",5550002,en,\"\"");  // no line end at the end of the file
  CHECK(store.import_csv("customers", csv) == 4);
  CHECK(
      store.entries("customers") ==
      std::vector<DirectoryEntry>{
          {"+15551234567",
           Fields{{"caller_name", "Doe, Jane"}, {"language", "en"}, {"note", "said \"hello\""}}},
          {"03012345678", Fields{{"caller_name", "Zoë Müller"}, {"language", "de"}, {"note", ""}}},
          {"5550001", Fields{{"caller_name", "Two\nlines"}, {"language", "fr"}, {"note", "a,b,c"}}},
          {"5550002", Fields{{"caller_name", ""}, {"language", "en"}, {"note", ""}}}});
  CHECK(store.lookup("customers", "+15551234567")->fields.at("caller_name") == "Doe, Jane");
}

TEST_CASE("a CSV import replaces the directory, or merges into it", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  store.put("customers", "5550001", {{"caller_name", "Old"}, {"account", "A-1"}});
  store.put("customers", "5550009", {{"caller_name", "Gone"}});
  store.put("vip", "5550001", {{"vip_level", "1"}});
  const fs::path csv = dir.path() / "update.csv";
  write_bytes(csv, "number,caller_name\n5550001,New\n5550002,Added\n");

  SECTION("replace") {
    CHECK(store.import_csv("customers", csv) == 2);
    CHECK(store.entries("customers") ==
          std::vector<DirectoryEntry>{{"5550001", Fields{{"caller_name", "New"}}},
                                      {"5550002", Fields{{"caller_name", "Added"}}}});
  }
  SECTION("merge") {
    CHECK(store.import_csv("customers", csv, CsvImport::merge) == 2);
    CHECK(store.entries("customers") ==
          std::vector<DirectoryEntry>{{"5550001", Fields{{"caller_name", "New"}}},
                                      {"5550002", Fields{{"caller_name", "Added"}}},
                                      {"5550009", Fields{{"caller_name", "Gone"}}}});
  }
  SECTION("a header alone empties the directory when replacing") {
    write_bytes(csv, "number,caller_name\n");
    CHECK(store.import_csv("customers", csv) == 0);
    CHECK(store.entries("customers").empty());
    CHECK(store.directories() == std::vector<std::string>{"vip"});
  }
  CHECK(store.entries("vip").size() == 1);  // other directories are never touched
  CHECK(store.check_integrity().empty());
}

TEST_CASE("a bad CSV file is refused with file:line and nothing is imported", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  store.put("customers", "5550001", {{"caller_name", "Before"}});
  const auto before = store.entries("customers");
  const fs::path csv = dir.path() / "customers.csv";
  const std::string f = csv.string();
  const std::string good = "number,caller_name,vip_level\n5551111,Ann,1\n5552222,Ben,2\n";

  CHECK(import_error(store, csv, "caller_name,phone\nAnn,5551111\n") ==
        f + ":1: no 'number' column in the header");
  CHECK(import_error(store, csv, "number;caller_name\n5551111;Ann\n") ==
        f + ":1: no 'number' column in the header (values seem to be separated by ';'; ivrd "
            "reads ',')");
  CHECK(import_error(store, csv, "") ==
        f + ":1: empty file: the first line must be a header with a 'number' column");
  CHECK(import_error(store, csv, "\n\n") ==
        f + ":1: empty file: the first line must be a header with a 'number' column");
  CHECK(import_error(store, csv, "number,caller name\n5551111,Ann\n") ==
        f + ":1: bad header name 'caller name' (letters, digits and '_', not starting with a "
            "digit)");
  CHECK(import_error(store, csv, "number,2nd\n5551111,Ann\n") ==
        f + ":1: bad header name '2nd' (letters, digits and '_', not starting with a digit)");
  CHECK(import_error(store, csv, "number,name,name\n5551111,a,b\n") ==
        f + ":1: column 'name' given twice (columns 2 and 3)");
  CHECK(import_error(store, csv, good + "5553333,Cy\n") ==
        f + ":4: wrong column count: 2 values for 3 columns");
  CHECK(import_error(store, csv, good + "5553333,\"Cy, Jr\",3,extra\n") ==
        f + ":4: wrong column count: 4 values for 3 columns");
  CHECK(import_error(store, csv, good + "\n\n555-CALL,Cy,3\n") ==
        f + ":6: bad number '555-CALL' (digits, '*' and '#', with an optional leading '+')");
  CHECK(import_error(store, csv, good + ",Cy,3\n") ==
        f + ":4: bad number '' (digits, '*' and '#', with an optional leading '+')");
  CHECK(import_error(store, csv, good + "555 1111,Again,1\n") ==
        f + ":4: number 5551111 already given on line 2");
  CHECK(import_error(store, csv, good + "5553333,\"Cy\n3\n") ==
        f + ":4: unterminated quoted value (the closing quote is missing)");
  CHECK(import_error(store, csv, "number,note\r\n\"multi\r\nline\",x\r\n5553333,\"a\"b\r\n") ==
        f + ":4: text after a closing quote (a quote inside a value is written \"\")");
  CHECK(import_error(store, csv, good + "5553333,Cy \"the\" third,3\n") ==
        f + ":4: quote inside an unquoted value (put the whole value in quotes and double the "
            "quote)");
  CHECK(import_error(store, csv, good + "5553333,Caf\xE9,3\n") ==
        f + ":4: column 'caller_name': value is not UTF-8 text");

  // None of those changed the directory.
  CHECK(store.entries("customers") == before);
  CHECK(store.directories() == std::vector<std::string>{"customers"});
}

TEST_CASE("a CSV file that cannot be read, or a bad directory name, is refused", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  const fs::path missing = dir.path() / "missing.csv";
  try {
    store.import_csv("customers", missing);
    FAIL("imported a missing file");
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()) == missing.string() + ": cannot read: No such file or directory");
  }
  const fs::path csv = dir.path() / "ok.csv";
  write_bytes(csv, "number\n5551234\n");
  try {
    store.import_csv("bad name", csv);
    FAIL("imported into a bad directory name");
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()) ==
          store.path().string() +
              ": bad directory name 'bad name' (a letter, then letters, digits, '_' and '-')");
  }
  CHECK(store.import_csv("blocked", csv) == 1);
  CHECK(store.lookup("blocked", "555 1234").has_value());
}
