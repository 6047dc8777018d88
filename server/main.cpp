// borderlog-server: wiring only. Parses options, sets up logging, and hands over to serve, migrate
// or the token commands.
#include "common/config.hpp"
#include "common/log.hpp"
#include "core/crossing.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "server/http/server_config.hpp"
#include "server/service/audit.hpp"
#include "server/service/chain_verify.hpp"
#include "server/service/travelers.hpp"
#include "server/storage/chain_store.hpp"
#include "server/storage/migrations.hpp"
#include "server/storage/session_role.hpp"
#include "server/storage/store.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace {

using namespace borderlog;

std::pair<std::string, unsigned short> split_listen(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw CLI::ValidationError("--listen", "must be HOST:PORT");
    const std::string port = listen.substr(colon + 1);
    int p = 0;
    try {
        p = std::stoi(port);
    } catch (const std::exception&) {
        p = -1;
    }
    if (p < 0 || p > 65535) throw CLI::ValidationError("--listen", "port must be 0-65535");
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return {host.empty() ? "0.0.0.0" : host, static_cast<unsigned short>(p)};
}

// The connection URL from --db, or from the file --db-file names (so that a password never shows in
// `ps`). Exactly one of them.
std::string database_url(const std::string& db, const std::string& db_file) {
    if (!db.empty() && !db_file.empty()) throw CLI::ValidationError("--db", "give --db or --db-file, not both");
    if (db_file.empty()) {
        if (db.empty()) throw CLI::ValidationError("--db", "is required (or --db-file FILE, or BORDERLOG_DB)");
        return db;
    }
    std::ifstream in(db_file);
    if (!in) throw CLI::ValidationError("--db-file", "cannot read " + db_file);
    std::string url;
    std::getline(in, url, '\0');
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.front()))) url.erase(url.begin());
    if (url.empty() || url.size() > 4096) throw CLI::ValidationError("--db-file", db_file + " must hold the connection URL");
    return url;
}

// The stay rule's country codes, checked after parsing: values from the environment or a config file
// arrive as defaults, which CLI11 does not validate. `exempt` is comma-separated.
void set_stay_countries(server::ServerConfig& config, const std::string& exempt) {
    if (!config.home_country.empty() && !server::service::is_country_code(config.home_country))
        throw CLI::ValidationError("--home-country", "must be an ICAO country code of 1-3 capital letters, e.g. ALB");
    const char* rule = "must be ICAO country codes of 1-3 capital letters separated by commas, e.g. KOS,MNE";
    std::size_t start = 0;
    while (start <= exempt.size()) {
        const auto end = std::min(exempt.find(',', start), exempt.size());
        const std::string code = exempt.substr(start, end - start);
        if (!code.empty()) {
            if (!server::service::is_country_code(code)) throw CLI::ValidationError("--stay-exempt", rule);
            config.stay_exempt.push_back(code);
        }
        start = end + 1;
    }
}

// --expires-in or --expires-at (at most one) as the token's end; nullopt when neither is given.
std::optional<core::Millis> token_expiry(const std::string& expires_in, const std::string& expires_at) {
    if (!expires_in.empty() && !expires_at.empty())
        throw CLI::ValidationError("--expires-in", "and --expires-at exclude each other");
    const auto now = core::now_millis();
    if (!expires_in.empty()) {
        const auto span = core::parse_duration(expires_in);
        if (!span) throw CLI::ValidationError("--expires-in", "must be like 3600s, 90m, 12h or 30d (up to 3 years)");
        return now + std::chrono::duration_cast<std::chrono::milliseconds>(*span);
    }
    if (!expires_at.empty()) {
        const auto at = core::parse_rfc3339(expires_at);
        if (!at) throw CLI::ValidationError("--expires-at", "must be a time like 2027-01-31T18:00:00Z");
        if (*at <= now) throw CLI::ValidationError("--expires-at", "is in the past");
        return at;
    }
    return std::nullopt;
}

// TLS needs both files; device certificates need TLS; plain HTTP leaves the host only when asked for.
void check_transport(const server::ServerConfig& config) {
    if (config.tls_cert_file.empty() != config.tls_key_file.empty())
        throw CLI::ValidationError(config.tls_cert_file.empty() ? "--tls-cert" : "--tls-key",
                                   "--tls-cert and --tls-key go together");
    if (!config.tls() && !config.tls_client_ca_file.empty())
        throw CLI::ValidationError("--tls-client-ca", "needs --tls-cert and --tls-key (client certificates are a TLS feature)");
    if (config.tls() && config.insecure_http)
        throw CLI::ValidationError("--insecure-http", "contradicts --tls-cert: give one or the other");
    if (config.tls() || config.insecure_http) return;
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(config.listen_host, ec);
    if (ec || !address.is_loopback())
        throw CLI::ValidationError("--tls-cert", "is required to listen on " + config.listen_host +
                                                     " (plain HTTP only on a loopback address, or with --insecure-http "
                                                     "behind a TLS proxy)");
}

// Who runs this command, for the audit trail: the effective user, and who took it with sudo.
std::pair<std::string, std::string> os_user() {
    std::string user;
    if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) user = pw->pw_name;
    else user = "uid " + std::to_string(::geteuid());
    const char* sudo = std::getenv("SUDO_USER");
    return {user, sudo && std::string_view(sudo).size() <= 64 ? sudo : ""};
}

void audit_token_change(server::Store& store, const char* action, const server::Principal& token) {
    const auto [user, sudo_user] = os_user();
    store.append_audit(server::service::command_line_token_event(action, token, user, sudo_user));
}

int token_create(const std::string& db, server::Principal p, server::TokenExpiry expires_at) {
    static const std::set<std::string> kRoles{"device", "operations", "trainer", "admin"};
    if (!kRoles.count(p.role)) throw CLI::ValidationError("--role", "must be device, operations, trainer or admin");
    if (p.role == "device") {
        if (!core::is_identifier(p.checkpoint_id))
            throw CLI::ValidationError("--checkpoint", "is required for a device token (letters, digits, . _ -)");
        if (!core::is_identifier(p.device_id))
            throw CLI::ValidationError("--device", "is required for a device token (letters, digits, . _ -)");
    }
    if (p.name.size() > 200) throw CLI::ValidationError("--name", "is longer than 200 characters");
    const std::string token = "blt_" + core::random_urlsafe(32);
    server::Store store(db);
    if (p.role == "device")
        if (const auto other = store.other_checkpoint_of_device(p.device_id, p.checkpoint_id))
            throw CLI::ValidationError("--device", p.device_id + " is already a device of checkpoint " + *other +
                                                       "; device ids must be unique across checkpoints");
    const auto id = store.create_token(core::sha256_hex(token), p, expires_at);
    p.token_id = id;
    audit_token_change(store, "token.create", p);  // before the token is shown: no token without its line
    std::cerr << "token " << id << " created for role " << p.role;
    if (expires_at) std::cerr << ", valid until " << core::format_rfc3339(*expires_at);
    std::cerr << "; it is shown once, only its hash is stored\n";
    std::cout << token << "\n";
    return 0;
}

int token_list(const std::string& db, bool as_json) {
    server::Store store(db);
    const auto tokens = store.list_tokens();
    if (as_json) {
        boost::json::array out;
        for (const auto& t : tokens)
            out.push_back({{"id", t.principal.token_id},
                           {"role", t.principal.role},
                           {"checkpoint_id", t.principal.checkpoint_id},
                           {"device_id", t.principal.device_id},
                           {"name", t.principal.name},
                           {"created_at", t.created_at},
                           {"revoked_at", t.revoked_at.empty() ? boost::json::value(nullptr) : boost::json::value(t.revoked_at)},
                           {"expires_at", t.expires_at.empty() ? boost::json::value(nullptr) : boost::json::value(t.expires_at)},
                           {"expired", t.expired}});
        std::cout << boost::json::serialize(out) << "\n";
        return 0;
    }
    std::cout << "ID\tROLE\tCHECKPOINT\tDEVICE\tNAME\tCREATED\tREVOKED\tEXPIRES\n";
    for (const auto& t : tokens)
        std::cout << t.principal.token_id << '\t' << t.principal.role << '\t' << t.principal.checkpoint_id << '\t'
                  << t.principal.device_id << '\t' << t.principal.name << '\t' << t.created_at << '\t'
                  << (t.revoked_at.empty() ? "-" : t.revoked_at) << '\t'
                  << (t.expires_at.empty() ? "-" : t.expires_at + (t.expired ? " (expired)" : "")) << "\n";
    return 0;
}

// Exit statuses of `verify`: 0 every chain holds; kTamperFound when a record was altered or removed; 1
// when it could not check (the database unreachable, say); 2 for a wrong option.
constexpr int kTamperFound = 3;

int verify_chains(const std::string& db, const std::optional<std::string>& device, bool as_json) {
    server::Store store(db);
    std::optional<server::service::ChainVerifier> verifier;
    server::ChainStore(store).scan(
        device, [&](server::service::ChainContext context) { verifier.emplace(std::move(context)); },
        [&](const server::service::StoredLink& row) { verifier->add(row); });
    const auto report = verifier->finish();
    if (as_json)
        std::cout << boost::json::serialize(server::service::verify_json(report)) << "\n";
    else
        std::cout << server::service::verify_text(report);
    if (!as_json) std::cerr << (report.clean() ? "every stored chain holds\n" : "records were altered or removed\n");
    return report.clean() ? 0 : kTamperFound;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"borderlog-server: the central HTTP server in front of PostgreSQL"};
    common::setup_program(app, "borderlog-server");

    std::string log_level = "info";
    app.add_option("--log-level", log_level, "debug, info, warn or error");

    server::ServerConfig config;
    std::string listen = "127.0.0.1:8080";
    long long read_timeout = 30, head_timeout = 10, drain_timeout = 20, retry_after = 30;

    std::string db, db_file;
    std::vector<CLI::Option*> db_options, db_file_options;
    const auto add_db = [&](CLI::App* sub) {
        db_options.push_back(sub->add_option("--db", db, "PostgreSQL connection URL (visible in ps: prefer --db-file)"));
        db_file_options.push_back(sub->add_option("--db-file", db_file, "a file holding the PostgreSQL connection URL"));
    };
    auto* serve = app.add_subcommand("serve", "Apply pending migrations, then serve the HTTP API");
    add_db(serve);
    serve->add_option("--listen", listen, "HOST:PORT to listen on")->capture_default_str();
    serve->add_option("--io-threads", config.io_threads, "threads serving connections")
        ->check(CLI::Range(1, 64))->capture_default_str();
    serve->add_option("--db-workers", config.db_workers, "database connections, each on its own thread")
        ->check(CLI::Range(1, 256))->capture_default_str();
    serve->add_option("--max-group", config.max_group, "single crossings committed in one transaction at most")
        ->check(CLI::Range(1, 1000))->capture_default_str();
    serve->add_option("--max-body", config.max_body_bytes, "largest request body in bytes")
        ->check(CLI::Range(1024, 64 * 1024 * 1024))->capture_default_str();
    serve->add_option("--max-connections", config.max_connections, "open connections at most; more are closed")
        ->check(CLI::Range(1, 1000000))->capture_default_str();
    serve->add_option("--max-connections-per-address", config.max_connections_per_address,
                      "open connections from one address (one IPv6 /64) at most; more are closed")
        ->check(CLI::Range(1, 1000000))->capture_default_str();
    serve->add_option("--read-timeout", read_timeout, "seconds to read one request")
        ->check(CLI::Range(1, 3600))->capture_default_str();
    serve->add_option("--head-timeout", head_timeout, "seconds from a request's first byte to the end of its head")
        ->check(CLI::Range(1, 3600))->capture_default_str();
    serve->add_option("--max-auth-failures", config.max_auth_failures,
                      "failed token checks per address and minute; then 429 without a database query")
        ->check(CLI::Range(1, 1000000))->capture_default_str();
    serve->add_option("--drain-timeout", drain_timeout, "seconds to finish in-flight requests on SIGTERM")
        ->check(CLI::Range(0, 3600))->capture_default_str();
    serve->add_option("--offline-retry-after", retry_after, "Retry-After seconds while central is offline")
        ->check(CLI::Range(1, 3600))->capture_default_str();
    double silent_after_minutes = 5;
    long long session_hours = 12;
    serve->add_option("--silent-after", silent_after_minutes,
                      "minutes without a heartbeat or sync before a device shows as silent (fractions allowed)")
        ->check(CLI::Range(0.05, 1440.0))->capture_default_str();
    serve->add_option("--session-hours", session_hours, "hours a dashboard sign-in lasts")
        ->check(CLI::Range(1, 168))->capture_default_str();
    serve->add_option("--tls-cert", config.tls_cert_file,
                      "PEM certificate (chain) to serve HTTPS with; without it the server speaks plain HTTP, "
                      "which it does only on a loopback address or with --insecure-http");
    serve->add_option("--tls-key", config.tls_key_file, "PEM private key of --tls-cert (a file others cannot read)");
    serve->add_option("--tls-client-ca", config.tls_client_ca_file,
                      "PEM CA of device certificates: a device token is then accepted only with a client "
                      "certificate of this CA whose CN is that device's id");
    long long handshake_timeout = 10;
    serve->add_option("--tls-handshake-timeout", handshake_timeout, "seconds a TLS handshake may take")
        ->check(CLI::Range(1, 600))->capture_default_str();
    serve->add_flag("--insecure-http", config.insecure_http,
                    "serve plain HTTP on a non-loopback address (behind a TLS proxy on the same host, say)");
    serve->add_flag("--secure-cookie", config.secure_cookies,
                    "mark the dashboard's session cookie Secure (when users reach the server over HTTPS)");
    serve->add_option("--home-country", config.home_country,
                      "ICAO code of the country's own citizens, exempt from the 90/180 stay rule (e.g. ALB)");
    serve->add_option("--db-role", config.db_role,
                      "database role the server runs as once migrations are applied, e.g. borderlog_server "
                      "(may never update or delete a stored crossing or audit event)");
    std::string stay_exempt;
    serve->add_option("--stay-exempt", stay_exempt,
                      "other nationalities exempt from the 90/180 stay rule, comma-separated ICAO codes");

    serve->add_option("--retention-months", config.retention_months,
                      "drop whole months of crossings older than this many months once exported "
                      "(crossing_exports, docs/performance.md); 0 = never")
        ->check(CLI::Range(0, 1200))->capture_default_str();

    auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations and exit");
    add_db(migrate);

    auto* token = app.add_subcommand("token", "Create, list and revoke API tokens");
    token->require_subcommand(1);
    server::Principal principal;
    auto* create = token->add_subcommand("create", "Create a token; prints it once on stdout");
    add_db(create);
    create->add_option("--role", principal.role, "device, operations, trainer or admin")->required();
    create->add_option("--checkpoint", principal.checkpoint_id, "the device's checkpoint (device tokens)");
    create->add_option("--device", principal.device_id, "the device this token speaks for (device tokens)");
    create->add_option("--name", principal.name, "a note: who or what holds the token");
    std::string expires_in, expires_at;
    create->add_option("--expires-in", expires_in, "the token stops working after this long: 3600s, 90m, 12h, 30d");
    create->add_option("--expires-at", expires_at, "the token stops working at this time (RFC 3339, UTC)");
    bool as_json = false;
    auto* list = token->add_subcommand("list", "List tokens (never the tokens themselves)");
    add_db(list);
    list->add_flag("--json", as_json, "print JSON");
    std::int64_t revoke_id = 0;
    auto* revoke = token->add_subcommand("revoke", "Revoke a token by its id");
    add_db(revoke);
    revoke->add_option("id", revoke_id, "the token id shown by token list")->required();

    auto* verify = app.add_subcommand(
        "verify", "Re-check every stored hash chain; name each record altered or removed (exit 0 clean, 3 found)");
    add_db(verify);
    std::string verify_device;
    verify->add_option("--device", verify_device, "only this device's streams");
    bool verify_json = false;
    verify->add_flag("--json", verify_json, "print one JSON object");

    if (const auto stop = common::parse_command_line(app, argc, argv, "borderlog-server")) return *stop;

    // libpq waits forever for an unreachable database host unless told otherwise.
    ::setenv("PGCONNECT_TIMEOUT", "5", 0);
    // A stuck statement or lock must not hold a database worker (and so a shutdown) for ever.
    ::setenv("PGOPTIONS", "-c statement_timeout=30000 -c lock_timeout=10000", 0);
    try {
        common::setup_json_logging("borderlog-server", common::parse_log_level(log_level));
        // Whichever of --db and --db-file is on the command line wins over the other from the environment
        // or a config file.
        const auto given = [](const std::vector<CLI::Option*>& options) {
            return std::any_of(options.begin(), options.end(), [](const CLI::Option* o) { return o->count() > 0; });
        };
        if (given(db_file_options) && !given(db_options)) db.clear();
        if (given(db_options) && !given(db_file_options)) db_file.clear();
        db = database_url(db, db_file);
        config.db_url = db;
        if (serve->parsed()) {
            std::tie(config.listen_host, config.listen_port) = split_listen(listen);
            config.read_timeout = std::chrono::seconds{read_timeout};
            config.head_timeout = std::chrono::seconds{head_timeout};
            config.drain_timeout = std::chrono::seconds{drain_timeout};
            config.offline_retry_after = std::chrono::seconds{retry_after};
            config.silent_after = std::chrono::seconds{static_cast<long long>(silent_after_minutes * 60.0 + 0.5)};
            config.session_lifetime = std::chrono::hours{session_hours};
            config.tls_handshake_timeout = std::chrono::seconds{handshake_timeout};
            check_transport(config);
            set_stay_countries(config, stay_exempt);
            if (!config.db_role.empty() && !server::is_role_name(config.db_role))
                throw CLI::ValidationError("--db-role", "must be a role name of lower-case letters, digits and _");
            // The environment and a config file arrive as defaults, which CLI11 does not check.
            if (config.retention_months < 0 || config.retention_months > 1200)
                throw CLI::ValidationError("--retention-months", "must be 0 (never) to 1200");
            return server::serve(config);
        }
        if (migrate->parsed()) {
            const auto report = server::apply_migrations(db, server::bundled_migrations());
            for (const auto& name : report.applied) std::cerr << "applied " << name << "\n";
            std::cerr << "schema is at version " << report.current_version << "\n";
            return 0;
        }
        if (create->parsed()) {
            return token_create(db, principal, token_expiry(expires_in, expires_at));
        }
        if (list->parsed()) return token_list(db, as_json);
        if (verify->parsed()) {
            if (!verify_device.empty() && !core::is_identifier(verify_device))
                throw CLI::ValidationError("--device", "must be 1-64 letters, digits, '.', '_' or '-'");
            return verify_chains(db, verify_device.empty() ? std::nullopt : std::optional<std::string>(verify_device),
                                 verify_json);
        }
        if (revoke->parsed()) {
            server::Store store(db);
            server::Principal revoked;
            revoked.token_id = revoke_id;
            for (const auto& t : store.list_tokens())
                if (t.principal.token_id == revoke_id) revoked = t.principal;
            if (!store.revoke_token(revoke_id)) {
                std::cerr << "borderlog-server: no valid token with id " << revoke_id << "\n";
                return 1;
            }
            audit_token_change(store, "token.revoke", revoked);
            std::cerr << "token " << revoke_id << " revoked\n";
            return 0;
        }
    } catch (const CLI::ValidationError& e) {
        std::cerr << "borderlog-server: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "borderlog-server: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
