// Values in wast2json scripts: arguments become wrun::Val, expected results become patterns
// (exact bits, nan:canonical, nan:arithmetic, any non-null reference) matched against results.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "spectest/json.h"
#include "wrun/wrun.h"

namespace wrun::spectest {

// A script that does not have the shape wast2json writes. Caught per command and counted
// as a failure of that command.
struct ScriptError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Match : uint8_t {
  Exact,          // same bits (numbers), same reference (refs)
  CanonicalNan,   // nan:canonical: sign free, payload exactly the quiet bit
  ArithmeticNan,  // nan:arithmetic: sign and payload free, quiet bit set
  NonNull,        // a funcref given without an identity: any non-null reference
  Any,            // only the type is known (assert_trap's expected list)
};

enum class LaneType : uint8_t { I8, I16, I32, I64, F32, F64 };

struct Lane {
  Match match = Match::Exact;
  uint64_t bits = 0;
};

struct Expected {
  ValType type = ValType::I32;
  Match match = Match::Exact;
  Val value;  // scalars and references, when match == Exact
  // v128 only: the lane shape the script wrote and one pattern per lane.
  LaneType lane_type = LaneType::I32;
  std::vector<Lane> lanes;
};

// The host value that stands for `(ref.extern N)` in scripts: distinct and non-null for
// every N, so results can be compared and printed back as N.
Val externref_for(uint64_t n);

// Parses {"type": T, "value": V} (with "lane_type" for v128) into an argument value.
Val parse_arg(const json::Value& v);
// Parses an expected result; NaN patterns and value-less entries become Match kinds.
Expected parse_expected(const json::Value& v);

bool matches(const Expected& expected, const Val& actual);

// Readable forms for diagnostics, in wast syntax with the bits where they matter:
// "i32.const -1", "f32.const nan:0x400000 (0x7fc00000)", "v128.const i32x4 1 2 3 4".
std::string to_string(const Expected& e);
// A v128 is shown with the lanes of `shape` so it lines up with the expectation.
std::string to_string(const Val& v, LaneType shape = LaneType::I32);
std::string to_string(const std::vector<Val>& vals, const std::vector<Expected>* shapes = nullptr);
std::string to_string(const std::vector<Expected>& vals);

}  // namespace wrun::spectest
