// The mock's network side: accepts connections and plays DashScope (and its faults) on them.
#pragma once

#include "tools/mock_dashscope/mock_state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace qgate::mock {

// Binds, then accepts until the io_context stops. Returns the bound port, 0 on failure.
std::uint16_t start_server(boost::asio::io_context& io, mock_state& state,
                           boost::asio::ip::tcp::acceptor& acceptor);

}  // namespace qgate::mock
