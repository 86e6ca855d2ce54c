// A bare TCP client for requests no HTTP library would send.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace qgate::testing {

class raw_socket {
 public:
  // `receive_buffer` > 0 shrinks SO_RCVBUF before connecting: a slow reader with a small window.
  explicit raw_socket(std::uint16_t port, int receive_buffer = 0);
  ~raw_socket();
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  bool connected() const { return fd_ >= 0; }
  void send(const std::string& bytes);
  // Reads until the peer closes or `timeout` passes; `closed` tells which (a reset is not a close).
  std::string read_until_close(std::chrono::milliseconds timeout, bool& closed);
  // Reads until `needle` appears (or timeout); returns everything read so far.
  std::string read_until(const std::string& needle, std::chrono::milliseconds timeout);
  void close();
  // Whether a read failed because the peer reset the connection.
  bool reset() const { return reset_; }

 private:
  long receive(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string buffer_;
  bool reset_ = false;
};

}  // namespace qgate::testing
