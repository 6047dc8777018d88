#include "client/client_config.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>

namespace borderlog::client {

namespace json = boost::json;
namespace fs = std::filesystem;

DataDir create_data_dir(const fs::path& path) {
    if (!fs::exists(path)) {
        fs::create_directories(path);
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::replace);
    }
    return open_data_dir(path);
}

DataDir open_data_dir(const fs::path& path) {
    if (!fs::exists(path))
        throw std::runtime_error("--data-dir: " + path.string() +
                                 " does not exist: run borderlog-checkpoint init --data-dir " + path.string() + " first");
    if (!fs::is_directory(path)) throw std::runtime_error("--data-dir: " + path.string() + " is not a directory");
    const DataDir dir{path};
    secure_data_dir(dir);
    return dir;
}

namespace {

// Refuses `path` when group or others may write it; takes their read access away (`keep`: the bits
// that stay, 0700 for the directory, 0600 for files).
void make_private(const fs::path& path, mode_t keep) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;  // not there (yet)
    const mode_t mode = st.st_mode & 07777;
    if (mode & (S_IWGRP | S_IWOTH)) {
        char octal[8];
        std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
        throw std::runtime_error(path.string() + " is writable by others (mode " + octal +
                                 "): it holds passport data and records that must not be changed; check who "
                                 "changed it, then chmod " + (S_ISDIR(st.st_mode) ? "700 " : "600 ") + path.string());
    }
    if ((mode & ~keep) != 0 && ::chmod(path.c_str(), mode & keep) != 0)
        throw std::runtime_error(path.string() + " is readable by others and cannot be made private: " +
                                 std::strerror(errno));
}

}  // namespace

void secure_data_dir(const DataDir& dir) {
    make_private(dir.root, S_IRWXU);
    for (const fs::path& file : {dir.config_file(), dir.outbox_file(), fs::path(dir.outbox_file().string() + "-wal"),
                                 fs::path(dir.outbox_file().string() + "-shm"), dir.sync_lock_file(), dir.ca_file(),
                                 dir.client_cert_file(), dir.client_key_file()})
        make_private(file, S_IRUSR | S_IWUSR);
}

std::string read_secret_file(const fs::path& file, const std::string& option) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(option + ": cannot read " + file.string());
    std::string line;
    std::getline(in, line);
    const auto first = line.find_first_not_of(" \t\r");
    const auto last = line.find_last_not_of(" \t\r");
    if (first == std::string::npos) throw std::runtime_error(option + ": " + file.string() + " is empty");
    return line.substr(first, last - first + 1);
}

ClientConfig load_config(const DataDir& dir) {
    std::ifstream in(dir.config_file());
    if (!in)
        throw std::runtime_error("no configuration in " + dir.root.string() +
                                 ": run borderlog-checkpoint init --server URL --checkpoint ID --device ID --token TOKEN");
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    const json::value v = json::parse(text.str(), ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const auto get = [&](const char* key) -> std::string {
        const json::value* f = o ? o->if_contains(key) : nullptr;
        if (!f || !f->is_string()) throw std::runtime_error(dir.config_file().string() + ": missing " + key);
        return std::string(f->get_string());
    };
    ClientConfig config{get("server_url"), get("token"), DeviceIdentity{get("checkpoint_id"), get("device_id")}, {}, false};
    // The TLS files are named relative to the data directory; a config without them predates TLS.
    const auto file = [&](const char* key) -> std::string {
        const json::value* f = o->if_contains(key);
        if (!f || f->is_null()) return {};
        if (!f->is_string() || f->get_string().empty() || f->get_string().find('/') != json::string::npos)
            throw std::runtime_error(dir.config_file().string() + ": " + key + " must name a file of the data directory");
        const fs::path path = dir.root / std::string(f->get_string());
        if (!fs::exists(path))
            throw std::runtime_error(path.string() + " (" + key + " in config.json) is missing: run borderlog-checkpoint init again");
        return path.string();
    };
    config.tls = TlsOptions{file("ca_file"), file("client_cert_file"), file("client_key_file")};
    if (const json::value* f = o->if_contains("insecure_http"); f && f->is_bool()) config.insecure_http = f->get_bool();
    return config;
}

void save_config(const DataDir& dir, const ClientConfig& c) {
    json::object o{{"server_url", c.server_url},
                   {"checkpoint_id", c.device.checkpoint_id},
                   {"device_id", c.device.device_id},
                   {"token", c.token}};
    const auto name = [](const std::string& path) { return fs::path(path).filename().string(); };
    if (!c.tls.ca_file.empty()) o["ca_file"] = name(c.tls.ca_file);
    if (!c.tls.client_cert_file.empty()) o["client_cert_file"] = name(c.tls.client_cert_file);
    if (!c.tls.client_key_file.empty()) o["client_key_file"] = name(c.tls.client_key_file);
    if (c.insecure_http) o["insecure_http"] = true;
    // Write beside, then rename: a crash leaves the old config or the new one, never half of one.
    const fs::path tmp = dir.config_file().string() + ".tmp";
    {
        const mode_t old = ::umask(077);
        std::ofstream out(tmp, std::ios::trunc);
        ::umask(old);
        out << json::serialize(o) << "\n";
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    fs::rename(tmp, dir.config_file());
}

namespace {

bool loopback_host(std::string host) {
    if (host == "localhost") return true;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

}  // namespace

std::string check_server_url(const std::string& url, bool insecure_http) {
    const auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) return "must be an absolute URL such as https://central.example:8443";
    if (parsed->scheme() != "https" && parsed->scheme() != "http") return "must start with https://";
    if (parsed->host().empty()) return "must name a host";
    if (parsed->has_query() || parsed->has_fragment()) return "must not have a query or fragment";
    if (parsed->scheme() == "http" && !insecure_http && !loopback_host(std::string(parsed->host())))
        return "must start with https:// (plain http:// only to this machine, or with --insecure-http)";
    return {};
}

void install_pem_file(const fs::path& source, const fs::path& target, const std::string& option) {
    std::ifstream in(source, std::ios::binary);
    if (!in) throw std::runtime_error(option + ": cannot read " + source.string());
    std::stringstream text;
    text << in.rdbuf();
    const std::string pem = text.str();
    if (pem.size() > 1024 * 1024 || pem.find("-----BEGIN ") == std::string::npos)
        throw std::runtime_error(option + ": " + source.string() + " is not a PEM file");
    const fs::path tmp = target.string() + ".tmp";
    {
        const mode_t old = ::umask(077);
        std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
        ::umask(old);
        out << pem;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    fs::rename(tmp, target);
}

}  // namespace borderlog::client
