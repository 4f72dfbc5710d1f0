#include "replay/text_output.hpp"

#include <catch2/catch.hpp>

using ivrd::ivr::replay::exact_ms_at_8k;
using ivrd::ivr::replay::json_quote;
using ivrd::ivr::replay::rounded_ms_at_8k;

TEST_CASE("JSON strings escape quotes, backslashes and control characters") {
  CHECK(json_quote("demo.ul") == R"("demo.ul")");
  CHECK(json_quote("") == R"("")");
  CHECK(json_quote(R"(a"b\c)") == R"("a\"b\\c")");
  CHECK(json_quote("tab\there\nnew\rret\bback\fform") == R"("tab\there\nnew\rret\bback\fform")");
  CHECK(json_quote(std::string("\x01\x1f\x7f", 3)) == R"("\u0001\u001f\u007f")");
  CHECK(json_quote(std::string("nul\0byte", 8)) == R"("nul\u0000byte")");
  CHECK(json_quote("/calls/2024/a b.ul") == R"("/calls/2024/a b.ul")");
}

TEST_CASE("JSON strings keep valid UTF-8 and replace invalid bytes (RFC 8259, RFC 3629)") {
  CHECK(json_quote("Anrufe/Grüße-€-𝄞.ul") == "\"Anrufe/Grüße-€-𝄞.ul\"");
  CHECK(json_quote("\xff.ul") == R"("\ufffd.ul")");
  CHECK(json_quote("\xc3") == R"("\ufffd")");                                // cut short
  CHECK(json_quote("\xc0\xaf") == R"("\ufffd\ufffd")");                      // overlong '/'
  CHECK(json_quote("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");            // surrogate
  CHECK(json_quote("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST_CASE("milliseconds at 8 kHz are exact with one to three decimals") {
  CHECK(exact_ms_at_8k(0) == "0.0");
  CHECK(exact_ms_at_8k(1) == "0.125");
  CHECK(exact_ms_at_8k(2) == "0.25");
  CHECK(exact_ms_at_8k(4) == "0.5");
  CHECK(exact_ms_at_8k(8) == "1.0");
  CHECK(exact_ms_at_8k(9876) == "1234.5");
  CHECK(exact_ms_at_8k(9877) == "1234.625");
  CHECK(exact_ms_at_8k(8ull * 3600 * 1000 * 24) == "86400000.0");
}

TEST_CASE("milliseconds for people have one decimal, rounded") {
  CHECK(rounded_ms_at_8k(0) == "0.0");
  CHECK(rounded_ms_at_8k(1) == "0.1");  // 0.125
  CHECK(rounded_ms_at_8k(3) == "0.4");  // 0.375
  CHECK(rounded_ms_at_8k(9876) == "1234.5");
  CHECK(rounded_ms_at_8k(440) == "55.0");
}
