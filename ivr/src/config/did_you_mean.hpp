#pragma once
// "did you mean" suggestions for misspelt keys and names.

#include <string>
#include <string_view>
#include <vector>

namespace ivrd::ivr::config_detail {

// Edit distance with adjacent transpositions (optimal string alignment), in
// characters, case-sensitive.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely
// typo (at most one edit in four characters, at least one, and fewer edits
// than the word has characters), else empty. Ties go to the first candidate.
std::string closest_name(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" for the closest candidate, or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace ivrd::ivr::config_detail
