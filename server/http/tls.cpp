#include "server/http/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>

namespace borderlog::server::http {

namespace ssl = boost::asio::ssl;

namespace {

// Forward secrecy and authenticated encryption only. TLS 1.3's own suites are all AEAD with ECDHE
// (or finite-field DHE, which OpenSSL does not offer by default); they are named to keep the order.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr const char* kTls13Suites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";

std::string openssl_reason() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return "unknown error";
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    return text;
}

[[noreturn]] void refuse(const std::string& option, const std::string& file, const std::string& why) {
    throw std::runtime_error(option + ": " + file + ": " + why);
}

void check_readable(const std::string& option, const std::string& file) {
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (!f) refuse(option, file, "cannot be read");
    std::fclose(f);
}

// A private key that others may read is no longer private; one others may write can be swapped.
void check_key_file_mode(const std::string& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) refuse("--tls-key", file, "cannot be read");
    if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP))
        refuse("--tls-key", file, "others may read or change it; chmod 600 (or 640 for a group such as ssl-cert)");
}

}  // namespace

ssl::context make_server_tls_context(const ServerConfig& config) {
    ssl::context ctx(ssl::context::tls_server);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression |
                    ssl::context::single_dh_use);
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
        SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 || SSL_CTX_set_ciphersuites(native, kTls13Suites) != 1 ||
        SSL_CTX_set1_groups_list(native, kGroups) != 1)
        throw std::runtime_error("TLS: OpenSSL refused the protocol settings: " + openssl_reason());
    // Resumed sessions must carry a context id once client certificates are verified, or OpenSSL
    // refuses the resumption outright.
    static constexpr unsigned char kSessionContext[] = "borderlog";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);

    check_readable("--tls-cert", config.tls_cert_file);
    if (SSL_CTX_use_certificate_chain_file(native, config.tls_cert_file.c_str()) != 1)
        refuse("--tls-cert", config.tls_cert_file, "not a PEM certificate (chain): " + openssl_reason());
    check_readable("--tls-key", config.tls_key_file);
    check_key_file_mode(config.tls_key_file);
    if (SSL_CTX_use_PrivateKey_file(native, config.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        refuse("--tls-key", config.tls_key_file, "not a PEM private key: " + openssl_reason());
    if (SSL_CTX_check_private_key(native) != 1)
        refuse("--tls-key", config.tls_key_file, "does not belong to the certificate of --tls-cert");

    if (!config.tls_client_ca_file.empty()) {
        const std::string& ca = config.tls_client_ca_file;
        check_readable("--tls-client-ca", ca);
        if (SSL_CTX_load_verify_locations(native, ca.c_str(), nullptr) != 1)
            refuse("--tls-client-ca", ca, "not a PEM certificate: " + openssl_reason());
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
        if (!names) refuse("--tls-client-ca", ca, "holds no CA certificate");
        SSL_CTX_set_client_CA_list(native, names);  // tells clients which CA to pick a certificate of
        // Asked, not required: a certificate that is sent must verify, but operations staff send none.
        SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
        SSL_CTX_set_verify_depth(native, 4);
    }
    return ctx;
}

std::string client_certificate_identity(const SSL* ssl) {
    if (!ssl || SSL_get_verify_result(ssl) != X509_V_OK) return {};
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (!cert) return {};
    X509_NAME* subject = X509_get_subject_name(cert);
    const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (at < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, at) >= 0) return {};  // none, or two
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, data);
    if (n <= 0) return {};
    std::string cn(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    if (cn.size() > 64) return {};
    for (const char c : cn)
        if (c < 0x21 || c > 0x7E) return {};
    return cn;
}

}  // namespace borderlog::server::http
