#include "recentworkspaces.h"

#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace syncline::ui {

namespace {

const QString kSettingsKey = QStringLiteral("recentWorkspaces");

QString escapeMnemonics(QString text)
{
    return text.replace(QLatin1Char('&'), QLatin1String("&&"));
}

} // namespace

RecentWorkspaces::RecentWorkspaces(QMenu *menu, bool persistent, QObject *parent)
    : QObject(parent)
    , m_menu(menu)
    , m_persistent(persistent)
{
    if (m_persistent) {
        const QStringList stored = QSettings().value(kSettingsKey).toStringList();
        for (const QString &folder : stored) {
            if (QFileInfo(folder).isDir() && !m_folders.contains(folder)) {
                m_folders.append(folder);
            }
        }
        m_folders = m_folders.mid(0, kMaxEntries);
    }
    rebuildMenu();
}

void RecentWorkspaces::add(const QString &folder)
{
    const QString canonical = QFileInfo(folder).absoluteFilePath();
    m_folders.removeAll(canonical);
    m_folders.prepend(canonical);
    m_folders = m_folders.mid(0, kMaxEntries);
    store();
    rebuildMenu();
    emit changed();
}

void RecentWorkspaces::clear()
{
    m_folders.clear();
    store();
    rebuildMenu();
    emit changed();
}

void RecentWorkspaces::store()
{
    if (m_persistent) {
        QSettings().setValue(kSettingsKey, m_folders);
    }
}

void RecentWorkspaces::rebuildMenu()
{
    m_menu->clear();
    m_menu->setEnabled(!m_folders.isEmpty());
    for (int i = 0; i < m_folders.size(); ++i) {
        const QString &folder = m_folders.at(i);
        // "&1 demo  (/home/ana/demo)": a mnemonic digit, the name to find it by, the full path.
        const QString text = QStringLiteral("&%1 %2  (%3)")
                                 .arg(i + 1)
                                 .arg(escapeMnemonics(QFileInfo(folder).fileName()),
                                      escapeMnemonics(QDir::toNativeSeparators(folder)));
        QAction *action = m_menu->addAction(text);
        connect(action, &QAction::triggered, this, [this, folder] { emit openRequested(folder); });
    }
    if (m_folders.isEmpty()) {
        return;
    }
    m_menu->addSeparator();
    m_menu->addAction(tr("&Clear Recent Workspaces"), this, &RecentWorkspaces::clear);
}

} // namespace syncline::ui
