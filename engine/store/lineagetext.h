#pragma once

#include "engine/store/lineagegraph.h"

#include <QString>

namespace syncline::engine::store {

/// The lineage as a tree for a person (syncline-engine lineage): each message under the one it
/// was derived from with the kind of link, its flow, version, business key and status, every
/// step with attempt, status, duration and error, every effect with its target, call, outcome
/// and the external ids the target returned. A message with several parents (an aggregate) is
/// shown in full under the first and referred to under the others.
QString lineageText(const LineageGraph &graph);

} // namespace syncline::engine::store
