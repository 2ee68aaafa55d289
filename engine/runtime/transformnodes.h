#pragma once

#include "engine/expr/expression.h"
#include "engine/runtime/noderunner.h"
#include "engine/schema/schemavalidator.h"

#include <QHash>
#include <QList>
#include <QString>

namespace syncline::engine::runtime {

/// Checks the payload against a canonical schema; every violation is listed in the exception
/// (code SCHEMA with the first violation's pointer). `reasonCodes` (JSON pointer → code) lets a
/// flow name its own business code for a violation at or under a pointer, e.g. "/taxCode" →
/// MISSING_TAX_CODE; the first violation that has one decides.
class ValidateNode final : public PureNode
{
public:
    ValidateNode(QString schemaId, schema::SchemaValidator validator,
                 QHash<QString, QString> reasonCodes = {});
    NodeOutcome runParsed(const store::WorkItem &item, const json::Value &payload) override;

private:
    QString m_schemaId;
    schema::SchemaValidator m_validator;
    QHash<QString, QString> m_reasonCodes;
};

/// One target field of a mapping: a dotted path and its compiled JSONata expression.
struct FieldMapping
{
    QStringList path; // "billTo.address.city" split on '.'
    QString source;   // the expression text, for messages
    expr::Expression expression;
};

/// Builds the target document from a mapping: each target field is the value of its JSONata
/// expression over the input message. Fields are set in path order, so "lines" comes before
/// "lines.amount"; a path that steps into an array sets the field on each element (element by
/// element when the expression yields an array of the same length). A field whose expression
/// yields nothing is left out. An expression error fails the message with code MAPPING.
class MapNode final : public PureNode
{
public:
    /// Compiles every field; the error names the mapping, the field and the position.
    static Result<std::shared_ptr<MapNode>> create(const QString &mappingId,
                                                   const nlohmann::json &fields);
    NodeOutcome runParsed(const store::WorkItem &item, const json::Value &payload) override;

    /// The mapping applied to `input`, without a message (for fixtures and the studio).
    Result<json::Value> apply(const json::Value &input) const;

private:
    QString m_mappingId;
    QList<FieldMapping> m_fields;
};

/// Sends the message on the named output of the first condition that holds (mode "first", the
/// default) or of every one that holds (mode "all"); "otherwise" names the output when none
/// holds, else the message ends here as routed nowhere. A route with "raise" instead of an
/// output makes the message a business exception with that reason code when its condition holds
/// (checked before any output): a flow's own rule, e.g. MISSING_TAX_CODE.
class RouteNode final : public PureNode
{
public:
    static Result<std::shared_ptr<RouteNode>> create(const nlohmann::json &settings);
    NodeOutcome runParsed(const store::WorkItem &item, const json::Value &payload) override;

private:
    struct Route
    {
        QString output;
        QString source;
        expr::Expression condition;
        QString raise;  // a reason code instead of an output
        QString detail; // with raise: what a person reads
    };
    QList<Route> m_routes;
    QString m_otherwise;
    bool m_all = false;
};

/// Turns one message into one per item of the array its expression yields (e.g. invoice
/// lines); each child keeps the correlation id and is linked to its parent in the lineage.
/// `businessKey`, when set, is an expression over the item for the child's business key.
class SplitNode final : public NodeRunner
{
public:
    static Result<std::shared_ptr<SplitNode>> create(const nlohmann::json &settings);
    NodeOutcome run(const store::WorkItem &item) override;

private:
    explicit SplitNode(expr::Expression items)
        : m_items(std::move(items))
    {}

    expr::Expression m_items;
    std::optional<expr::Expression> m_businessKey;
};

} // namespace syncline::engine::runtime
