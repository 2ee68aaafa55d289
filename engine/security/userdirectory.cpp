#include "engine/security/userdirectory.h"

#include "engine/net/signature.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QRegularExpression>

#include <nlohmann/json.hpp>

namespace syncline::engine::security {

namespace {

constexpr int kTokenBytes = 32;
constexpr qsizetype kMaxDisplayName = 200;

QByteArray randomToken()
{
    QByteArray bytes(kTokenBytes, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(bytes.data()),
                                          bytes.size() / 4);
    return bytes.toHex();
}

Error invalid(const QString &why)
{
    return Error::make(QStringLiteral("USER_INVALID"), why);
}

std::optional<Error> checkDisplayName(const QString &name)
{
    if (name.trimmed().isEmpty() || name.size() > kMaxDisplayName) {
        return invalid(
            QStringLiteral("a display name has 1 to %1 characters").arg(kMaxDisplayName));
    }
    return std::nullopt;
}

store::AuditRecord auditOf(const Principal &by,
                           const QString &action,
                           const QString &userId,
                           const nlohmann::json &detail)
{
    store::AuditRecord record;
    record.actor = by.userId;
    record.role = roleName(by.role);
    record.action = action;
    record.objectType = QStringLiteral("user");
    record.objectId = userId;
    record.detail = QByteArray::fromStdString(detail.dump());
    return record;
}

} // namespace

UserDirectory::UserDirectory(store::UserStore &store, std::function<qint64()> clockMs)
    : m_store(store)
    , m_clockMs(std::move(clockMs))
{
}

QByteArray UserDirectory::hashToken(const QByteArray &token)
{
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256).toHex();
}

Result<void> UserDirectory::reloadLocked() const
{
    Result<QList<store::UserRecord>> users = m_store.users();
    if (!users) {
        return users.error();
    }
    QList<Known> known;
    for (const store::UserRecord &user : *users) {
        const std::optional<Role> role = roleFromName(user.role);
        known.append({user.tokenHash,
                      Principal{user.userId, role.value_or(Role::Viewer)},
                      !user.disabled() && role.has_value()});
    }
    m_known = std::move(known);
    m_loadedAtMs = m_clockMs();
    m_stale = false;
    return {};
}

void UserDirectory::invalidate()
{
    std::lock_guard lock(m_mutex);
    m_stale = true;
}

std::optional<Principal> UserDirectory::authenticate(const QByteArray &token) const
{
    const QByteArray hash = hashToken(token);
    std::lock_guard lock(m_mutex);
    if (m_stale || m_clockMs() - m_loadedAtMs >= kCacheMs) {
        if (!reloadLocked()) {
            return std::nullopt; // the store cannot be read: nobody gets in rather than anybody
        }
    }
    std::optional<Principal> found;
    for (const Known &known : std::as_const(m_known)) {
        if (net::constantTimeEquals(hash, known.tokenHash) && known.enabled) {
            found = known.principal;
        }
    }
    return found;
}

Result<QList<store::UserRecord>> UserDirectory::users() const
{
    return m_store.users();
}

Result<std::optional<store::UserRecord>> UserDirectory::user(const QString &userId) const
{
    Result<QList<store::UserRecord>> users = m_store.users();
    if (!users) {
        return users.error();
    }
    for (const store::UserRecord &user : *users) {
        if (user.userId == userId) {
            return std::optional<store::UserRecord>(user);
        }
    }
    return std::optional<store::UserRecord>();
}

Result<IssuedToken> UserDirectory::create(const Principal &by,
                                          const QString &userId,
                                          const QString &displayName,
                                          Role role)
{
    static const QRegularExpression idPattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"));
    if (!idPattern.match(userId).hasMatch()) {
        return invalid(QStringLiteral("a user id has 1 to 64 letters, digits, '.', '_', '@' or "
                                      "'-' and starts with a letter or digit"));
    }
    if (userId == enginePrincipal().userId) {
        return invalid(QStringLiteral("\"%1\" is the engine's own administrator (the token file); "
                                      "choose another id")
                           .arg(userId));
    }
    const QString name = displayName.isEmpty() ? userId : displayName;
    if (std::optional<Error> bad = checkDisplayName(name)) {
        return *bad;
    }
    IssuedToken issued;
    issued.token = randomToken();
    issued.user.userId = userId;
    issued.user.displayName = name;
    issued.user.role = roleName(role);
    issued.user.tokenHash = hashToken(issued.token);
    issued.user.createdAtMs = m_clockMs();
    issued.user.updatedAtMs = issued.user.createdAtMs;
    const nlohmann::json detail = {{"displayName", name.toStdString()},
                                   {"role", issued.user.role.toStdString()}};
    if (Result<void> created = m_store.createUser(
            issued.user, auditOf(by, QStringLiteral("user.create"), userId, detail));
        !created) {
        return created.error();
    }
    invalidate();
    return issued;
}

Result<store::UserRecord>
UserDirectory::change(const Principal &by, const QString &userId, const UserUpdate &update)
{
    if (!update.displayName && !update.role && !update.disabled) {
        return invalid(QStringLiteral("nothing to change: give displayName, role or disabled"));
    }
    if (update.displayName) {
        if (std::optional<Error> bad = checkDisplayName(*update.displayName)) {
            return *bad;
        }
    }
    Result<std::optional<store::UserRecord>> before = user(userId);
    if (!before) {
        return before.error();
    }
    if (!before->has_value()) {
        return Error::make(QStringLiteral("USER_NOT_FOUND"),
                           QStringLiteral("there is no user \"%1\"").arg(userId));
    }
    const store::UserRecord &was = **before;
    // The audit record says what each changed field was and became.
    const auto fromTo = [](const auto &from, const auto &to) {
        return nlohmann::json{{"from", from}, {"to", to}};
    };
    store::UserChange change;
    nlohmann::json detail = nlohmann::json::object();
    if (update.displayName) {
        change.displayName = update.displayName;
        detail["displayName"] =
            fromTo(was.displayName.toStdString(), update.displayName->toStdString());
    }
    if (update.role) {
        change.role = roleName(*update.role);
        detail["role"] = fromTo(was.role.toStdString(), change.role->toStdString());
    }
    if (update.disabled) {
        change.disabled = update.disabled;
        detail["disabled"] = fromTo(was.disabled(), *update.disabled);
    }
    Result<store::UserRecord> changed = m_store.changeUser(
        userId, change, auditOf(by, QStringLiteral("user.update"), userId, detail));
    if (changed) {
        invalidate();
    }
    return changed;
}

Result<IssuedToken> UserDirectory::rotateToken(const Principal &by, const QString &userId)
{
    IssuedToken issued;
    issued.token = randomToken();
    store::UserChange change;
    change.tokenHash = hashToken(issued.token);
    Result<store::UserRecord> changed = m_store.changeUser(
        userId,
        change,
        auditOf(by, QStringLiteral("user.token"), userId, nlohmann::json::object()));
    if (!changed) {
        return changed.error();
    }
    invalidate();
    issued.user = std::move(*changed);
    return issued;
}

} // namespace syncline::engine::security
