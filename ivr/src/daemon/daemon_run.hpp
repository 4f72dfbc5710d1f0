#pragma once
// The ivrd daemon from command line to exit: options, configuration, the
// appliance on its lines, the event loop with its 20 ms tick, signals,
// sd_notify, the control socket and the store; internal to the ivr library
// (ivr/app/ivrd.cpp is only its caller). docs/daemon.md describes the
// behaviour for people.

namespace ivrd::ivr::daemon {

// Runs ivrd; returns the process's exit code (daemon_options.hpp).
int run_daemon(int argc, const char* const argv[]);

}  // namespace ivrd::ivr::daemon
