#pragma once
// Spoken values assembled from recorded fragments: numbers, digit strings,
// times and dates in English, German and French.
//
// Each function returns the names of the fragments to play, in order; a
// FragmentLibrary (prompt_fragments.hpp) turns names into audio. Fragment
// names are the same strings as the recordings' file names without ".wav".
// The full set a language needs is fragment_names(language); docs/prompts.md
// lists them.
//
// The grammar per language:
//   English (US):  21 -> 20 1; 115 -> 1 hundred 15; 2024 -> 2 thousand 20 4;
//                  1 000 000 -> 1 million. Years in pairs: 2024 -> 20 20 4,
//                  1905 -> 19 oh 5, 1900 -> 19 hundred, 2005 -> 2 thousand 5.
//   German:        21 -> ein und 20 ("einundzwanzig"); 1 alone is "1"
//                  ("eins"), in compounds "ein"; 100 -> ein hundert;
//                  101 -> ein hundert 1; 1 000 000 -> eine million,
//                  2 000 000 -> 2 millionen. Years 1100-1999 in hundreds:
//                  1999 -> 19 hundert 9 und 90.
//   French:        17-19 -> 10 7 ... ("dix-sept"); 21 -> 20 et 1; 70 -> 60 10;
//                  71 -> 60 et 11; 80 -> 80 ("quatre-vingts"); 81 ->
//                  quatre_vingt 1; 91 -> quatre_vingt 11; 100 -> 100;
//                  200 -> 2 cents; 201 -> 2 100 1; 1000 -> mille;
//                  2000 -> 2 mille; 1 000 000 -> 1 million.
//
// Values are checked: numbers up to 999 999 999 999, digit strings of
// '0'-'9', '*' and '#', times 0:00-23:59, real calendar dates of years
// 1000-2999. Anything else throws PromptError naming the value.
//
// No state; thread-safe.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ivrd::ivr {

enum class Language { en, de, fr };

// "en", "de" or "fr".
std::string_view language_code(Language language) noexcept;
// Accepts "en", "de", "fr" (also "en-us", "de-de", "fr-fr" style: the part
// before '-' or '_'), case-insensitive.
std::optional<Language> parse_language(std::string_view code) noexcept;
// The espeak-ng voice used for this language's fallback speech.
std::string_view tts_voice(Language language) noexcept;

using Fragments = std::vector<std::string>;

Fragments spoken_number(Language language, uint64_t value);

// One fragment per character: "0".."9", "star", "hash".
Fragments spoken_digits(Language language, std::string_view digits);

enum class ClockStyle {
  h24,  // en: 13 oh 5 hours; de: 13 uhr 5; fr: 13 heures 5
  h12,  // en: 1 oh 5 pm; de: ein uhr 5 nachmittags; fr: une heure 5 de_l_apres_midi
};
Fragments spoken_time(Language language, int hour, int minute, ClockStyle style);

struct Date {
  int year = 2000;
  int month = 1;  // 1-12
  int day = 1;    // 1-31
};

struct DateParts {
  bool weekday = true;
  bool year = true;
};

// en: monday january ord_1 20 20 4; de: montag der ord_1 januar 2 tausend 4 und 20;
// fr: lundi premier janvier 2 mille 20 4.
Fragments spoken_date(Language language, Date date, DateParts parts = {});

// 0 = Monday ... 6 = Sunday (proleptic Gregorian calendar).
int day_of_week(Date date);

// Every fragment the language's functions can return, in a stable order.
std::span<const std::string_view> fragment_names(Language language) noexcept;
// The text espeak-ng speaks for a fragment whose recording is missing; empty
// for a name that is not one of the language's fragments.
std::string_view fragment_text(Language language, std::string_view fragment) noexcept;

}  // namespace ivrd::ivr
