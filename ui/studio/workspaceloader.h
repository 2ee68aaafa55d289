#pragma once

#include "engine/model/workspaceloader.h"

#include <QObject>
#include <QString>

class QThread;

namespace syncline::ui {

/// Loads workspace folders off the GUI thread and hands the result back on it. Only the latest
/// request counts: a result that arrives after a newer load() was started is dropped.
class WorkspaceLoader : public QObject
{
    Q_OBJECT

public:
    explicit WorkspaceLoader(QObject *parent = nullptr);
    /// Waits for a load still running, so no thread outlives the loader.
    ~WorkspaceLoader() override;

    void load(const QString &folder);
    bool isLoading() const { return m_thread != nullptr; }

signals:
    /// Emitted on the loader's thread with everything loadWorkspace() found.
    void loaded(const QString &folder, const syncline::engine::model::LoadResult &result);

private:
    void finishThread();

    QThread *m_thread = nullptr;
    int m_generation = 0;
};

} // namespace syncline::ui
