#include "commands.h"

namespace syncline::cli {

// Each command lives in its own cmd_<name>.cpp; add it to this table and to CMakeLists.txt.
int runVersion(const QStringList &arguments);
int runEval(const QStringList &arguments);
int runRun(const QStringList &arguments);
int runStatus(const QStringList &arguments);
int runDeploy(const QStringList &arguments);
int runTrigger(const QStringList &arguments);
int runJson(const QStringList &arguments);
int runSchema(const QStringList &arguments);
int runValidate(const QStringList &arguments);
int runExceptions(const QStringList &arguments);
int runReplay(const QStringList &arguments);
int runUsers(const QStringList &arguments);
int runAudit(const QStringList &arguments);
int runLineage(const QStringList &arguments);
int runConnectors(const QStringList &arguments);

namespace {
constexpr Command kCommands[] = {
    {"version", "Print the versions of Syncline and the libraries it runs on", runVersion},
    {"eval", "Evaluate JSONata expressions (one, or a JSON Lines batch on stdin)", runEval},
    {"json", "Check JSON files with strict intake (json check FILE...)", runJson},
    {"schema", "Infer a JSON Schema from samples, or validate files against one", runSchema},
    {"validate", "Check a workspace folder and list every problem", runValidate},
    {"run", "Run a workspace's flows headless (webhooks, admin API, metrics)", runRun},
    {"status", "Show a running engine's health, flows and queues", runStatus},
    {"deploy", "Deploy a workspace's flows to a running engine", runDeploy},
    {"trigger", "Start a flow through its manual trigger on a running engine", runTrigger},
    {"exceptions", "Work a running engine's exception queue (list, show, assign, comment, repair, discard)", runExceptions},
    {"replay", "Replay one exception, or many as a throttled bulk job (dry run, jobs, pause, resume, cancel)", runReplay},
    {"users", "List, add and change the users of a running engine's admin API", runUsers},
    {"audit", "List a running engine's audit trail, or verify the chain in a database", runAudit},
    {"lineage", "Show a transaction's lineage by correlation id, business key or external id",
     runLineage},
    {"connectors", "List the connector plugins, their operations and any that failed to load",
     runConnectors},
};
} // namespace

std::span<const Command> commands()
{
    return kCommands;
}

} // namespace syncline::cli
