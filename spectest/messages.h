// Does an error or trap message say what a script expected? The spec's reference interpreter
// accepts a message that starts with the expected text; we accept one that contains it (our
// messages may carry a prefix such as a location), plus a few documented aliases.
#pragma once

#include <string_view>

namespace wrun::spectest {

bool message_matches(std::string_view actual, std::string_view expected);

}  // namespace wrun::spectest
