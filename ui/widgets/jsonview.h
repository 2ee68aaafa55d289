#pragma once

#include "jsontext.h"

#include <QPlainTextEdit>

#include <nlohmann/json.hpp>

namespace syncline::ui {

class JsonHighlighter;

/// A read-only, syntax-coloured view of one JSON document in a monospace font. It can mark
/// the line a JSON pointer refers to, so a problem can be shown where it is.
class JsonView : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit JsonView(QWidget *parent = nullptr);

    /// Shows `document` laid out like a workspace file (sorted keys, 2-space indent).
    void showDocument(const nlohmann::json &document);

    /// Shows text as it is, for files that could not be read as JSON.
    void showText(const QString &text);

    /// Scrolls to and marks the line where the value at `pointer` starts ("" is the whole
    /// document). Only meaningful after showDocument().
    void markPointer(const QString &pointer);

    /// Scrolls to and marks a 0-based line, for raw text without pointers.
    void markLine(int line);

    void clearMark();

    /// The 0-based line currently marked, or -1.
    int markedLine() const { return m_markedLine; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyPalette();

    JsonHighlighter *m_highlighter = nullptr;
    JsonText m_layout;
    int m_markedLine = -1;
};

} // namespace syncline::ui
