// mock_dashscope: a scriptable fake of DashScope's native text-generation API for tests and benches.
#include "tools/mock_dashscope/mock_server.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  qgate::mock::options options;
  CLI::App app{"mock_dashscope: a fake DashScope text-generation endpoint"};
  app.add_option("--host", options.host, "listen address");
  app.add_option("--port", options.port, "listen port (0: any)");
  app.add_option("--threads", options.threads, "io threads")->check(CLI::Range(1, 64));
  app.add_option("--api-key", options.api_key, "the accepted Bearer key");
  app.add_option("--chunks", options.chunks, "result events before the final one")->check(CLI::Range(1, 100000));
  app.add_option("--chunk-interval-ms", options.chunk_interval_ms, "pause between events")->check(CLI::Range(0, 600000));
  app.add_option("--first-byte-ms", options.first_byte_ms, "delay before the first byte")->check(CLI::Range(0, 600000));
  app.add_option("--record", options.record, "how many requests /mock/requests keeps (0: none)");
  CLI11_PARSE(app, argc, argv);

  boost::asio::io_context io(options.threads);
  qgate::mock::mock_state state(options);
  boost::asio::ip::tcp::acceptor acceptor(io);
  const auto port = qgate::mock::start_server(io, state, acceptor);
  if (port == 0) {
    std::fprintf(stderr, "mock_dashscope: cannot listen on %s:%u\n", options.host.c_str(), options.port);
    return 1;
  }
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  std::printf("mock_dashscope listening on %s:%u\n", options.host.c_str(), port);
  std::fflush(stdout);
  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& thread : threads) thread.join();
  return 0;
}
