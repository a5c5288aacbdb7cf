// How the live status line is shown (measure.progress).
#pragma once
#include "base/field.h"

namespace rpbench {

// auto: one line rewritten in place on a terminal, a plain line every 5 s otherwise; tty: always
// in place; plain: always plain lines; off: nothing.
enum class ProgressMode { kAuto, kTty, kPlain, kOff };
inline constexpr config::NameTable<ProgressMode, 4> kProgressModeNames{{{ProgressMode::kAuto, "auto"},
                                                                        {ProgressMode::kTty, "tty"},
                                                                        {ProgressMode::kPlain, "plain"},
                                                                        {ProgressMode::kOff, "off"}}};

}  // namespace rpbench
