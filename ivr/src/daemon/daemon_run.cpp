#include "daemon/daemon_run.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "ivrd/ivr/appliance.hpp"
#include "ivrd/ivr/config_loader.hpp"
#include "ivrd/ivr/control.hpp"
#include "ivrd/ivr/store.hpp"

#include "daemon/control_handler.hpp"
#include "daemon/daemon_options.hpp"
#include "daemon/daemonize.hpp"
#include "daemon/demo_call.hpp"
#include "daemon/event_loop.hpp"
#include "daemon/logger.hpp"
#include "daemon/systemd_notifier.hpp"

namespace ivrd::ivr::daemon {
namespace {

// A tick that comes this many periods late is not caught up block by block
// beyond this: the lines' own buffers have overflowed by then anyway.
constexpr uint64_t kMaxCatchUpTicks = 50;

std::string errors_text(const std::vector<ConfigError>& errors) {
  std::string text;
  for (const ConfigError& error : errors) text += error.to_string() + "\n";
  return text;
}

bool uses_dahdi(const Config& config) {
  for (const SpanConfig& span : config.spans) {
    if (span.backend == SpanBackend::dahdi) return true;
  }
  return false;
}

std::string status_of(const Appliance& appliance) {
  size_t lines = 0;
  for (const SpanInfo& span : appliance.spans()) lines += span.lines;
  const size_t calls = appliance.call_count();
  return std::to_string(lines) + (lines == 1 ? " line, " : " lines, ") + std::to_string(calls) +
         (calls == 1 ? " call" : " calls") + ", configuration " +
         std::to_string(appliance.generation());
}

class Daemon {
 public:
  Daemon(DaemonOptions options, Logger& logger) : options_(std::move(options)), log_(logger) {}

  int run(std::optional<Daemonized>& detached) {
    // Signals are blocked before anything can start a thread (espeak-ng may),
    // so they reach the loop's signalfd and never a thread's default action.
    EventLoop loop;
    loop_ = &loop;
    loop.on_signal(SIGHUP, [this](int) { reload(); });
    loop.on_signal(SIGTERM, [this](int) { stop("SIGTERM"); });
    loop.on_signal(SIGINT, [this](int) { stop("SIGINT"); });

    ConfigLoadResult loaded = load_config(options_.config);
    if (!loaded.ok()) {
      std::cerr << errors_text(loaded.errors);
      return fail(detached, kExitConfig,
                  options_.config.string() + ": configuration has " +
                      std::to_string(loaded.errors.size()) + " error(s)");
    }
    auto config = std::make_shared<const Config>(std::move(*loaded.config));

    ApplianceOptions appliance_options;
    appliance_options.all_sim = options_.sim;
    open_store();
    if (store_) {
      appliance_options.directory_lookup =
          [this](std::string_view directory,
                 std::string_view number) -> std::optional<PromptVariables> {
        try {
          const auto entry = store_->lookup(directory, number);
          if (!entry) return std::nullopt;
          return PromptVariables(entry->fields.begin(), entry->fields.end());
        } catch (const std::exception& error) {
          log_.error(error.what());
          return std::nullopt;
        }
      };
    }
    appliance_options.call_ended = [this](const CallInfo& call) { record(call); };
    if (!options_.sim && uses_dahdi(*config) && !std::filesystem::exists("/dev/dahdi")) {
      log_.notice("no DAHDI card (/dev/dahdi is missing): running on the simulated card");
      appliance_options.all_sim = true;
    }
    try {
      appliance_ = std::make_unique<Appliance>(config, std::move(appliance_options));
    } catch (const std::exception& error) {
      return fail(detached, kExitConfig, error.what());
    }
    appliance_->on_event([this](const ApplianceEvent& event) {
      log_event(event);
      if (server_) server_->publish(ApplianceControl::monitor_event(event));
    });
    control_ = std::make_unique<ApplianceControl>(*appliance_, options_.config,
                                                  [this] { return reload(); });
    if (const auto problem = open_control_socket(loop, config->appliance.admin_group)) {
      return fail(detached, kExitFailure, *problem);
    }

    loop.start_tick(EventLoop::kDaemonTick, [this](uint64_t periods) { on_tick(periods); });

    if (options_.demo_call) {
      if (!appliance_->sim_card()) {
        return fail(detached, kExitFailure, "--demo-call needs the simulated card (add --sim)");
      }
      demo_ = std::make_unique<DemoCall>(*appliance_);
    }

    log_.notice("ivrd started: " + status_of(*appliance_) + " (" + options_.config.string() + ")");
    if (detached) {
      log_.use_syslog();
      detached->report.ready();
    }
    notifier_.ready(status_of(*appliance_));
    loop.run();
    notifier_.stopping();
    log_.notice("ivrd stopped");
    return exit_code_;
  }

 private:
  int fail(std::optional<Daemonized>& detached, int code, const std::string& line) {
    if (detached) {
      detached->report.failed(code, line);
    } else {
      std::cerr << "ivrd: " << line << "\n";
    }
    return code;
  }

  void open_store() {
    const auto file = store_path(options_.state_dir);
    try {
      std::filesystem::create_directories(options_.state_dir);
      store_ = std::make_unique<Store>(Store::open(file));
    } catch (const std::exception& error) {
      // Calls are answered all the same; each call record that cannot be
      // kept is logged.
      log_.error(std::string(error.what()) + "; caller lookups and call records are off");
    }
  }

  void record(const CallInfo& call) {
    if (!store_) {
      log_.error("call " + call.id + " not recorded: no store");
      return;
    }
    const auto at = [this](uint64_t ms) { return started_ + std::chrono::milliseconds(ms); };
    CallRecord record;
    // Live ids restart at c-1 with the daemon; the record's id stays unique.
    record.call_id = run_id_ + "-" + call.id;
    record.line = call.line;
    record.direction = CallDirection::inbound;
    record.caller_number = call.caller_id;
    record.caller_name = call.caller_name;
    record.started = at(call.rang_ms);
    record.answered = at(call.answered_ms);
    record.ended = at(call.answered_ms + call.duration_ms);
    record.route = call.route;
    record.final_menu = call.menu;
    record.keys = call.keys;
    record.hangup_reason = call.end_reason;
    record.language = call.language;
    try {
      store_->record_call(record);
    } catch (const std::exception& error) {
      log_.error(error.what());
    }
  }

  void on_tick(uint64_t periods) {
    if (periods > kMaxCatchUpTicks) {
      log_.warning("the event loop fell " + std::to_string(periods) +
                   " ticks behind; catching up " + std::to_string(kMaxCatchUpTicks));
      periods = kMaxCatchUpTicks;
    }
    for (uint64_t i = 0; i < periods; ++i) appliance_->tick();
    const auto now = SystemdNotifier::Clock::now();
    if (notifier_.watchdog_due(now)) notifier_.kick(now);
    control_->poll();
    if (const size_t calls = appliance_->call_count(); calls != reported_calls_) {
      reported_calls_ = calls;
      notifier_.status(status_of(*appliance_));
    }
    if (server_) {
      if (const auto due = server_->next_deadline(); due && *due <= now) server_->service(now);
    }
    if (demo_) {
      demo_->poll();
      if (demo_->finished()) {
        std::cout << demo_->transcript() << std::flush;
        demo_.reset();
        stop("the demo call ended");
      }
    }
    if (stopping_ && ++stop_ticks_ >= 3) loop_->stop();
  }

  // The control socket; a problem only when another ivrd holds it (two
  // daemons must not drive the same lines). Any other failure leaves the
  // daemon running without it, logged.
  std::optional<std::string> open_control_socket(EventLoop& loop, const std::string& admin_group) {
    try {
      std::filesystem::create_directories(options_.socket.parent_path());
      ControlServerOptions server_options;
      server_options.admin_group = admin_group;
      server_ =
          std::make_unique<ControlServer>(options_.socket.string(), server_options, *control_,
                                          [this](const std::string& line) { log_.notice(line); });
      loop.add(server_->epoll_fd(), EPOLLIN,
               [this](uint32_t) { server_->service(std::chrono::steady_clock::now()); });
    } catch (const std::exception& error) {
      const std::string what = error.what();
      if (what.find("another ivrd") != std::string::npos) return what;
      log_.error(what + "; ivrctl cannot reach this daemon");
      server_.reset();
    }
    return std::nullopt;
  }

  ReloadOutcome reload() {
    ReloadOutcome outcome;
    notifier_.reloading();
    log_.notice("reloading " + options_.config.string());
    ConfigLoadResult loaded = load_config(options_.config);
    if (!loaded.ok()) {
      for (const ConfigError& error : loaded.errors) {
        log_.error(error.to_string());
        outcome.errors.push_back(error.to_string());
      }
    } else {
      outcome.errors =
          appliance_->reload(std::make_shared<const Config>(std::move(*loaded.config)));
      for (const std::string& problem : outcome.errors) log_.error(problem);
    }
    outcome.ok = outcome.errors.empty();
    if (outcome.ok) {
      log_.notice("configuration " + std::to_string(appliance_->generation()) +
                  " in use for new calls");
    } else {
      outcome.error = "reload refused: " + std::to_string(outcome.errors.size()) +
                      " error(s); the running configuration stays in use";
      log_.error(outcome.error);
    }
    notifier_.ready(status_of(*appliance_));
    return outcome;
  }

  void stop(const std::string& why) {
    if (stopping_) return;
    stopping_ = true;
    notifier_.stopping();
    log_.notice("stopping (" + why + "): hanging up " + std::to_string(appliance_->call_count()) +
                " call(s)");
    for (const CallInfo& call : appliance_->calls()) appliance_->hang_up(call.id);
    // A few more ticks take the lines on-hook before the loop ends.
  }

  void log_event(const ApplianceEvent& event) {
    std::string line = event.event;
    if (!event.line.empty()) line += " line=" + event.line;
    if (!event.call.empty()) line += " call=" + event.call;
    if (!event.detail.empty()) line += ": " + event.detail;
    const bool chatty =
        event.event == "prompt" || event.event == "greeting" || event.event == "progress";
    log_.log(chatty ? LogLevel::debug : LogLevel::info, line);
  }

  DaemonOptions options_;
  Logger& log_;
  SystemdNotifier notifier_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Appliance> appliance_;
  std::unique_ptr<ApplianceControl> control_;
  std::unique_ptr<ControlServer> server_;
  std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
  std::string run_id_ = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(started_.time_since_epoch()).count());
  std::unique_ptr<DemoCall> demo_;
  EventLoop* loop_ = nullptr;
  bool stopping_ = false;
  size_t reported_calls_ = 0;
  int stop_ticks_ = 0;
  int exit_code_ = kExitOk;
};

}  // namespace

int run_daemon(int argc, const char* const argv[]) {
  DaemonOptions options;
  try {
    options = parse_daemon_options(argc, argv);
  } catch (const DaemonUsageError& error) {
    std::cerr << usage_error_text(error);
    return kExitUsage;
  }
  if (options.help) {
    std::cout << daemon_help_text();
    return kExitOk;
  }
  if (options.version) {
    std::cout << daemon_version_text();
    return kExitOk;
  }
  if (options.check_config) return check_config(options.config, std::cout, std::cerr);

  make_paths_absolute(options);
  std::optional<Daemonized> detached;
  if (should_daemonize(options)) {
    try {
      detached.emplace(daemonize());
    } catch (const std::exception& error) {
      std::cerr << "ivrd: " << error.what() << "\n";
      return kExitFailure;
    }
  }
  Logger logger(options.log_level);
  try {
    Daemon daemon(options, logger);
    return daemon.run(detached);
  } catch (const std::exception& error) {
    logger.error(error.what());
    if (detached) detached->report.failed(kExitFailure, error.what());
    return kExitFailure;
  }
}

}  // namespace ivrd::ivr::daemon
