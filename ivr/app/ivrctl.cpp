// ivrctl: the technician's command for the running ivrd. The commands live in
// the ivr library (ivrd/ivr/ivrctl.hpp).

#include "ivrd/ivr/ivrctl.hpp"

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const int status =
      ivrd::ivr::ctl::run_ivrctl(args, std::cout, std::cerr, std::getenv("IVRD_SOCKET"));
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "ivrctl: cannot write the output\n";
    return ivrd::ivr::ctl::kExitFailed;
  }
  return status;
}
