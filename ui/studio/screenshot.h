#pragma once

#include "engine/core/result.h"

#include <QString>

class QWidget;

namespace syncline::ui {

/// Renders `window` as it is now and writes it to `path` as PNG, whatever the file's suffix.
/// Fails with a message naming the path when the file cannot be written.
engine::Result<void> saveScreenshot(QWidget *window, const QString &path);

} // namespace syncline::ui
