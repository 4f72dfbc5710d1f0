// Directories: numbers normalised the same way on the way in and on lookup,
// put/replace/remove, listing, and names and values refused with a message
// naming them.
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/ivr/store.hpp"
#include "ivrd/test_support/temp_dir.hpp"

using namespace ivrd::ivr;
namespace ts = ivrd::test_support;

namespace {

std::string put_error(Store& store, std::string_view directory, std::string_view number,
                      const std::map<std::string, std::string>& fields) {
  try {
    store.put(directory, number, fields);
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    CHECK(e.file() == store.path().string());
    return e.problem();
  }
  FAIL("the entry was stored: " << directory << " " << number);
  return {};
}

}  // namespace

TEST_CASE("phone numbers are normalised: spaces, '-', '(', ')' and '.' go, a leading '+' stays",
          "[store]") {
  CHECK(normalise_number("+1 (555) 123-4567") == "+15551234567");
  CHECK(normalise_number("030.1234.5678") == "03012345678");
  CHECK(normalise_number("  5551234 ") == "5551234");
  CHECK(normalise_number("*31#5551234") == "*31#5551234");
  CHECK(normalise_number("(+49) 30 1234") == "+49301234");
  CHECK(normalise_number("12345678901234567890123456789012") == "12345678901234567890123456789012");
  CHECK_FALSE(normalise_number("123456789012345678901234567890123").has_value());  // 33 digits
  CHECK_FALSE(normalise_number("").has_value());
  CHECK_FALSE(normalise_number(" - ").has_value());
  CHECK_FALSE(normalise_number("+").has_value());
  CHECK_FALSE(normalise_number("555+1234").has_value());
  CHECK_FALSE(normalise_number("++15551234").has_value());
  CHECK_FALSE(normalise_number("555-CALL").has_value());
  CHECK_FALSE(normalise_number("private").has_value());
  CHECK_FALSE(normalise_number("555\t1234").has_value());
}

TEST_CASE("lookup finds an entry under any spelling of its number", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  store.put("customers", "+1 (555) 123-4567",
            {{"caller_name", "Zoë Müller"}, {"language", "de"}, {"vip_level", "2"}});
  for (const char* spelling : {"+15551234567", "+1 555 123 4567", "+1-555-123-4567",
                               "+1.555.123.4567", "(+1) 555 1234567"}) {
    INFO(spelling);
    const auto entry = store.lookup("customers", spelling);
    REQUIRE(entry.has_value());
    CHECK(entry->number == "+15551234567");
    CHECK(entry->fields == std::map<std::string, std::string>{{"caller_name", "Zoë Müller"},
                                                              {"language", "de"},
                                                              {"vip_level", "2"}});
  }
  // Exact match only: no '+', a prefix, a longer number, another directory.
  CHECK_FALSE(store.lookup("customers", "15551234567").has_value());
  CHECK_FALSE(store.lookup("customers", "+1555123456").has_value());
  CHECK_FALSE(store.lookup("customers", "+155512345678").has_value());
  CHECK_FALSE(store.lookup("suppliers", "+15551234567").has_value());
  // Whatever a caller ID holds, lookup answers without throwing.
  CHECK_FALSE(store.lookup("customers", "").has_value());
  CHECK_FALSE(store.lookup("customers", "private").has_value());
  CHECK_FALSE(store.lookup("no such name!", "+15551234567").has_value());
}

TEST_CASE("an entry without fields is found, with no fields", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  store.put("blocked", "5550000", {});
  const auto entry = store.lookup("blocked", "555-0000");
  REQUIRE(entry.has_value());
  CHECK(entry->fields.empty());
  CHECK(store.entries("blocked") == std::vector<DirectoryEntry>{{"5550000", {}}});
}

TEST_CASE("put replaces an entry's fields, remove deletes it, empty directories vanish",
          "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  store.put("customers", "5551234", {{"caller_name", "Alice"}, {"account", "A-1"}});
  store.put("customers", "555 1234", {{"caller_name", "Alice B."}});  // the same number
  store.put("customers", "5559876", {{"caller_name", "Bob"}, {"empty", ""}});
  store.put("vip", "5551234", {{"vip_level", "3"}});

  CHECK(store.lookup("customers", "5551234")->fields ==
        std::map<std::string, std::string>{{"caller_name", "Alice B."}});
  CHECK(store.lookup("customers", "5559876")->fields.at("empty").empty());
  CHECK(store.directories() == std::vector<std::string>{"customers", "vip"});
  CHECK(store.entries("customers") ==
        std::vector<DirectoryEntry>{{"5551234", {{"caller_name", "Alice B."}}},
                                    {"5559876", {{"caller_name", "Bob"}, {"empty", ""}}}});
  CHECK(store.entries("nobody").empty());

  CHECK(store.remove("customers", "555-1234"));
  CHECK_FALSE(store.remove("customers", "5551234"));
  CHECK_FALSE(store.lookup("customers", "5551234").has_value());
  CHECK(store.lookup("vip", "5551234").has_value());  // other directories keep theirs

  CHECK(store.remove("vip", "5551234"));
  CHECK(store.directories() == std::vector<std::string>{"customers"});
  CHECK(store.remove_directory("customers") == 1);
  CHECK(store.remove_directory("customers") == 0);
  CHECK(store.directories().empty());
  CHECK(store.check_integrity().empty());
}

TEST_CASE("bad directory names, numbers, field names and values are refused, named", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  const std::string shape = " (letters, digits and '_', not starting with a digit)";
  CHECK(put_error(store, "customers", "555", {{"2nd_name", "x"}}) ==
        "bad field name '2nd_name'" + shape);
  CHECK(put_error(store, "customers", "555", {{"caller-name", "x"}}) ==
        "bad field name 'caller-name'" + shape);
  CHECK(put_error(store, "customers", "555", {{"vip level", "x"}}) ==
        "bad field name 'vip level'" + shape);
  CHECK(put_error(store, "customers", "555", {{"名前", "x"}}) == "bad field name '名前'" + shape);
  CHECK(put_error(store, "customers", "555", {{"", "x"}}) == "empty field name" + shape);
  CHECK(put_error(store, "customers", "555", {{std::string(65, 'a'), "x"}}) ==
        "bad field name '" + std::string(40, 'a') + "...'" + shape);
  CHECK(put_error(store, "customers", "555", {{"number", "x"}}) ==
        "field name 'number' is the entry's number, not a field");
  CHECK(put_error(store, "customers", "555", {{"caller_name", "\xC3\x28"}}) ==
        "field 'caller_name': value is not UTF-8 text");
  CHECK(put_error(store, "customers", "555", {{"note", std::string(4097, 'x')}}) ==
        "field 'note': value too long: 4097 bytes (limit 4096)");
  CHECK(put_error(store, "customers", "555-CALL-NOW", {}) ==
        "bad number '555-CALL-NOW' (digits, '*' and '#', with an optional leading '+')");
  CHECK(put_error(store, "customers", "", {}) ==
        "bad number '' (digits, '*' and '#', with an optional leading '+')");
  CHECK(put_error(store, "my customers", "555", {}) ==
        "bad directory name 'my customers' (a letter, then letters, digits, '_' and '-')");
  CHECK(put_error(store, "", "555", {}) ==
        "bad directory name '' (a letter, then letters, digits, '_' and '-')");
  // Good ones, for contrast: '_' first, digits after, any UTF-8 value.
  store.put("key-accounts_2", "555", {{"_private", "日本語 ✓"}, {"level2", ""}});
  CHECK(store.lookup("key-accounts_2", "555")->fields.at("_private") == "日本語 ✓");
  CHECK(store.directories() == std::vector<std::string>{"key-accounts_2"});
}

TEST_CASE("one store serves lookups and writes from several threads", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  std::vector<int> found(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &found, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string number = std::to_string(1000 * (t + 1) + i);
        store.put("shared", number, {{"thread", std::to_string(t)}});
        if (store.lookup("shared", number).has_value()) ++found[static_cast<size_t>(t)];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK(found[static_cast<size_t>(t)] == kEach);
  CHECK(store.entries("shared").size() == kThreads * kEach);
}
