#include "screenshot.h"

#include <QCoreApplication>
#include <QDir>
#include <QPixmap>
#include <QWidget>

namespace syncline::ui {

engine::Result<void> saveScreenshot(QWidget *window, const QString &path)
{
    // Let pending layout and paint events settle so the picture matches what a user sees.
    QCoreApplication::processEvents();
    const QPixmap picture = window->grab();
    if (picture.isNull()) {
        return engine::Error::make(QStringLiteral("screenshot.empty"),
                                   QStringLiteral("The window could not be rendered."));
    }
    if (!picture.save(path, "PNG")) {
        return engine::Error::make(
            QStringLiteral("screenshot.write"),
            QStringLiteral("Could not write the screenshot to %1 (does the folder exist and is "
                           "it writable?).")
                .arg(QDir::toNativeSeparators(path)));
    }
    return {};
}

} // namespace syncline::ui
