// Spoken values as fragment sequences: numbers, digits, times and dates in
// English, German and French, the tricky cases of each, and bad values.

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ivrd/ivr/prompt_audio.hpp"
#include "ivrd/ivr/spoken.hpp"

using ivrd::ivr::ClockStyle;
using ivrd::ivr::Date;
using ivrd::ivr::DateParts;
using ivrd::ivr::Fragments;
using ivrd::ivr::Language;
using ivrd::ivr::PromptError;
using ivrd::ivr::spoken_date;
using ivrd::ivr::spoken_digits;
using ivrd::ivr::spoken_number;
using ivrd::ivr::spoken_time;

namespace {

struct Case {
  uint64_t value;
  Fragments fragments;
};

void check_numbers(Language language, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO(ivrd::ivr::language_code(language) << " " << c.value);
    CHECK(spoken_number(language, c.value) == c.fragments);
  }
}

// Every fragment a sequence uses belongs to the language's set.
void check_known(Language language, const Fragments& fragments) {
  for (const std::string& f : fragments) {
    INFO(ivrd::ivr::language_code(language) << " fragment " << f);
    CHECK(!ivrd::ivr::fragment_text(language, f).empty());
  }
}

}  // namespace

TEST_CASE("prompts: English numbers", "[prompts][spoken]") {
  check_numbers(Language::en, {{0, {"0"}},
                               {7, {"7"}},
                               {11, {"11"}},
                               {15, {"15"}},
                               {19, {"19"}},
                               {20, {"20"}},
                               {21, {"20", "1"}},
                               {70, {"70"}},
                               {99, {"90", "9"}},
                               {100, {"1", "hundred"}},
                               {101, {"1", "hundred", "1"}},
                               {115, {"1", "hundred", "15"}},
                               {1000, {"1", "thousand"}},
                               {1001, {"1", "thousand", "1"}},
                               {2024, {"2", "thousand", "20", "4"}},
                               {71, {"70", "1"}},
                               {81, {"80", "1"}},
                               {91, {"90", "1"}},
                               {1'000'000, {"1", "million"}},
                               {999'999'999,
                                {"9", "hundred", "90", "9", "million", "9", "hundred", "90", "9",
                                 "thousand", "9", "hundred", "90", "9"}},
                               {3'000'000'017, {"3", "billion", "17"}}});
}

TEST_CASE("prompts: German numbers", "[prompts][spoken]") {
  check_numbers(Language::de, {{0, {"0"}},
                               {1, {"1"}},
                               {7, {"7"}},
                               {11, {"11"}},
                               {17, {"17"}},
                               {21, {"ein", "und", "20"}},
                               {22, {"2", "und", "20"}},
                               {70, {"70"}},
                               {71, {"ein", "und", "70"}},
                               {80, {"80"}},
                               {81, {"ein", "und", "80"}},
                               {91, {"ein", "und", "90"}},
                               {99, {"9", "und", "90"}},
                               {100, {"ein", "hundert"}},
                               {101, {"ein", "hundert", "1"}},
                               {121, {"ein", "hundert", "ein", "und", "20"}},
                               {1000, {"ein", "tausend"}},
                               {1001, {"ein", "tausend", "1"}},
                               {2024, {"2", "tausend", "4", "und", "20"}},
                               {21'000, {"ein", "und", "20", "tausend"}},
                               {101'000, {"ein", "hundert", "ein", "tausend"}},
                               {1'000'000, {"eine", "million"}},
                               {2'000'001, {"2", "millionen", "1"}},
                               {1'000'000'000, {"eine", "milliarde"}}});
}

TEST_CASE("prompts: French numbers, 70-99 included", "[prompts][spoken]") {
  check_numbers(Language::fr, {{0, {"0"}},
                               {1, {"1"}},
                               {7, {"7"}},
                               {11, {"11"}},
                               {16, {"16"}},
                               {17, {"10", "7"}},
                               {19, {"10", "9"}},
                               {21, {"20", "et", "1"}},
                               {22, {"20", "2"}},
                               {61, {"60", "et", "1"}},
                               {70, {"60", "10"}},
                               {71, {"60", "et", "11"}},
                               {72, {"60", "12"}},
                               {77, {"60", "10", "7"}},
                               {79, {"60", "10", "9"}},
                               {80, {"80"}},
                               {81, {"quatre_vingt", "1"}},
                               {90, {"quatre_vingt", "10"}},
                               {91, {"quatre_vingt", "11"}},
                               {97, {"quatre_vingt", "10", "7"}},
                               {99, {"quatre_vingt", "10", "9"}},
                               {100, {"100"}},
                               {101, {"100", "1"}},
                               {200, {"2", "cents"}},
                               {201, {"2", "100", "1"}},
                               {1000, {"mille"}},
                               {1001, {"mille", "1"}},
                               {2024, {"2", "mille", "20", "4"}},
                               {80'000, {"quatre_vingt", "mille"}},
                               {200'000, {"2", "100", "mille"}},
                               {1'000'000, {"1", "million"}},
                               {200'000'000, {"2", "cents", "millions"}},
                               {1'000'000'000, {"1", "milliard"}}});
}

TEST_CASE("prompts: every number to a billion uses only its language's fragments",
          "[prompts][spoken]") {
  for (const Language language : {Language::en, Language::de, Language::fr}) {
    for (uint64_t n = 0; n < 2000; ++n) check_known(language, spoken_number(language, n));
    for (uint64_t n = 1; n < 1'000'000'000'000; n = n * 7 + 3) {
      check_known(language, spoken_number(language, n));
    }
  }
  CHECK_THROWS_WITH(spoken_number(Language::en, 1'000'000'000'000),
                    "number 1000000000000: too large to speak (limit 999999999999)");
}

TEST_CASE("prompts: digit strings", "[prompts][spoken]") {
  CHECK(spoken_digits(Language::en, "0701*#") == Fragments{"0", "7", "0", "1", "star", "hash"});
  CHECK(spoken_digits(Language::fr, "").empty());
  CHECK_THROWS_WITH(spoken_digits(Language::de, "12a4"),
                    "digits \"12a4\": character 3 is not 0-9, * or #");
}

TEST_CASE("prompts: times in 24- and 12-hour style", "[prompts][spoken]") {
  using enum ClockStyle;
  CHECK(spoken_time(Language::en, 13, 5, h24) == Fragments{"13", "oh", "5", "hours"});
  CHECK(spoken_time(Language::en, 0, 0, h24) == Fragments{"0", "hundred", "hours"});
  CHECK(spoken_time(Language::en, 21, 45, h24) == Fragments{"20", "1", "40", "5", "hours"});
  CHECK(spoken_time(Language::en, 13, 5, h12) == Fragments{"1", "oh", "5", "pm"});
  CHECK(spoken_time(Language::en, 0, 0, h12) == Fragments{"12", "o_clock", "am"});
  CHECK(spoken_time(Language::en, 12, 30, h12) == Fragments{"12", "30", "pm"});

  CHECK(spoken_time(Language::de, 1, 0, h24) == Fragments{"ein", "uhr"});
  CHECK(spoken_time(Language::de, 13, 1, h24) == Fragments{"13", "uhr", "1"});
  CHECK(spoken_time(Language::de, 21, 21, h24) ==
        Fragments{"ein", "und", "20", "uhr", "ein", "und", "20"});
  CHECK(spoken_time(Language::de, 0, 15, h24) == Fragments{"0", "uhr", "15"});
  CHECK(spoken_time(Language::de, 0, 15, h12) == Fragments{"12", "uhr", "15", "nachts"});
  CHECK(spoken_time(Language::de, 15, 30, h12) == Fragments{"3", "uhr", "30", "nachmittags"});
  CHECK(spoken_time(Language::de, 20, 0, h12) == Fragments{"8", "uhr", "abends"});

  CHECK(spoken_time(Language::fr, 1, 1, h24) == Fragments{"une", "heure", "une"});
  CHECK(spoken_time(Language::fr, 0, 0, h24) == Fragments{"0", "heure"});
  CHECK(spoken_time(Language::fr, 21, 0, h24) == Fragments{"20", "et", "une", "heures"});
  CHECK(spoken_time(Language::fr, 17, 45, h24) == Fragments{"10", "7", "heures", "40", "5"});
  CHECK(spoken_time(Language::fr, 12, 0, h12) == Fragments{"midi"});
  CHECK(spoken_time(Language::fr, 0, 10, h12) == Fragments{"minuit", "10"});
  CHECK(spoken_time(Language::fr, 15, 5, h12) == Fragments{"3", "heures", "5", "de_l_apres_midi"});
  CHECK(spoken_time(Language::fr, 19, 0, h12) == Fragments{"7", "heures", "du_soir"});
  CHECK(spoken_time(Language::fr, 13, 5, h12) == Fragments{"une", "heure", "5", "de_l_apres_midi"});
  CHECK(spoken_time(Language::fr, 13, 5, h24) == Fragments{"13", "heures", "5"});
  CHECK(spoken_time(Language::de, 13, 5, h12) == Fragments{"ein", "uhr", "5", "nachmittags"});

  for (const Language language : {Language::en, Language::de, Language::fr}) {
    for (int h = 0; h < 24; ++h) {
      for (int m = 0; m < 60; ++m) {
        check_known(language, spoken_time(language, h, m, h24));
        check_known(language, spoken_time(language, h, m, h12));
      }
    }
  }
  CHECK_THROWS_WITH(spoken_time(Language::en, 24, 0, h24),
                    "time 24:0: not a time of day (0:00-23:59)");
  CHECK_THROWS_AS(spoken_time(Language::en, 10, 60, h12), PromptError);
}

TEST_CASE("prompts: dates with weekday, day, month and year", "[prompts][spoken]") {
  CHECK(ivrd::ivr::day_of_week({2024, 1, 1}) == 0);    // a Monday
  CHECK(ivrd::ivr::day_of_week({2000, 2, 29}) == 1);   // a Tuesday
  CHECK(ivrd::ivr::day_of_week({1999, 12, 31}) == 4);  // a Friday

  CHECK(spoken_date(Language::en, {2024, 1, 1}) ==
        Fragments{"monday", "january", "ord_1", "20", "20", "4"});
  CHECK(spoken_date(Language::en, {2005, 7, 21}) ==
        Fragments{"thursday", "july", "ord_21", "2", "thousand", "5"});
  CHECK(spoken_date(Language::en, {1905, 3, 3}) ==
        Fragments{"friday", "march", "ord_3", "19", "oh", "5"});
  CHECK(spoken_date(Language::en, {1900, 12, 31}, DateParts{.weekday = false}) ==
        Fragments{"december", "ord_31", "19", "hundred"});
  CHECK(spoken_date(Language::en, {2024, 2, 29}, DateParts{.year = false}) ==
        Fragments{"thursday", "february", "ord_29"});

  CHECK(spoken_date(Language::de, {2024, 3, 1}) ==
        Fragments{"freitag", "der", "ord_1", "maerz", "2", "tausend", "4", "und", "20"});
  CHECK(spoken_date(Language::de, {1999, 12, 31}) ==
        Fragments{"freitag", "der", "ord_31", "dezember", "19", "hundert", "9", "und", "90"});

  CHECK(spoken_date(Language::fr, {2024, 1, 1}) ==
        Fragments{"lundi", "premier", "janvier", "2", "mille", "20", "4"});
  CHECK(spoken_date(Language::fr, {1980, 8, 21}) ==
        Fragments{"jeudi", "20", "et", "1", "aout", "mille", "9", "100", "80"});

  for (const Language language : {Language::en, Language::de, Language::fr}) {
    for (int year : {1000, 1100, 1999, 2000, 2009, 2010, 2999}) {
      for (int month = 1; month <= 12; ++month) {
        for (int day = 1; day <= 28; day += 9) {
          check_known(language, spoken_date(language, {year, month, day}));
        }
      }
    }
  }
  CHECK_THROWS_WITH(spoken_date(Language::en, {2023, 2, 29}),
                    "date 2023-2-29: not a calendar date of the years 1000-2999");
  CHECK_THROWS_AS(spoken_date(Language::fr, {2024, 13, 1}), PromptError);
  CHECK_THROWS_AS(spoken_date(Language::de, {999, 1, 1}), PromptError);
}

TEST_CASE("prompts: languages by code", "[prompts][spoken]") {
  CHECK(ivrd::ivr::parse_language("en") == Language::en);
  CHECK(ivrd::ivr::parse_language("DE") == Language::de);
  CHECK(ivrd::ivr::parse_language("fr-CA") == Language::fr);
  CHECK(ivrd::ivr::parse_language("de_AT") == Language::de);
  CHECK(!ivrd::ivr::parse_language("es"));
  CHECK(!ivrd::ivr::parse_language(""));
  CHECK(!ivrd::ivr::parse_language("eng"));
  // The sizes docs/prompts.md gives.
  CHECK(ivrd::ivr::fragment_names(Language::en).size() == 89);
  CHECK(ivrd::ivr::fragment_names(Language::de).size() == 95);
  CHECK(ivrd::ivr::fragment_names(Language::fr).size() == 62);
  for (const Language language : {Language::en, Language::de, Language::fr}) {
    CHECK(ivrd::ivr::fragment_text(language, "no_such_fragment").empty());
    const auto names = ivrd::ivr::fragment_names(language);
    const std::set<std::string_view> unique(names.begin(), names.end());
    CHECK(unique.size() == names.size());
  }
}
