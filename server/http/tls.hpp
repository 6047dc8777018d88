// TLS for the listener: one context built once at start (protocols, suites, the certificate and its
// key, the CA of device certificates), and what a verified client certificate says of its holder.
// Included only by the listener and the session (it pulls in OpenSSL through Asio).
#pragma once

#include "server/http/server_config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <string>

namespace borderlog::server::http {

// TLS 1.2 and 1.3 only, ECDHE key exchange with AEAD suites only, no compression, no renegotiation.
// With `tls_client_ca_file`, clients are asked for a certificate of that CA (a connection without one
// is still served: operations staff have none; a device token then needs one, see App::check).
// Throws std::runtime_error naming the option and file at fault (unreadable, not PEM, a key that does
// not match the certificate, a key file others may read).
boost::asio::ssl::context make_server_tls_context(const ServerConfig& config);

// The identity a verified client certificate carries: its subject's common name (CN), which names
// the device. Empty when the peer sent no certificate, it was not verified, or it has no single CN of
// 1-64 printable ASCII characters.
std::string client_certificate_identity(const SSL* ssl);

}  // namespace borderlog::server::http
