// Internal to http/: a connection the server will not serve (over server.max_connections, or out
// of descriptors) is told so with 503 OVERLOADED and closed, instead of hanging in the backlog.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <string>

namespace qgate::http {

// The whole refusal, head and JSON envelope, with `Connection: close`.
std::string refusal_response();

// Writes the refusal, then reads and drops what the client sends for up to `linger` before it
// closes: closing with unread bytes would reset the connection, and a reset may destroy the 503.
void refuse_connection(boost::asio::ip::tcp::socket socket, std::chrono::milliseconds linger);

// The same without waiting, for when no descriptor may be held (the socket is closed on return).
void refuse_connection_now(boost::asio::ip::tcp::socket& socket);

}  // namespace qgate::http
