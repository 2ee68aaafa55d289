// Date/time built-ins: $now $millis $fromMillis $toMillis, over the picture engine.

#include "engine/expr/fnhelpers.h"
#include "engine/expr/functions.h"
#include "engine/expr/pictures/datetime.h"

#include <cmath>

namespace syncline::engine::expr {

namespace {

using fn::arg;
using fn::has;

std::optional<std::string_view> optionalText(std::span<const Value> args, std::size_t i)
{
    if (!has(args, i)) {
        return std::nullopt;
    }
    return args[i].toStringView();
}

Value formatMillis(double millis, std::span<const Value> args, std::size_t pictureIndex)
{
    const auto r = pictures::fromMillis(millis, optionalText(args, pictureIndex),
                                        optionalText(args, pictureIndex + 1));
    if (!r.ok()) {
        fn::throwError(r.error(), arg(args, pictureIndex));
    }
    return Value::string(r.value());
}

Value fnNow(CallContext &cx, std::span<const Value> args)
{
    return formatMillis(static_cast<double>(cx.ev.state().nowMillis), args, 0);
}

Value fnMillis(CallContext &cx, std::span<const Value>)
{
    return Value::number(static_cast<double>(cx.ev.state().nowMillis));
}

Value fnFromMillis(CallContext &, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    return formatMillis(args[0].toNumber(), args, 1);
}

Value fnToMillis(CallContext &cx, std::span<const Value> args)
{
    if (!has(args, 0)) {
        return Value::undefined();
    }
    const auto r = pictures::toMillis(args[0].toStringView(), optionalText(args, 1),
                                      cx.ev.state().nowMillis);
    if (!r.ok()) {
        fn::throwError(r.error(), args[0]);
    }
    if (!r.value()) {
        return Value::undefined();
    }
    return Value::number(*r.value());
}

const Builtin kDateTimeBuiltins[] = {
    {"now", "<s?s?:s>", 2, fnNow},
    {"millis", "<:n>", 0, fnMillis},
    {"fromMillis", "<n-s?s?:s>", 3, fnFromMillis},
    {"toMillis", "<s-s?:n>", 2, fnToMillis},
};

} // namespace

std::span<const Builtin> dateTimeBuiltins()
{
    return kDateTimeBuiltins;
}

} // namespace syncline::engine::expr
