#pragma once

#include "engine/store/exceptionrecords.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace syncline::engine::runtime {

/// A flow's optional "policy": who owns its exceptions and how soon they are due, per category
/// ("business", "technical", "uncertain") or "default" (docs/workspace-format.md). Without one,
/// finance owns business exceptions, admin the others, all due in 24 hours.
struct ExceptionPolicy
{
    QHash<QString, QString> owners; // category or "default" → role name
    QHash<QString, int> slaHours;   // category or "default" → hours

    /// Reads the flow document's "policy" (absent: the defaults); problems are added with their
    /// JSON pointer.
    static ExceptionPolicy fromJson(const nlohmann::json &policy, QStringList &problems);

    QString ownerFor(store::ExceptionCategory category) const;
    qint64 slaMs(store::ExceptionCategory category) const;
};

/// Roles an exception may be owned by.
QStringList ownerRoleNames();

} // namespace syncline::engine::runtime
