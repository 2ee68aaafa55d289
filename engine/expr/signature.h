#pragma once

#include "engine/expr/smallvec.h"
#include "engine/json/value.h"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace syncline::engine::expr {

/// A JSONata function signature such as "<s-nn?:s>": one parameter per type symbol
/// (s n b l o a f j x, or a choice "(sn)"), modifiers '?' (optional), '+' (one or more) and '-'
/// (use the context value when the argument is missing), type parameters "a<n>". Matching follows
/// jsonata-js, which turns the signature into a regular expression over one letter per argument.
/// Immutable after parsing; safe to share across threads.
class Signature
{
public:
    struct Param
    {
        std::string allowed; // type letters this parameter accepts ('m' = missing/undefined)
        char type = 'x';     // the declared letter, or '(' for a choice
        char quantifier = 0; // 0, '?' or '+'
        bool context = false;
        std::string subtype; // "a<n>" -> "n"
    };

    /// Parses `text`; throws ExprException S0401 / S0402 (position = offset in `text`).
    static Signature parse(std::string_view text);

    /// The arguments fitted to the signature: missing context arguments filled in, single values
    /// wrapped for array parameters. Throws T0410 / T0411 / T0412 (index = argument number).
    using Arguments = SmallVec<json::Value, 6>;
    void validate(std::span<const json::Value> args, const json::Value &context,
                  Arguments &out) const;

    /// True when validate() would give `args` back unchanged: one argument of an accepted type
    /// per parameter, none of them an array parameter. The caller may then skip validate().
    bool acceptsAsIs(std::span<const json::Value> args) const;

    std::size_t paramCount() const { return m_params.size(); }
    const std::string &definition() const { return m_definition; }

private:
    bool matchOnePerParam(std::string_view symbols, std::span<std::size_t> counts) const;
    bool match(std::size_t param, std::string_view symbols, std::size_t pos, bool anchored,
               std::span<std::size_t> counts, std::size_t &end) const;

    std::string m_definition;
    std::vector<Param> m_params;
    bool m_argumentsAsIs = false; // no array or one-or-more parameter
};

/// The signature letter of a value: s n b l a o f, and m for undefined.
char typeSymbol(const json::Value &v);

} // namespace syncline::engine::expr
