// Call records: appended one per transaction, read back by time.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string_view>

#include <sqlite3.h>

#include "ivrd/ivr/store.hpp"

#include "store/names.hpp"
#include "store/store_impl.hpp"

namespace ivrd::ivr {

using store_detail::SqliteFailure;
using store_detail::Statement;
using store_detail::StatementUse;
using store_detail::Transaction;

namespace {

using Clock = std::chrono::system_clock;

int64_t to_microseconds(Clock::time_point t) {
  return std::chrono::floor<std::chrono::microseconds>(t.time_since_epoch()).count();
}

Clock::time_point from_microseconds(int64_t us) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(us)));
}

const char* direction_text(CallDirection direction) {
  return direction == CallDirection::inbound ? "inbound" : "outbound";
}

constexpr const char* kColumns =
    "call_id, line, direction, caller_number, caller_name, started_us, answered_us, ended_us, "
    "route, final_menu, keys, hangup_reason, language";

CallRecord read_record(const Statement& row) {
  CallRecord r;
  r.call_id = row.column_text(0);
  r.line = row.column_text(1);
  r.direction = row.column_text(2) == "outbound" ? CallDirection::outbound : CallDirection::inbound;
  r.caller_number = row.column_text(3);
  r.caller_name = row.column_text(4);
  r.started = from_microseconds(row.column_int(5));
  if (!row.is_null(6)) r.answered = from_microseconds(row.column_int(6));
  r.ended = from_microseconds(row.column_int(7));
  r.route = row.column_text(8);
  r.final_menu = row.column_text(9);
  r.keys = row.column_text(10);
  r.hangup_reason = row.column_text(11);
  r.language = row.column_text(12);
  return r;
}

// Why the record cannot be stored, or an empty string.
std::string record_problem(const CallRecord& r) {
  const int64_t started = to_microseconds(r.started);
  const int64_t ended = to_microseconds(r.ended);
  if (ended < started) return "it ends before it starts";
  if (r.answered) {
    const int64_t answered = to_microseconds(*r.answered);
    if (answered < started) return "it is answered before it starts";
    if (answered > ended) return "it is answered after it ends";
  }
  const std::pair<const char*, const std::string*> texts[] = {{"call id", &r.call_id},
                                                              {"line", &r.line},
                                                              {"caller number", &r.caller_number},
                                                              {"caller name", &r.caller_name},
                                                              {"route", &r.route},
                                                              {"final menu", &r.final_menu},
                                                              {"keys", &r.keys},
                                                              {"hang-up reason", &r.hangup_reason},
                                                              {"language", &r.language}};
  for (const auto& [what, text] : texts) {
    if (!store_detail::is_utf8(*text)) return std::string("its ") + what + " is not UTF-8 text";
  }
  return {};
}

}  // namespace

void Store::record_call(const CallRecord& r) {
  if (r.call_id.empty()) impl_->refuse("cannot record a call without a call id");
  const std::string named = "call " + r.call_id.substr(0, 64);
  if (const std::string problem = record_problem(r); !problem.empty()) {
    impl_->refuse("cannot record " + named + ": " + problem);
  }
  const std::lock_guard lock(impl_->mutex);
  try {
    Transaction transaction(impl_->db);
    {
      StatementUse use(impl_->insert_call);
      use->bind(1, r.call_id)
          .bind(2, r.line)
          .bind(3, direction_text(r.direction))
          .bind(4, r.caller_number)
          .bind(5, r.caller_name)
          .bind(6, to_microseconds(r.started));
      if (r.answered) {
        use->bind(7, to_microseconds(*r.answered));
      } else {
        use->bind_null(7);
      }
      use->bind(8, to_microseconds(r.ended))
          .bind(9, r.route)
          .bind(10, r.final_menu)
          .bind(11, r.keys)
          .bind(12, r.hangup_reason)
          .bind(13, r.language)
          .run();
    }
    transaction.commit();
  } catch (const SqliteFailure& failure) {
    if (failure.code() == SQLITE_CONSTRAINT &&
        std::string_view(failure.what()).find("calls.call_id") != std::string_view::npos) {
      impl_->refuse("cannot record " + named + ": that call id is already recorded");
    }
    impl_->fail(failure, "recording " + named);
  }
}

std::vector<CallRecord> Store::recent_calls(size_t n) const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<CallRecord> out;
  try {
    auto query = impl_->db.prepare(std::string("SELECT ") + kColumns +
                                   " FROM calls ORDER BY started_us DESC, seq DESC LIMIT ?1");
    query.bind(1, static_cast<int64_t>(std::min<size_t>(n, INT64_MAX)));
    while (query.step()) out.push_back(read_record(query));
    return out;
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "reading call records");
  }
}

std::vector<CallRecord> Store::calls_between(Clock::time_point from, Clock::time_point to) const {
  const std::lock_guard lock(impl_->mutex);
  std::vector<CallRecord> out;
  try {
    auto query = impl_->db.prepare(
        std::string("SELECT ") + kColumns +
        " FROM calls WHERE started_us >= ?1 AND started_us < ?2 ORDER BY started_us, seq");
    query.bind(1, to_microseconds(from)).bind(2, to_microseconds(to));
    while (query.step()) out.push_back(read_record(query));
    return out;
  } catch (const SqliteFailure& failure) {
    impl_->fail(failure, "reading call records");
  }
}

}  // namespace ivrd::ivr
