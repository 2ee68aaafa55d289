#include "engine/expr/regexholder.h"

#include "engine/expr/exprerror.h"

namespace syncline::engine::expr {

std::shared_ptr<const RegexHolder> RegexHolder::compile(std::string_view pattern,
                                                        std::string_view flags, int position)
{
    auto compiled = regex::Regex::compile(pattern, flags);
    if (!compiled.ok()) {
        ExprException e(compiled.error().code.toStdString(), position);
        e.detail = compiled.error().message.toStdString();
        throw e;
    }
    return std::shared_ptr<const RegexHolder>(new RegexHolder(std::move(compiled.value())));
}

} // namespace syncline::engine::expr
