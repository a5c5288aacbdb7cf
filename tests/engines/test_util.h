// Helpers shared by the engine tests: a temporary directory owned by the test, and
// deterministic keys and values.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "engines/kvstore/kvstore.h"

namespace rpbench::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rpbench-test-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string test_key(uint64_t i) { return "key:" + std::to_string(i); }

// A value of `len` bytes that depends on (i, version): every byte value 0..255 occurs.
inline std::string test_value(uint64_t i, uint64_t version, size_t len) {
  std::string v(len, '\0');
  uint64_t x = i * 0x9e3779b97f4a7c15ull + version * 0xbf58476d1ce4e5b9ull + 1;
  for (size_t j = 0; j < len; ++j) {
    x ^= x >> 31;
    x *= 0x94d049bb133111ebull;
    v[j] = static_cast<char>(x >> 56);
  }
  return v;
}

// Every pair of a store (a kvstore::BasicKvStore on any allocator).
template <class Store>
std::map<std::string, std::string> contents(const Store& s) {
  std::map<std::string, std::string> m;
  s.for_each([&](std::string_view k, std::string_view v) { m.emplace(std::string(k), std::string(v)); });
  return m;
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
inline void write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

}  // namespace rpbench::testing
