#pragma once

#include "engine/expr/regex/regex.h"

#include <memory>
#include <string>
#include <string_view>

namespace syncline::engine::expr {

/// A regex literal compiled once when the expression is compiled, shared by every evaluation.
class RegexHolder
{
public:
    /// Compiles /pattern/flags; throws ExprException (S0301/S0303 ...) at `position`.
    static std::shared_ptr<const RegexHolder> compile(std::string_view pattern,
                                                      std::string_view flags, int position);

    const regex::Regex &regex() const { return m_regex; }
    const std::string &source() const { return m_regex.source(); }

private:
    explicit RegexHolder(regex::Regex r)
        : m_regex(std::move(r))
    {}
    regex::Regex m_regex;
};

} // namespace syncline::engine::expr
