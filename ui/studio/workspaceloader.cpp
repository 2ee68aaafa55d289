#include "workspaceloader.h"

#include <QThread>

#include <memory>

namespace syncline::ui {

WorkspaceLoader::WorkspaceLoader(QObject *parent)
    : QObject(parent)
{}

WorkspaceLoader::~WorkspaceLoader()
{
    finishThread();
}

void WorkspaceLoader::finishThread()
{
    if (!m_thread) {
        return;
    }
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

void WorkspaceLoader::load(const QString &folder)
{
    // Loading reads a few dozen small files; waiting for an older load to end is cheaper than
    // juggling several threads, and its result is ignored through the generation check.
    finishThread();
    const int generation = ++m_generation;
    m_thread = QThread::create([this, folder, generation] {
        auto result = std::make_shared<engine::model::LoadResult>(
            engine::model::loadWorkspace(folder));
        QMetaObject::invokeMethod(
            this,
            [this, folder, generation, result] {
                if (generation != m_generation) {
                    return;
                }
                finishThread();
                emit loaded(folder, *result);
            },
            Qt::QueuedConnection);
    });
    m_thread->start();
}

} // namespace syncline::ui
