#pragma once

#include "engine/model/objectkind.h"

#include <QList>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace syncline::engine::model {

/// One thing wrong with a workspace. Loading reports every problem it finds, never just the
/// first; the CLI prints them as "FILE:POINTER: message [CODE]" and the studio lists them in its
/// problems panel.
struct Problem
{
    /// The file, relative to the workspace folder ("canonical/customer.schema.json"), with '/'
    /// separators. Empty for a problem with the folder itself.
    QString file;
    /// RFC 6901 JSON pointer into the file's document; "" means the whole document.
    QString pointer;
    /// Plain-language reason a person can act on.
    QString message;
    /// Stable machine code, one of the kProblem* constants in problemcodes.h.
    QString code;
    /// The object the file holds, when the file is an object of a known kind.
    std::optional<ObjectKind> kind;
    QString objectId;
    /// 1-based position of the problem in the file, 0 when unknown (e.g. a missing file).
    int line = 0;
    int column = 0;

    /// "FILE:POINTER: message (line L, column C) [CODE]" — the pointer is the address, the
    /// position is a convenience and left out when unknown; "FILE: ..." when the pointer is "".
    QString toString() const;

    /// {"file", "pointer", "message", "code", "line", "column", and "kind"/"objectId" when
    /// known}: the shape `syncline-engine validate --json` prints.
    nlohmann::json toJson() const;

    friend bool operator==(const Problem &, const Problem &) = default;
};

using ProblemList = QList<Problem>;

} // namespace syncline::engine::model
