#include "engine/expr/signature.h"

#include "engine/expr/exprerror.h"

#include <algorithm>

namespace syncline::engine::expr {

using json::Value;

char typeSymbol(const Value &v)
{
    switch (v.type()) {
    case json::Type::String: return 's';
    case json::Type::Number: return 'n';
    case json::Type::Boolean: return 'b';
    case json::Type::Null: return 'l';
    case json::Type::Array: return 'a';
    case json::Type::Object: return 'o';
    case json::Type::Function: return 'f';
    case json::Type::Undefined: return 'm';
    }
    return 'm';
}

namespace {

std::size_t findClosing(std::string_view text, std::size_t start, char open, char close)
{
    int depth = 1;
    std::size_t pos = start;
    while (pos < text.size()) {
        ++pos;
        if (pos >= text.size()) {
            break;
        }
        if (text[pos] == close) {
            if (--depth == 0) {
                break;
            }
        } else if (text[pos] == open) {
            ++depth;
        }
    }
    return pos;
}

} // namespace

Signature Signature::parse(std::string_view text)
{
    Signature sig;
    sig.m_definition = std::string(text);
    Param param;
    Param *prev = nullptr;
    auto next = [&] {
        sig.m_params.push_back(param);
        prev = &sig.m_params.back();
        param = Param{};
    };
    for (std::size_t pos = 1; pos < text.size(); ++pos) {
        const char symbol = text[pos];
        if (symbol == ':') {
            break; // the return type is not checked, as in jsonata-js
        }
        switch (symbol) {
        case 's': case 'n': case 'b': case 'l': case 'o':
            param.allowed = std::string(1, symbol) + "m";
            param.type = symbol;
            next();
            break;
        case 'a':
            param.allowed = "asnblfom";
            param.type = 'a';
            next();
            break;
        case 'f':
            param.allowed = "f";
            param.type = 'f';
            next();
            break;
        case 'j':
            param.allowed = "asnblom";
            param.type = 'j';
            next();
            break;
        case 'x':
            param.allowed = "asnblfom";
            param.type = 'x';
            next();
            break;
        case '-':
            if (prev) {
                prev->context = true;
                prev->quantifier = '?';
            }
            break;
        case '?':
        case '+':
            if (prev) {
                prev->quantifier = symbol;
            }
            break;
        case '(': {
            const std::size_t end = findClosing(text, pos, '(', ')');
            const std::string_view choice = text.substr(pos + 1, end - pos - 1);
            if (choice.find('<') != std::string_view::npos) {
                ExprException e("S0402", static_cast<int>(pos));
                e.value = Value::string(choice);
                throw e;
            }
            param.allowed = std::string(choice) + "m";
            param.type = '(';
            pos = end;
            next();
            break;
        }
        case '<':
            if (prev && (prev->type == 'a' || prev->type == 'f')) {
                const std::size_t end = findClosing(text, pos, '<', '>');
                prev->subtype = std::string(text.substr(pos + 1, end - pos - 1));
                pos = end;
            } else {
                ExprException e("S0401", static_cast<int>(pos));
                e.value = Value::string(prev ? std::string(1, prev->type) : std::string());
                throw e;
            }
            break;
        default:
            break;
        }
    }
    sig.m_argumentsAsIs = std::none_of(sig.m_params.begin(), sig.m_params.end(),
                                       [](const Param &p) {
                                           return p.type == 'a' || p.quantifier == '+';
                                       });
    return sig;
}

bool Signature::acceptsAsIs(std::span<const Value> args) const
{
    if (!m_argumentsAsIs || args.size() != m_params.size()) {
        return false;
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (m_params[i].allowed.find(typeSymbol(args[i])) == std::string::npos) {
            return false;
        }
    }
    return true;
}

// The usual call: argument i is accepted by parameter i and the parameters after the last
// argument may be left out. The backtracking match explores exactly this split first (each
// parameter greedily takes its argument, the rest match empty), so the counts are the same.
bool Signature::matchOnePerParam(std::string_view symbols, std::span<std::size_t> counts) const
{
    if (symbols.size() > m_params.size()) {
        return false;
    }
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        const Param &p = m_params[i];
        if (p.quantifier == '+') {
            return false;
        }
        if (i < symbols.size()) {
            if (p.allowed.find(symbols[i]) == std::string::npos) {
                return false;
            }
        } else if (p.quantifier != '?') {
            return false;
        }
    }
    for (std::size_t i = 0; i < counts.size(); ++i) {
        counts[i] = i < symbols.size() ? 1 : 0;
    }
    return true;
}

// Backtracking match of the parameter list against the argument letters, in the order a
// regular-expression engine with greedy quantifiers explores it (jsonata-js uses a RegExp).
bool Signature::match(std::size_t param, std::string_view symbols, std::size_t pos, bool anchored,
                      std::span<std::size_t> counts, std::size_t &end) const
{
    if (param == counts.size()) {
        if (anchored && pos != symbols.size()) {
            return false;
        }
        end = pos;
        return true;
    }
    const Param &p = m_params[param];
    auto accepts = [&](std::size_t i) {
        return i < symbols.size() && p.allowed.find(symbols[i]) != std::string::npos;
    };
    std::size_t maxCount = 0;
    if (p.quantifier == '+') {
        while (accepts(pos + maxCount)) {
            ++maxCount;
        }
        for (std::size_t n = maxCount; n >= 1; --n) {
            counts[param] = n;
            if (match(param + 1, symbols, pos + n, anchored, counts, end)) {
                return true;
            }
        }
        return false;
    }
    if (accepts(pos)) {
        counts[param] = 1;
        if (match(param + 1, symbols, pos + 1, anchored, counts, end)) {
            return true;
        }
    }
    if (p.quantifier == '?') {
        counts[param] = 0;
        return match(param + 1, symbols, pos, anchored, counts, end);
    }
    return false;
}

void Signature::validate(std::span<const Value> args, const Value &context, Arguments &out) const
{
    // One letter per argument, and one count per parameter: on the stack for usual calls.
    char symbolBuffer[16];
    std::string symbolHeap;
    char *symbolData = symbolBuffer;
    if (args.size() > sizeof symbolBuffer) {
        symbolHeap.resize(args.size());
        symbolData = symbolHeap.data();
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        symbolData[i] = typeSymbol(args[i]);
    }
    const std::string_view symbols(symbolData, args.size());
    SmallVec<std::size_t, 8> countStore;
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        countStore.push_back(0);
    }
    const std::span<std::size_t> counts(countStore.data(), countStore.size());
    std::size_t end = 0;
    if (!matchOnePerParam(symbols, counts) && !match(0, symbols, 0, true, counts, end)) {
        // Find the first argument that breaks the pattern, as jsonata-js reports it.
        std::size_t goodTo = 0;
        for (std::size_t k = 1; k <= m_params.size(); ++k) {
            std::vector<std::size_t> partial(k, 0);
            std::size_t partialEnd = 0;
            if (!match(0, symbols, 0, false, partial, partialEnd)) {
                break;
            }
            goodTo = partialEnd;
        }
        ExprException e("T0410");
        e.index = static_cast<int>(goodTo + 1);
        if (goodTo < args.size()) {
            e.value = args[goodTo];
        }
        throw e;
    }
    out.clear();
    out.reserve(m_params.size() + args.size());
    std::size_t argIndex = 0;
    std::size_t symbolIndex = 0; // position in `symbols` of this parameter's matched letters
    for (std::size_t i = 0; i < m_params.size(); ++i) {
        const Param &p = m_params[i];
        const std::size_t firstSymbol = symbolIndex;
        symbolIndex += counts[i];
        if (counts[i] == 0) {
            if (p.context) {
                const char contextType = typeSymbol(context);
                if (p.allowed.find(contextType) == std::string::npos) {
                    ExprException e("T0411");
                    e.index = static_cast<int>(argIndex + 1);
                    e.value = context;
                    throw e;
                }
                out.push_back(context);
            } else if (p.quantifier != '+') {
                // jsonata-js pushes the (missing) argument and moves on
                out.push_back(argIndex < args.size() ? args[argIndex] : Value::undefined());
                ++argIndex;
            }
            continue;
        }
        for (std::size_t n = 0; n < counts[i]; ++n) {
            // jsonata-js reads the letter from the match but the value by a running index that
            // an empty optional match also advances, so the two can drift apart.
            const Value arg = argIndex < args.size() ? args[argIndex] : Value::undefined();
            const char single = symbols[firstSymbol + n];
            if (p.type != 'a') {
                out.push_back(arg);
                ++argIndex;
                continue;
            }
            if (single == 'm') {
                out.push_back(Value::undefined());
                ++argIndex;
                continue;
            }
            bool arrayOk = true;
            if (!p.subtype.empty()) {
                if (single != 'a') {
                    arrayOk = p.subtype == std::string(1, single);
                } else if (arg.size() > 0) {
                    const char itemType = typeSymbol(arg.items()[0]);
                    if (itemType != p.subtype[0]) {
                        arrayOk = false;
                    } else {
                        for (const Value &item : arg.items()) {
                            if (typeSymbol(item) != itemType) {
                                arrayOk = false;
                                break;
                            }
                        }
                    }
                }
            }
            if (!arrayOk) {
                ExprException e("T0412");
                e.index = static_cast<int>(argIndex + 1);
                e.value = arg;
                static const std::pair<char, const char *> kNames[] = {
                    {'a', "arrays"}, {'b', "booleans"}, {'f', "functions"}, {'n', "numbers"},
                    {'o', "objects"}, {'s', "strings"}};
                for (const auto &[letter, name] : kNames) {
                    if (letter == p.subtype[0]) {
                        e.detail = name;
                    }
                }
                throw e;
            }
            out.push_back(single == 'a' ? arg : Value::array({arg}));
            ++argIndex;
        }
    }
}

} // namespace syncline::engine::expr
