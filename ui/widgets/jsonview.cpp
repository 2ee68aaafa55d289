#include "jsonview.h"
#include "jsonhighlighter.h"

#include <QFontDatabase>
#include <QTextBlock>

namespace syncline::ui {

namespace {

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Base).lightness() < 128;
}

} // namespace

JsonView::JsonView(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    // Keyboard users can still move a caret and select text to copy.
    setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    // Descriptions are long single-line strings; wrapping keeps them readable without
    // scrolling sideways, and marks still work because they address blocks, not screen lines.
    setLineWrapMode(QPlainTextEdit::WidgetWidth);
    setWordWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setTabChangesFocus(true);
    m_highlighter = new JsonHighlighter(document(), isDark(palette()));
}

void JsonView::showDocument(const nlohmann::json &document)
{
    m_layout = JsonText::render(document);
    setPlainText(m_layout.text());
    clearMark();
}

void JsonView::showText(const QString &text)
{
    m_layout = JsonText();
    setPlainText(text);
    clearMark();
}

void JsonView::markPointer(const QString &pointer)
{
    if (m_layout.text().isEmpty()) {
        clearMark();
        return;
    }
    markLine(m_layout.lineOf(pointer));
}

void JsonView::clearMark()
{
    m_markedLine = -1;
    setExtraSelections({});
}

void JsonView::markLine(int line)
{
    const QTextBlock block = document()->findBlockByNumber(line);
    if (!block.isValid()) {
        clearMark();
        return;
    }
    m_markedLine = line;
    QTextCursor cursor(block);
    setTextCursor(cursor);
    centerCursor();

    QTextEdit::ExtraSelection mark;
    mark.cursor = cursor;
    QColor background = palette().color(QPalette::Highlight);
    background.setAlpha(60);
    mark.format.setBackground(background);
    mark.format.setProperty(QTextFormat::FullWidthSelection, true);
    setExtraSelections({mark});
}

void JsonView::changeEvent(QEvent *event)
{
    QPlainTextEdit::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
    }
}

void JsonView::applyPalette()
{
    m_highlighter->setDarkBackground(isDark(palette()));
}

} // namespace syncline::ui
