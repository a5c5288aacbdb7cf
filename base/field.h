// Config fields declared once: name, type, default, allowed range, help, and the member of a typed
// options struct each fills (fio's option table is the model). Parsing, validation, defaults,
// `rpbench validate`, `rpbench list --fields` and the typed options the parts run on all come from
// these declarations: nothing else reads a config field by its name.
//
// A part declares its fields in an OptionTable<Opts>, one line each, naming the member (or a
// nested member through an accessor lambda) the field fills; the default is that member's value
// in a default-constructed Opts. String choices map to enums through one NameTable per enum.
//
//   OptionTable<RdbForkOptions> t;
//   t.integer("buffer_bytes", &RdbForkOptions::buffer_bytes, kMinBuffer, kMaxBuffer, "bytes of ...");
//   t.choice("thp", &RdbForkOptions::thp, kThpNames, "transparent huge pages for the store");
//   RdbForkOptions o = t.bind(resolved_engine_section);
//
// The config loader validates a user's JSON against table.fields() (types, ranges, choices, each
// field's own check); bind() then fills the struct from the resolved section and cannot fail.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rpbench::config {

enum class FieldType {
  kBool,
  kInt,     // integral JSON number within [min, max]
  kNumber,  // any JSON number within [min, max]
  kString,
  kEnum,        // one of `choices`
  kNumberList,  // array of numbers, each within [min, max]
  kBuckets,     // array of [lo, hi, weight] triples: lo <= hi within [min, max], weights summing to 1
  kObject,      // an object whose own fields are declared elsewhere (phase overrides)
};

// One name per enum value; the first entry's order is the order `rpbench list` shows.
template <class E>
struct EnumName {
  E value;
  std::string_view name;
};
template <class E, size_t N>
using NameTable = std::array<EnumName<E>, N>;

template <class E, size_t N>
std::string_view name_of(const NameTable<E, N>& table, E value) {
  for (const auto& e : table)
    if (e.value == value) return e.name;
  return "?";
}
template <class E, size_t N>
std::optional<E> value_of(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& e : table)
    if (e.name == name) return e.value;
  return std::nullopt;
}
template <class E, size_t N>
std::vector<std::string> names_of(const NameTable<E, N>& table) {
  std::vector<std::string> v;
  for (const auto& e : table) v.emplace_back(e.name);
  return v;
}

struct Field {
  std::string path;  // dotted path relative to its section, e.g. "mix.read"
  FieldType type = FieldType::kNumber;
  nlohmann::json default_value;  // null: no default, the field is optional and absent unless given
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // for kEnum
  std::string help;
  bool min_exclusive = false;  // the range is (min, max] rather than [min, max]
  // A further check of a value that passed the type and range checks: "" when fine, else what is
  // wrong ("must be a plain file name, got \"a/b\"").
  std::function<std::string(const nlohmann::json&)> check;
  // Fills the target struct's member from a checked value (set by OptionTable; empty for fields
  // that fill nothing, e.g. objects checked elsewhere). `target` is the table's struct.
  std::function<void(void* target, const nlohmann::json& value)> bind;

  Field& exclusive_min() {
    min_exclusive = true;
    return *this;
  }
  Field& no_default() {
    default_value = nullptr;
    return *this;
  }
  Field& with_default(nlohmann::json v) {
    default_value = std::move(v);
    return *this;
  }
  Field& with_check(std::function<std::string(const nlohmann::json&)> c) {
    check = std::move(c);
    return *this;
  }
};

// Untyped builders, for fields that fill no member of their own (the phase type, override objects)
// or are bound with OptionTable::bound().
inline Field Bool(std::string path, bool def, std::string help) {
  return Field{std::move(path), FieldType::kBool, def, 0, 1, {}, std::move(help)};
}
inline Field Int(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kInt, std::move(def), min, max, {}, std::move(help)};
}
inline Field Number(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kNumber, std::move(def), min, max, {}, std::move(help)};
}
inline Field String(std::string path, nlohmann::json def, std::string help) {
  return Field{std::move(path), FieldType::kString, std::move(def), 0, 0, {}, std::move(help)};
}
inline Field Enum(std::string path, nlohmann::json def, std::vector<std::string> choices, std::string help) {
  return Field{std::move(path), FieldType::kEnum, std::move(def), 0, 0, std::move(choices), std::move(help)};
}
inline Field NumberList(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kNumberList, std::move(def), min, max, {}, std::move(help)};
}
inline Field Object(std::string path, std::string help) {
  return Field{std::move(path), FieldType::kObject, nullptr, 0, 0, {}, std::move(help)};
}
inline Field Buckets(std::string path, nlohmann::json def, double min, double max, std::string help) {
  return Field{std::move(path), FieldType::kBuckets, std::move(def), min, max, {}, std::move(help)};
}

namespace detail {
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
using unwrap_optional_t = typename std::conditional_t<is_optional<T>::value, T, std::optional<T>>::value_type;
}  // namespace detail

// The fields of one typed options struct. `Member` is a pointer to a member of Opts or a callable
// Opts& -> T& (for nested members); std::optional<T> members are fields without a default.
template <class Opts>
class OptionTable {
 public:
  template <class Member>
  Field& boolean(std::string path, Member m, std::string help) {
    return add<bool>(std::move(path), FieldType::kBool, m, 0, 1, std::move(help));
  }
  template <class Member>
  Field& integer(std::string path, Member m, double min, double max, std::string help) {
    return add<int64_t>(std::move(path), FieldType::kInt, m, min, max, std::move(help));
  }
  template <class Member>
  Field& number(std::string path, Member m, double min, double max, std::string help) {
    return add<double>(std::move(path), FieldType::kNumber, m, min, max, std::move(help));
  }
  template <class Member>
  Field& string(std::string path, Member m, std::string help) {
    return add<std::string>(std::move(path), FieldType::kString, m, 0, 0, std::move(help));
  }
  template <class Member>
  Field& number_list(std::string path, Member m, double min, double max, std::string help) {
    return add<std::vector<double>>(std::move(path), FieldType::kNumberList, m, min, max, std::move(help));
  }
  // A string choice filling an enum member through its name table.
  template <class Member, class E, size_t N>
  Field& choice(std::string path, Member m, const NameTable<E, N>& names, std::string help) {
    Field f;
    f.path = std::move(path);
    f.type = FieldType::kEnum;
    f.choices = names_of(names);
    f.help = std::move(help);
    Opts defaults{};
    using T = std::remove_reference_t<decltype(std::invoke(m, defaults))>;
    if constexpr (detail::is_optional<T>::value) {
      f.default_value = nullptr;
    } else {
      f.default_value = std::string(name_of(names, std::invoke(m, defaults)));
    }
    f.bind = [m, names](void* target, const nlohmann::json& v) {
      if (auto e = value_of(names, v.get<std::string>())) std::invoke(m, *static_cast<Opts*>(target)) = *e;
    };
    fields_.push_back(std::move(f));
    return fields_.back();
  }
  // A string choice whose names are not an enum's (the engine list, distributions named by the
  // workloads library), filling a string member.
  template <class Member>
  Field& string_choice(std::string path, Member m, std::vector<std::string> choices, std::string help) {
    Field& f = add<std::string>(std::move(path), FieldType::kEnum, m, 0, 0, std::move(help));
    f.choices = std::move(choices);
    return f;
  }
  // A field checked by the loader but bound by hand (buckets, phase override objects), or not at all.
  Field& unbound(Field f) {
    fields_.push_back(std::move(f));
    return fields_.back();
  }
  template <class Member>
  Field& bound(Field f, Member m) {
    f.bind = [m](void* target, const nlohmann::json& v) { assign(std::invoke(m, *static_cast<Opts*>(target)), v); };
    fields_.push_back(std::move(f));
    return fields_.back();
  }

  const std::vector<Field>& fields() const { return fields_; }

  // Fills `out` from a resolved section (validated, defaults filled): every field present in it.
  void bind(Opts* out, const nlohmann::json& section) const {
    for (const auto& f : fields_) {
      if (!f.bind) continue;
      if (const nlohmann::json* v = find(section, f.path); v != nullptr && !v->is_null()) f.bind(out, *v);
    }
  }
  Opts bind(const nlohmann::json& section) const {
    Opts o{};
    bind(&o, section);
    return o;
  }

 private:
  static const nlohmann::json* find(const nlohmann::json& section, const std::string& dotted) {
    const nlohmann::json* cur = &section;
    size_t start = 0;
    for (;;) {
      const size_t dot = dotted.find('.', start);
      const std::string name = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(name);
      if (it == cur->end()) return nullptr;
      cur = &*it;
      if (dot == std::string::npos) return cur;
      start = dot + 1;
    }
  }
  template <class T>
  static void assign(T& member, const nlohmann::json& v) {
    if constexpr (detail::is_optional<T>::value) {
      member = v.get<typename T::value_type>();
    } else {
      member = v.get<T>();
    }
  }
  template <class Json, class Member>
  Field& add(std::string path, FieldType type, Member m, double min, double max, std::string help) {
    Field f;
    f.path = std::move(path);
    f.type = type;
    f.min = min;
    f.max = max;
    f.help = std::move(help);
    Opts defaults{};
    using T = std::remove_reference_t<decltype(std::invoke(m, defaults))>;
    if constexpr (detail::is_optional<T>::value) {
      f.default_value = nullptr;
    } else {
      f.default_value = std::invoke(m, defaults);
    }
    f.bind = [m](void* target, const nlohmann::json& v) { assign(std::invoke(m, *static_cast<Opts*>(target)), v); };
    fields_.push_back(std::move(f));
    return fields_.back();
  }

  std::vector<Field> fields_;
};

}  // namespace rpbench::config
