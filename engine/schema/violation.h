#pragma once

#include <QList>
#include <QString>

namespace syncline::engine::schema {

/// One way an instance breaks its schema.
struct Violation
{
    /// JSON pointer into the instance ("/lines/3/amount"; "" is the whole instance). For a
    /// missing required member or a member that is not allowed, the pointer names that member.
    QString pointer;
    /// The schema keyword that failed ("required", "type", "pattern", "x-syncline-money", ...).
    QString keyword;
    /// Plain words for a finance user: "must be a decimal string with at most 2 fraction digits".
    QString message;
    /// The schema's title (or description) of the value at `pointer`, when it has one.
    QString field;

    /// "/lines/3/amount: must be ..." — the field name is added in parentheses when known.
    QString text() const;
};

using Violations = QList<Violation>;

} // namespace syncline::engine::schema
