// Call records: every field read back as written, ordering by start time,
// records refused with the call named, and a full disk that keeps what was
// stored before it.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/ivr/store.hpp"
#include "ivrd/test_support/rng.hpp"
#include "ivrd/test_support/seed.hpp"
#include "ivrd/test_support/temp_dir.hpp"

#include "store_test_support.hpp"

using namespace ivrd::ivr;
using namespace ivrd::ivr::testing;
namespace ts = ivrd::test_support;
using namespace std::chrono;

namespace {

std::string record_error(Store& store, const CallRecord& record) {
  try {
    store.record_call(record);
  } catch (const StoreError& e) {
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
    return e.what();
  }
  FAIL("the call was recorded: " << record.call_id);
  return {};
}

}  // namespace

TEST_CASE("a call record reads back with every field", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  CallRecord answered = numbered_call(1);
  CallRecord unanswered = numbered_call(5);
  REQUIRE(answered.answered.has_value());
  REQUIRE_FALSE(unanswered.answered.has_value());
  CallRecord empty_texts;  // only what a record needs: an id and times
  empty_texts.call_id = "c-empty";
  empty_texts.started = answered.started + hours{1};
  empty_texts.ended = empty_texts.started;
  for (const auto& record : {answered, unanswered, empty_texts}) store.record_call(record);

  const auto calls = store.recent_calls(10);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0] == empty_texts);
  CHECK(calls[1] == unanswered);
  CHECK(calls[2] == answered);
  CHECK(calls[1].direction == CallDirection::inbound);
  CHECK(numbered_call(3).direction == CallDirection::outbound);
}

TEST_CASE("call times are kept to the microsecond, rounded down", "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  CallRecord r = numbered_call(2);
  r.started += nanoseconds{999};
  r.answered = r.started + nanoseconds{1500};
  r.ended = r.started + seconds{1} + nanoseconds{1};
  // A time before 1970 too: rounding is toward the past there as well.
  CallRecord old = numbered_call(4);
  old.started = system_clock::time_point(-microseconds{1500} - nanoseconds{300});
  old.answered.reset();
  old.ended = old.started + seconds{2};
  store.record_call(r);
  store.record_call(old);
  const auto calls = store.recent_calls(2);
  REQUIRE(calls.size() == 2);
  const auto floor_us = [](system_clock::time_point t) {
    return time_point_cast<system_clock::duration>(floor<microseconds>(t));
  };
  CHECK(calls[0].started == floor_us(r.started));
  CHECK(calls[0].answered == floor_us(*r.answered));
  CHECK(calls[0].ended == floor_us(r.ended));
  CHECK(calls[1].started == floor_us(old.started));
  CHECK(calls[1].started.time_since_epoch() == -microseconds{1501});
}

TEST_CASE("call records come back newest first, or by start time between two moments", "[store]") {
  const ts::Seed seed("store: call order");
  ts::Rng rng(seed.derive("order"));
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  // Recorded in random order (calls end in any order); two pairs share a start.
  std::vector<CallRecord> calls;
  for (int i = 0; i < 60; ++i) calls.push_back(numbered_call(i));
  calls[10].started = calls[11].started;
  calls[10].ended = calls[10].started + seconds{5};
  calls[10].answered.reset();
  for (size_t i = calls.size() - 1; i > 0; --i) {
    std::swap(calls[i], calls[static_cast<size_t>(rng.uniform_int(0, static_cast<int>(i)))]);
  }
  for (const auto& call : calls) store.record_call(call);

  std::vector<CallRecord> by_start = calls;
  // Equal starts come back in the order they were recorded.
  std::stable_sort(by_start.begin(), by_start.end(),
                   [](const CallRecord& a, const CallRecord& b) { return a.started < b.started; });
  const auto recent = store.recent_calls(7);
  REQUIRE(recent.size() == 7);
  CHECK(std::equal(recent.begin(), recent.end(), by_start.rbegin()));
  CHECK(store.recent_calls(1000).size() == 60);
  CHECK(store.recent_calls(0).empty());

  const int first = rng.uniform_int(0, 30);
  const int last = rng.uniform_int(first, 59);
  INFO("seed " << seed.value() << " from call " << first << " to call " << last);
  const auto from = numbered_call(first).started;
  const auto to = numbered_call(last).started;  // not included
  std::vector<CallRecord> expected;
  std::copy_if(by_start.begin(), by_start.end(), std::back_inserter(expected),
               [&](const CallRecord& c) { return c.started >= from && c.started < to; });
  CHECK(store.calls_between(from, to) == expected);
  CHECK(store.calls_between(to, from).empty());
  CHECK(store.calls_between(system_clock::time_point::min(), system_clock::time_point::max()) ==
        by_start);
}

TEST_CASE(
    "a call record is refused when its id is taken, its times are out of order or its "
    "text is not UTF-8",
    "[store]") {
  const ts::TempDir dir("ivrd-store");
  Store store = Store::open(dir / "ivrd.db");
  const std::string f = store.path().string();
  store.record_call(numbered_call(1));
  CHECK(record_error(store, numbered_call(1)) ==
        f + ": cannot record call c-1: that call id is already recorded");
  CallRecord r = numbered_call(2);
  r.ended = r.started - seconds{1};
  CHECK(record_error(store, r) == f + ": cannot record call c-2: it ends before it starts");
  r = numbered_call(2);
  r.answered = r.started - microseconds{1};
  CHECK(record_error(store, r) == f + ": cannot record call c-2: it is answered before it starts");
  r.answered = r.ended + seconds{1};
  CHECK(record_error(store, r) == f + ": cannot record call c-2: it is answered after it ends");
  r = numbered_call(2);
  r.caller_name = "M\xFCller";  // ISO 8859-1, not converted
  CHECK(record_error(store, r) ==
        f + ": cannot record call c-2: its caller name is not UTF-8 text");
  r = numbered_call(2);
  r.call_id.clear();
  CHECK(record_error(store, r) == f + ": cannot record a call without a call id");
  CHECK(store.recent_calls(10) == std::vector<CallRecord>{numbered_call(1)});
}

TEST_CASE("a full disk refuses the call being recorded and keeps every call before it", "[store]") {
  const ts::TempDir dir("ivrd-store");
  const auto file = dir.path() / "ivrd.db";
  StoreOptions small;
  small.max_bytes = 64 * 1024;  // 16 pages of 4 KiB
  std::vector<CallRecord> stored;
  std::string message;
  {
    Store store = Store::open(file, small);
    for (int i = 0; i < 10000 && message.empty(); ++i) {
      CallRecord r = numbered_call(i);
      r.keys = std::string(200, '1');
      try {
        store.record_call(r);
        stored.push_back(r);
      } catch (const StoreError& e) {
        message = e.what();
        CHECK(message == file.string() + ": disk full while recording call c-" + std::to_string(i));
      }
    }
    REQUIRE_FALSE(message.empty());
    REQUIRE(stored.size() > 20);
    // The store is still usable for reading, and for writes that fit.
    CHECK(store.recent_calls(1).at(0) == stored.back());
    CHECK(store.check_integrity().empty());
  }
  Store reopened = Store::open(file);
  CHECK(reopened.check_integrity().empty());
  CHECK(reopened.calls_between(system_clock::time_point::min(), system_clock::time_point::max()) ==
        stored);
  reopened.record_call(numbered_call(20000));  // without the limit, there is room again
}
