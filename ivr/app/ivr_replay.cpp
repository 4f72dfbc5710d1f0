// ivr-replay: the appliance's receive-side DSP over capture files. The
// commands live in the ivr library (ivrd/ivr/replay.hpp).

#include <iostream>
#include <string>
#include <vector>

#include "ivrd/ivr/replay.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const int status = ivrd::ivr::replay::run_replay(args, std::cout, std::cerr);
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "ivr-replay: cannot write the output\n";
    return ivrd::ivr::replay::kExitFailure;
  }
  return status;
}
