#include "transport/registry.h"

#include "transport/socket_transports.h"
#include "transport/verbs_transport.h"

namespace rpbench::transport {

const std::vector<TransportEntry>& transport_registry() {
  static const std::vector<TransportEntry> entries = {
      shm_transport_entry(),
      tcp_transport_entry(),
      verbs_transport_entry(),
  };
  return entries;
}

const TransportEntry* find_transport(std::string_view name) {
  for (const auto& e : transport_registry()) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::vector<std::string> transport_names() {
  std::vector<std::string> names;
  for (const auto& e : transport_registry()) names.push_back(e.name);
  return names;
}

std::string transport_choices() {
  const std::vector<std::string> names = transport_names();
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += names[i];
  }
  return text;
}

}  // namespace rpbench::transport
