#include "aboutdialog.h"

#include "engine/core/versions.h"

#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace syncline::ui {

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("About Syncline"));

    auto *title = new QLabel(tr("Syncline %1").arg(engine::synclineVersion()), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.6);
    titleFont.setBold(true);
    title->setFont(titleFont);

    auto *summary = new QLabel(tr("A desktop studio with an embedded, durable integration engine "
                                  "that keeps CRM, billing, support, ERP, product-usage and data "
                                  "platforms in sync through a canonical model."),
                               this);
    summary->setWordWrap(true);

    auto *heading = new QLabel(tr("Built with"), this);
    QFont headingFont = heading->font();
    headingFont.setBold(true);
    heading->setFont(headingFont);

    auto *components = new QFormLayout;
    components->setLabelAlignment(Qt::AlignLeft);
    for (const auto &[name, version] : engine::componentVersions()) {
        auto *value = new QLabel(version, this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        components->addRow(name, value);
    }

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton *copy = buttons->addButton(tr("Copy Versions"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this,
            [] { QApplication::clipboard()->setText(versionsText()); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(title);
    layout->addWidget(summary);
    layout->addSpacing(8);
    layout->addWidget(heading);
    layout->addLayout(components);
    layout->addSpacing(8);
    layout->addWidget(buttons);
    setMinimumWidth(420);
}

QString AboutDialog::versionsText()
{
    QString text = QStringLiteral("Syncline %1\n").arg(engine::synclineVersion());
    for (const auto &[name, version] : engine::componentVersions()) {
        text += QStringLiteral("%1 %2\n").arg(name, version);
    }
    return text;
}

} // namespace syncline::ui
