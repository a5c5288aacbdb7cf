#include "harness/config/json_scan.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <vector>

namespace rpbench::config {

namespace {

struct Frame {
  bool object = false;
  std::set<std::string> keys;
  std::string key;   // the current member's key (objects)
  size_t index = 0;  // the current element's index (arrays)
  bool has_item = false;
};

class Scanner {
 public:
  explicit Scanner(std::string_view t) : t_(t) {}

  std::optional<JsonProblem> run() {
    while (pos_ < t_.size()) {
      const char c = t_[pos_];
      if (c == '/' && pos_ + 1 < t_.size() && (t_[pos_ + 1] == '/' || t_[pos_ + 1] == '*')) {
        skip_comment();
      } else if (c == '"') {
        const bool key = expecting_key();
        if (!key) begin_item();
        std::string s;
        if (!read_string(&s)) return problem_;
        if (key) {
          Frame& f = stack_.back();
          if (!f.keys.insert(s).second) return fail(path_with(s), "duplicate key \"" + s + "\"");
          f.key = s;
          f.has_item = true;
        }
      } else if (c == '{' || c == '[') {
        begin_item();
        if (stack_.size() >= kMaxJsonDepth)
          return fail(path(), "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        stack_.push_back(Frame{c == '{'});
        ++pos_;
      } else if (c == '}' || c == ']') {
        if (!stack_.empty()) stack_.pop_back();
        ++pos_;
      } else if (c == ',') {
        if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
        if (!stack_.empty() && stack_.back().object) stack_.back().key.clear();
        ++pos_;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        begin_item();
        if (auto p = check_number()) return p;
      } else {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ':') begin_item();
        ++pos_;
      }
    }
    return std::nullopt;
  }

 private:
  bool expecting_key() const { return !stack_.empty() && stack_.back().object && stack_.back().key.empty(); }
  void begin_item() {
    if (!stack_.empty() && !stack_.back().object) stack_.back().has_item = true;
  }

  std::string path() const {
    std::string p;
    for (const Frame& f : stack_) {
      if (f.object) {
        if (f.key.empty()) continue;
        if (!p.empty()) p += '.';
        p += f.key;
      } else if (f.has_item) {
        p += '[';
        p += std::to_string(f.index);
        p += ']';
      }
      if (p.size() > 80) return p + "...";  // a deep path is shown by its start
    }
    return p;
  }
  std::string path_with(const std::string& key) const {
    const std::string p = path();
    return p.empty() ? key : p + "." + key;
  }

  std::string where() const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < t_.size(); ++i) {
      if (t_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
  }
  std::optional<JsonProblem> fail(std::string p, const std::string& msg) {
    problem_ = JsonProblem{std::move(p), msg + " (" + where() + ")"};
    return problem_;
  }

  void skip_comment() {
    if (t_[pos_ + 1] == '/') {
      while (pos_ < t_.size() && t_[pos_] != '\n') ++pos_;
    } else {
      const size_t end = t_.find("*/", pos_ + 2);
      pos_ = end == std::string_view::npos ? t_.size() : end + 2;
    }
  }

  // Reads a string token starting at the quote; false (with problem_) on invalid UTF-8.
  bool read_string(std::string* out) {
    const size_t start = ++pos_;
    while (pos_ < t_.size() && t_[pos_] != '"') pos_ += t_[pos_] == '\\' ? 2 : 1;
    const size_t end = std::min(pos_, t_.size());
    *out = std::string(t_.substr(start, end - start));
    ++pos_;
    if (!valid_utf8(*out)) {
      fail(path(), "a string is not valid UTF-8");
      return false;
    }
    return true;
  }

  std::optional<JsonProblem> check_number() {
    const size_t start = pos_;
    while (pos_ < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[pos_])) || t_[pos_] == '-' ||
                                t_[pos_] == '+' || t_[pos_] == '.' || t_[pos_] == 'e' || t_[pos_] == 'E'))
      ++pos_;
    const std::string num(t_.substr(start, pos_ - start));
    errno = 0;
    const double v = std::strtod(num.c_str(), nullptr);
    if (errno == ERANGE && std::isinf(v)) return fail(path(), "the number " + num + " is out of range");
    return std::nullopt;
  }

  std::string_view t_;
  size_t pos_ = 0;
  std::vector<Frame> stack_;
  std::optional<JsonProblem> problem_;
};

}  // namespace

std::optional<JsonProblem> scan_json_text(std::string_view text) { return Scanner(text).run(); }

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace rpbench::config
