#include "ui/studio/aboutdialog.h"

#include "engine/core/versions.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QPushButton>
#include <QTest>

using namespace syncline;

class TestAboutDialog : public QObject
{
    Q_OBJECT

private slots:
    void listsComponentVersions();
    void copiesVersions();
};

namespace {

QStringList labelTexts(const QWidget &widget)
{
    QStringList texts;
    for (const QLabel *label : widget.findChildren<QLabel *>()) {
        texts << label->text();
    }
    return texts;
}

} // namespace

void TestAboutDialog::listsComponentVersions()
{
    ui::AboutDialog dialog;
    dialog.show();
    const QStringList texts = labelTexts(dialog);
    const QString all = texts.join(QLatin1Char('\n'));
    QVERIFY2(all.contains(engine::synclineVersion()), qPrintable(all));

    const auto components = engine::componentVersions();
    QStringList names;
    for (const auto &[name, version] : components) {
        names << name;
        QVERIFY2(!version.isEmpty(), qPrintable(name));
        QVERIFY2(texts.contains(version), qPrintable(name + QLatin1String(": ") + all));
    }
    for (const char *required : {"Qt", "SQLite", "libcurl", "nlohmann/json"}) {
        QVERIFY2(names.contains(QLatin1String(required)), required);
    }
    QVERIFY(texts.contains(QString::fromLatin1(qVersion())));
}

void TestAboutDialog::copiesVersions()
{
    ui::AboutDialog dialog;
    QPushButton *copy = nullptr;
    for (QPushButton *button : dialog.findChildren<QPushButton *>()) {
        if (button->text() == QLatin1String("Copy Versions")) {
            copy = button;
        }
    }
    QVERIFY(copy);
    copy->click();
    const QString copied = QApplication::clipboard()->text();
    QVERIFY2(copied.startsWith(QStringLiteral("Syncline ") + engine::synclineVersion()),
             qPrintable(copied));
    QVERIFY2(copied.contains(QStringLiteral("Qt ") + QString::fromLatin1(qVersion())),
             qPrintable(copied));
}

QTEST_MAIN(TestAboutDialog)
#include "tst_aboutdialog.moc"
