// ivrd: the telephony appliance's daemon (docs/daemon.md).
#include "daemon/daemon_run.hpp"

int main(int argc, char** argv) { return ivrd::ivr::daemon::run_daemon(argc, argv); }
