#pragma once
// A span: a group of lines that share a physical interface (an analog card's
// ports, or one T1/E1 link), with its alarms and error counters as DAHDI's
// DAHDI_SPANSTAT reports them.
//
// When a span's alarms go from none to some, every line of the span reports
// an alarm event, and no_alarm when they clear; while in alarm its lines
// receive silence and what is written to them is lost.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ivrd/driver/line.hpp"

namespace ivrd::driver {

enum class SpanType : uint8_t { analog, t1, e1 };

// "analog", "T1" or "E1".
std::string_view span_type_name(SpanType type) noexcept;

// A set of alarms; the bit values are DAHDI's DAHDI_ALARM_*.
struct SpanAlarms {
  static constexpr uint32_t kRecover = 1u << 0;
  static constexpr uint32_t kLoopback = 1u << 1;
  static constexpr uint32_t kYellow = 1u << 2;
  static constexpr uint32_t kRed = 1u << 3;
  static constexpr uint32_t kBlue = 1u << 4;
  static constexpr uint32_t kNotOpen = 1u << 5;
  static constexpr uint32_t kAll = (1u << 6) - 1;

  uint32_t bits = 0;
  bool any() const noexcept { return bits != 0; }
  bool has(uint32_t alarm) const noexcept { return (bits & alarm) != 0; }
  friend bool operator==(const SpanAlarms&, const SpanAlarms&) = default;
};

// Error counters of a digital span, as in DAHDI's struct dahdi_spaninfo; an
// analog span keeps them at zero.
struct SpanCounters {
  uint32_t framing_errors = 0;      // fecount
  uint32_t crc4_errors = 0;         // crc4count (E1)
  uint32_t code_violations = 0;     // cvcount
  uint32_t ebit_errors = 0;         // ebitcount (E1)
  uint32_t bipolar_violations = 0;  // bpvcount
  uint32_t errored_seconds = 0;     // errsec
  friend bool operator==(const SpanCounters&, const SpanCounters&) = default;
};

class Span {
 public:
  virtual ~Span() = default;

  virtual const std::string& name() const noexcept = 0;
  virtual SpanType type() const noexcept = 0;
  virtual SpanAlarms alarms() const noexcept = 0;
  virtual SpanCounters counters() const noexcept = 0;
  virtual size_t line_count() const noexcept = 0;
  // Throws std::out_of_range for an index past line_count().
  virtual Line& line(size_t index) = 0;
};

}  // namespace ivrd::driver
