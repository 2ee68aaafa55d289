#pragma once

#include <QHash>
#include <QString>

#include <nlohmann/json.hpp>

namespace syncline::ui {

/// A JSON document laid out as text the way the workspace files are written (sorted keys,
/// 2-space indent), remembering on which line each JSON pointer starts so that a problem's
/// pointer can be shown in place.
class JsonText
{
public:
    static JsonText render(const nlohmann::json &document);

    const QString &text() const { return m_text; }

    /// The 0-based line on which the value at `pointer` starts ("" is the whole document).
    /// A pointer to something that does not exist (a missing property, say) resolves to its
    /// nearest existing parent.
    int lineOf(const QString &pointer) const;

private:
    void write(const nlohmann::json &value, const std::string &pointer, int depth);
    void newLine(int depth);

    std::string m_buffer;
    int m_line = 0;
    QString m_text;
    QHash<QString, int> m_lineOfPointer;
};

} // namespace syncline::ui
