#include "engine/expr/pictures/integerformat.h"

#include "engine/expr/pictures/integerpicture.h"
#include "engine/expr/pictures/utf32.h"

#include <cmath>

namespace syncline::engine::expr::pictures {

Result<std::string> formatInteger(double value, std::string_view picture)
{
    auto analysed = analyseIntegerPicture(toUtf32(picture));
    if (!analysed) {
        return analysed.error();
    }
    auto formatted = formatWithPicture(std::floor(value), *analysed);
    if (!formatted) {
        return formatted.error();
    }
    return toUtf8(*formatted);
}

Result<double> parseInteger(std::string_view text, std::string_view picture)
{
    auto analysed = analyseIntegerPicture(toUtf32(picture));
    if (!analysed) {
        return analysed.error();
    }
    auto matcher = integerMatcher(*analysed);
    if (!matcher) {
        return matcher.error();
    }
    return matcher->parse(toUtf32(text));
}

} // namespace syncline::engine::expr::pictures
