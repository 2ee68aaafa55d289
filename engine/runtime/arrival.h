#pragma once

#include "engine/json/value.h"
#include "engine/store/records.h"

#include <QList>
#include <QString>

#include <functional>

namespace syncline::engine::runtime {

/// Where an arriving message waits once stored, and the payload bytes it adds there.
struct Arrival
{
    QString nodeId;
    qint64 bytes = 0;
};

/// Runs what may run on an arriving message before it is stored (Executor::prepareArrival: the
/// pure nodes it meets first) and says where the message will wait. Called by the intakes
/// (webhook, manual, triggers) on their own threads; `parsed` is the payload as the intake
/// already parsed it, or null.
using PrepareArrival =
    std::function<QList<Arrival>(store::IngestRequest &request, const json::Value *parsed)>;

/// Without a PrepareArrival: the message waits at its first nodes.
inline QList<Arrival> arrivalsAtFirstNodes(const store::IngestRequest &request)
{
    QList<Arrival> arrivals;
    for (const QString &node : request.firstNodes) {
        arrivals.append({node, request.message.payload.size()});
    }
    return arrivals;
}

inline QStringList arrivalNodes(const QList<Arrival> &arrivals)
{
    QStringList nodes;
    for (const Arrival &arrival : arrivals) {
        nodes.append(arrival.nodeId);
    }
    return nodes;
}

} // namespace syncline::engine::runtime
