#include "ivrd/ivr/ivrctl.hpp"

#include <exception>
#include <ostream>

#include "ivrd/ivr/control.hpp"

#include "command_line.hpp"
#include "reply_text.hpp"

namespace ivrd::ivr::ctl {
namespace {

int report_client_error(const ControlClientError& error, std::ostream& err) {
  err << "ivrctl: " << error.what() << '\n';
  return error.kind() == ControlClientError::Kind::permission ? kExitPermission : kExitUnreachable;
}

int report_refusal(const ControlReply& reply, std::ostream& err) {
  err << "ivrctl: " << reply.error << '\n';
  if (reply.code == ControlErrorCode::config) {
    for (const std::string& line : reply.errors) err << line << '\n';
    return kExitConfig;
  }
  if (reply.code == ControlErrorCode::refused && reply.error.starts_with("permission denied")) {
    return kExitPermission;
  }
  return kExitFailed;
}

int run_monitor(ControlClient& client, const Invocation& invocation, std::ostream& out,
                std::ostream& err) {
  const ControlReply reply = client.monitor(
      [&](const nlohmann::json& event) {
        if (invocation.json) {
          out << event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        } else {
          out << event_text(event) << '\n';
        }
        out.flush();
        return static_cast<bool>(out);
      },
      invocation.timeout);
  if (!reply.ok) return report_refusal(reply, err);
  err << "ivrctl: ivrd closed the monitor connection\n";
  return kExitOk;
}

}  // namespace

int run_ivrctl(std::span<const std::string> args, std::ostream& out, std::ostream& err,
               const char* socket_from_environment) {
  Invocation invocation;
  try {
    invocation = parse_command_line(args);
  } catch (const UsageError& error) {
    err << "ivrctl: " << error.what() << " (try 'ivrctl --help')\n";
    return kExitUsage;
  }
  if (invocation.help) {
    print_help(out);
    return kExitOk;
  }
  if (invocation.version) {
    out << "ivrctl " << IVRD_VERSION << '\n';
    return kExitOk;
  }
  std::string socket = invocation.socket;
  if (socket.empty() && socket_from_environment != nullptr && *socket_from_environment != '\0') {
    socket = socket_from_environment;
  }
  if (socket.empty()) socket = std::string(kDefaultControlSocket);

  try {
    ControlClient client = ControlClient::connect(socket);
    if (invocation.command == "monitor") return run_monitor(client, invocation, out, err);
    const ControlReply reply =
        client.request(invocation.command, invocation.args, invocation.timeout);
    if (!reply.ok) return report_refusal(reply, err);
    if (invocation.json) {
      out << reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
      print_reply_text(invocation.command, invocation.args, reply.body, out);
    }
    return kExitOk;
  } catch (const ControlClientError& error) {
    return report_client_error(error, err);
  } catch (const std::exception& error) {
    err << "ivrctl: " << error.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace ivrd::ivr::ctl
