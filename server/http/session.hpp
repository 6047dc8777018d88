// One connection, one coroutine: reads each request with our own bounded reader (common/http_wire),
// admits it from its head before reading its body, hands it to the App, and sends the answer. The same
// session serves plain TCP and TLS connections.
// Included only by the server's HTTP translation units (it pulls in Asio).
#pragma once

#include "server/http/app.hpp"
#include "server/http/connections.hpp"
#include "server/http/server_config.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace boost::asio::ssl {
class context;
}

namespace borderlog::server::http {

// Serves `socket` on its own executor until the peer leaves, an error ends it or shutdown closes it;
// over TLS when `tls` is given (the handshake first, within config.tls_handshake_timeout). Takes a
// place in `table` first; when the total or the peer address's share is full the connection is closed
// at once. Never throws.
void start_session(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls, App& app,
                   const ServerConfig& config, ConnectionTable& table);

}  // namespace borderlog::server::http
