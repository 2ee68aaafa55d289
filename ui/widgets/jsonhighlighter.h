#pragma once

#include <QSyntaxHighlighter>
#include <QTextCharFormat>

namespace syncline::ui {

/// Colours JSON text line by line: keys, strings, numbers, true/false/null and punctuation.
/// Works on any text, so a file that is not valid JSON is still coloured as far as it reads.
/// The palette follows the document's widget: darker colours on light backgrounds and the
/// reverse, so every token stays readable.
class JsonHighlighter : public QSyntaxHighlighter
{
    Q_OBJECT

public:
    enum class Token { Key, String, Number, Keyword, Punctuation };

    explicit JsonHighlighter(QTextDocument *document, bool darkBackground = false);

    /// Switches between the light-background and dark-background colour sets.
    void setDarkBackground(bool dark);

    QTextCharFormat format(Token token) const;

protected:
    void highlightBlock(const QString &text) override;

private:
    QTextCharFormat m_formats[5];
};

} // namespace syncline::ui
