#pragma once

#include <QDialog>

namespace syncline::ui {

/// Help → About Syncline: what Syncline is and the versions of the libraries it runs on
/// (as linked at run time), with a button to copy them for a bug report.
class AboutDialog : public QDialog
{
    Q_OBJECT

public:
    explicit AboutDialog(QWidget *parent = nullptr);

    /// The versions as plain text, one "Name version" per line, Syncline first.
    static QString versionsText();
};

} // namespace syncline::ui
