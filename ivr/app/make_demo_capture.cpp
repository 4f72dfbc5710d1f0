// ivr-demo-capture OUT [EXPECTED]: writes the demo capture (a dialled number
// over speech-like noise, see ivrd/ivr/demo_capture.hpp) to OUT in the format
// its extension names, prints the number, and writes it to EXPECTED as well
// when given.

#include <exception>
#include <fstream>
#include <iostream>

#include "ivrd/driver/audio_file.hpp"
#include "ivrd/ivr/demo_capture.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3 || std::string(argv[1]) == "--help") {
    std::cerr << "usage: ivr-demo-capture OUT.ul [EXPECTED.txt]\n";
    return 2;
  }
  try {
    const ivrd::ivr::DemoCapture demo = ivrd::ivr::make_demo_capture();
    ivrd::driver::write_capture(argv[1], demo.samples);
    if (argc == 3) {
      std::ofstream expected(argv[2], std::ios::trunc);
      expected << demo.digits << "\n";
      expected.close();
      if (!expected) {
        std::cerr << "ivr-demo-capture: " << argv[2] << ": cannot write\n";
        return 1;
      }
    }
    std::cout << demo.digits << "\n";
  } catch (const std::exception& error) {
    std::cerr << "ivr-demo-capture: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
