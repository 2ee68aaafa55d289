#include "jsontext.h"

namespace syncline::ui {

namespace {

constexpr int kIndent = 2;

std::string dumpScalar(const nlohmann::json &value)
{
    // Replace invalid UTF-8 instead of throwing: the view shows what it can.
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string escapeToken(const std::string &token)
{
    std::string escaped;
    escaped.reserve(token.size());
    for (char c : token) {
        if (c == '~') {
            escaped += "~0";
        } else if (c == '/') {
            escaped += "~1";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

} // namespace

JsonText JsonText::render(const nlohmann::json &document)
{
    JsonText result;
    result.write(document, std::string(), 0);
    result.m_buffer += '\n';
    result.m_text = QString::fromStdString(result.m_buffer);
    result.m_buffer.clear();
    return result;
}

int JsonText::lineOf(const QString &pointer) const
{
    QString current = pointer;
    while (true) {
        const auto found = m_lineOfPointer.constFind(current);
        if (found != m_lineOfPointer.constEnd()) {
            return *found;
        }
        if (current.isEmpty()) {
            return 0;
        }
        current.truncate(qMax(0, current.lastIndexOf(QLatin1Char('/'))));
    }
}

void JsonText::newLine(int depth)
{
    m_buffer += '\n';
    m_buffer.append(static_cast<size_t>(depth * kIndent), ' ');
    ++m_line;
}

void JsonText::write(const nlohmann::json &value, const std::string &pointer, int depth)
{
    m_lineOfPointer.insert(QString::fromStdString(pointer), m_line);
    if (value.is_object() && !value.empty()) {
        m_buffer += '{';
        bool first = true;
        for (const auto &[key, member] : value.items()) {
            if (!first) {
                m_buffer += ',';
            }
            first = false;
            newLine(depth + 1);
            m_buffer += dumpScalar(nlohmann::json(key));
            m_buffer += ": ";
            write(member, pointer + '/' + escapeToken(key), depth + 1);
        }
        newLine(depth);
        m_buffer += '}';
        return;
    }
    if (value.is_array() && !value.empty()) {
        m_buffer += '[';
        for (size_t i = 0; i < value.size(); ++i) {
            if (i > 0) {
                m_buffer += ',';
            }
            newLine(depth + 1);
            write(value[i], pointer + '/' + std::to_string(i), depth + 1);
        }
        newLine(depth);
        m_buffer += ']';
        return;
    }
    m_buffer += dumpScalar(value);
}

} // namespace syncline::ui
