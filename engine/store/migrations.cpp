#include "engine/store/migrations.h"

namespace syncline::engine::store {

Result<int> migrate(Connection &connection, std::span<const Migration> migrations)
{
    Result<int> current = connection.userVersion();
    if (!current) {
        return current.error();
    }
    const int newest = migrations.empty() ? 0 : migrations.back().version;
    if (*current > newest) {
        return Error::make(QString::fromLatin1(kStoreVersion),
                           QStringLiteral("database %1 has schema version %2, but this program "
                                          "knows versions up to %3; use a newer Syncline")
                               .arg(connection.path())
                               .arg(*current)
                               .arg(newest));
    }
    int version = *current;
    for (const Migration &migration : migrations) {
        if (migration.version <= version) {
            continue;
        }
        Q_ASSERT(migration.version == version + 1);
        const std::string sql = "BEGIN IMMEDIATE;\n" + std::string(migration.sql)
                                + "\nPRAGMA user_version = " + std::to_string(migration.version)
                                + ";\nCOMMIT;";
        if (Result<void> step = connection.exec(sql); !step) {
            (void) connection.exec("ROLLBACK");
            return Error::make(step.error().code,
                               QStringLiteral("migration %1 (%2) failed: %3")
                                   .arg(migration.version)
                                   .arg(QString::fromUtf8(migration.description.data(),
                                                          qsizetype(migration.description.size())),
                                        step.error().message),
                               step.error().retryable);
        }
        version = migration.version;
    }
    return version;
}

} // namespace syncline::engine::store
