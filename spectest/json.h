// A small JSON reader for wast2json's command scripts. Strings are decoded to raw bytes
// (\u escapes become UTF-8, "\u0000" a NUL byte) because export names in the spec tests use
// every byte value; numbers keep their source text so integers round-trip exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace wrun::json {

class Value {
 public:
  enum class Kind : uint8_t { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Value>;
  using Object = std::vector<std::pair<std::string, Value>>;  // in source order

  Value() = default;
  static Value null() { return Value(); }
  static Value boolean(bool b);
  static Value number(std::string text);
  static Value string(std::string s);
  static Value array(Array items);
  static Value object(Object members);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_number() const { return kind_ == Kind::Number; }
  bool is_string() const { return kind_ == Kind::String; }
  bool is_array() const { return kind_ == Kind::Array; }
  bool is_object() const { return kind_ == Kind::Object; }

  bool as_bool() const { return bool_; }
  // Number text as written, or the decoded string.
  const std::string& text() const { return text_; }
  // The number as an integer, when it is one that fits.
  std::optional<int64_t> as_int() const;
  const Array& items() const { return items_; }
  const Object& members() const { return members_; }

  // Object member lookup; null when this is not an object or the key is absent.
  const Value* find(std::string_view key) const;

 private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  std::string text_;
  Array items_;
  Object members_;
};

struct ParseError {
  std::string message;
  size_t offset = 0;  // byte offset in the input
  size_t line = 0;    // 1-based
};

// Parses one JSON document (RFC 8259), rejecting trailing garbage and nesting deeper than
// `max_depth` (so hostile input cannot exhaust the stack).
std::variant<Value, ParseError> parse(std::string_view text, size_t max_depth = 256);

}  // namespace wrun::json
