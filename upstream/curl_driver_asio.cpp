// curl_multi_socket_action on Asio: the open/close-socket callbacks make Asio the owner of every
// connection socket (so no descriptor is closed twice and no number is reused under a live
// registration), curl's socket callback arms one async_wait per wanted direction, and its timer
// is a post (0 ms) or one steady_timer. Every handler holds the state weakly and finds its socket
// by descriptor and wait token, so it is harmless once the socket, transfer or driver is gone.
#include "upstream/curl_driver_state.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/asio/post.hpp>

namespace qgate::upstream {
namespace {

using wait_type = boost::asio::posix::descriptor_base::wait_type;
constexpr std::size_t read_direction = 0;
constexpr std::size_t write_direction = 1;
constexpr std::array<int, 2> poll_bit = {CURL_POLL_IN, CURL_POLL_OUT};
constexpr std::array<wait_type, 2> wait_of = {wait_type::wait_read, wait_type::wait_write};

// One handler type for every socket wait (one instantiation of Asio's wait operation).
struct ready_handler {
  std::weak_ptr<curl_driver::state> owner;
  curl_socket_t fd;
  std::size_t direction;
  std::uint64_t token;

  void operator()(const boost::system::error_code& error) const {
    if (error == boost::asio::error::operation_aborted) return;
    if (auto s = owner.lock()) s->on_ready(fd, direction, token, static_cast<bool>(error));
  }
};

int on_socket(CURL*, curl_socket_t fd, int what, void* user, void*) {
  static_cast<curl_driver::state*>(user)->watch(fd, what);
  return 0;
}

int on_timer(CURLM*, long timeout_ms, void* user) {
  static_cast<curl_driver::state*>(user)->set_curl_timer(timeout_ms);
  return 0;
}

curl_socket_t on_open_socket(void* user, curlsocktype, curl_sockaddr* address) {
  return static_cast<curl_driver::state*>(user)->open_socket(address->family, address->socktype,
                                                             address->protocol);
}

int on_close_socket(void* user, curl_socket_t fd) {
  return static_cast<curl_driver::state*>(user)->close_socket(fd);
}

// Whether `fd` still names the file a foreign entry duplicated (curl may have closed it and the
// number may name another file by now).
bool same_file(curl_socket_t fd, const watched_socket& socket) {
  struct stat now {};
  return ::fstat(fd, &now) == 0 && now.st_dev == socket.device && now.st_ino == socket.inode;
}

// Gives `fd` to Asio; on failure closes it and returns null.
std::unique_ptr<watched_socket> adopt(boost::asio::io_context& io, int fd) {
  auto socket = std::make_unique<watched_socket>(io);
  boost::system::error_code error;
  socket->descriptor.assign(fd, error);
  if (!error) return socket;
  ::close(fd);
  return nullptr;
}

std::unique_ptr<watched_socket> watch_foreign(boost::asio::io_context& io, curl_socket_t fd) {
  struct stat original {};
  if (::fstat(fd, &original) != 0) return nullptr;
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return nullptr;
  auto socket = adopt(io, copy);
  if (!socket) return nullptr;
  socket->foreign = true;
  socket->device = original.st_dev;
  socket->inode = original.st_ino;
  return socket;
}

}  // namespace

void curl_driver::state::install_multi_callbacks() {
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(multi.get(), CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(multi.get(), CURLMOPT_TIMERDATA, this);
}

// A connection keeps the callbacks of the handle that opened it, and may be closed from the
// connection cache after that transfer ended: the data is the state, which outlives the multi.
void curl_driver::state::install_socket_callbacks(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
}

void curl_driver::state::socket_action(curl_socket_t fd, int mask) {
  int running = 0;
  ++in_curl;
  curl_multi_socket_action(multi.get(), fd, mask, &running);
  --in_curl;
}

curl_socket_t curl_driver::state::open_socket(int family, int type, int protocol) {
  const int fd = ::socket(family, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) return CURL_SOCKET_BAD;
  auto socket = adopt(io, fd);
  if (!socket) return CURL_SOCKET_BAD;
  // An entry still under this number is a foreign one that curl has closed since: replace it.
  sockets.insert_or_assign(fd, std::move(socket));
  return fd;
}

int curl_driver::state::close_socket(curl_socket_t fd) {
  auto found = sockets.find(fd);
  if (found == sockets.end() || found->second->foreign) {
    if (found != sockets.end()) sockets.erase(found);
    return ::close(fd) == 0 ? 0 : 1;
  }
  sockets.erase(found);  // closes it; its pending waits end with operation_aborted
  return 0;
}

void curl_driver::state::watch(curl_socket_t fd, int what) {
  auto found = sockets.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (found == sockets.end()) return;
    if (found->second->foreign) {
      sockets.erase(found);  // closes the duplicate only
      return;
    }
    auto& socket = *found->second;
    socket.wanted = 0;
    socket.wait_token = {};
    boost::system::error_code ignored;
    socket.descriptor.cancel(ignored);  // an idle pooled connection keeps no wait (and no work)
    return;
  }
  if (found != sockets.end() && found->second->foreign && !same_file(fd, *found->second)) {
    sockets.erase(found);
    found = sockets.end();
  }
  if (found == sockets.end()) {
    // Not opened through open_socket: curl's own (the resolver's socketpair).
    auto socket = watch_foreign(io, fd);
    if (!socket) return;  // out of descriptors: the transfer's timeouts still end it
    found = sockets.emplace(fd, std::move(socket)).first;
  }
  found->second->wanted = what & (CURL_POLL_IN | CURL_POLL_OUT);
  arm(fd, *found->second);
}

void curl_driver::state::arm(curl_socket_t fd, watched_socket& socket) {
  for (const std::size_t direction : {read_direction, write_direction}) {
    if ((socket.wanted & poll_bit[direction]) == 0 || socket.wait_token[direction] != 0) continue;
    const std::uint64_t token = next_wait_token++;
    socket.wait_token[direction] = token;
    socket.descriptor.async_wait(wait_of[direction],
                                 ready_handler{weak_from_this(), fd, direction, token});
  }
}

void curl_driver::state::on_ready(curl_socket_t fd, std::size_t direction, std::uint64_t token,
                                  bool failed) {
  auto found = sockets.find(fd);
  if (found == sockets.end() || found->second->wait_token[direction] != token) return;  // stale
  auto& socket = *found->second;
  socket.wait_token[direction] = 0;
  if ((socket.wanted & poll_bit[direction]) == 0) return;  // curl stopped wanting it meanwhile
  if (socket.foreign && !same_file(fd, socket)) {
    sockets.erase(found);
    return;
  }
  const int mask = failed                        ? CURL_CSELECT_ERR
                   : direction == read_direction ? CURL_CSELECT_IN
                                                 : CURL_CSELECT_OUT;
  socket_action(fd, mask);
  // curl does not call back when it still wants the same: re-arm (not after a failed wait, which
  // would only fail again at once).
  if (auto again = sockets.find(fd); again != sockets.end() && !failed) arm(fd, *again->second);
  end_turn();
}

// Never acts itself: socket_action must not run inside curl's timer callback.
void curl_driver::state::set_curl_timer(long timeout_ms) {
  const std::uint64_t generation = ++timer_generation;
  if (curl_timer_armed) {
    curl_timer.cancel();
    curl_timer_armed = false;
  }
  if (timeout_ms < 0) return;
  auto owner = weak_from_this();
  if (timeout_ms == 0) {
    // curl's most frequent request (a new transfer, a finished one): arming a timer for it costs
    // 35–45 µs here, a post almost nothing.
    boost::asio::post(io, [owner = std::move(owner), generation] {
      if (auto s = owner.lock()) s->on_curl_timer(generation);
    });
    return;
  }
  curl_timer_armed = true;
  curl_timer.expires_after(std::chrono::milliseconds(timeout_ms));
  curl_timer.async_wait([owner = std::move(owner), generation](boost::system::error_code error) {
    if (error == boost::asio::error::operation_aborted) return;
    if (auto s = owner.lock()) s->on_curl_timer(generation);
  });
}

void curl_driver::state::on_curl_timer(std::uint64_t generation) {
  if (generation != timer_generation) return;  // curl replaced or cancelled this timeout since
  curl_timer_armed = false;
  socket_action(CURL_SOCKET_TIMEOUT, 0);
  end_turn();
}

// First-byte and idle timeouts are checked every 25 ms, and only while there are transfers: an
// idle gateway is not woken.
void curl_driver::state::arm_scan() {
  if (scan_armed || transfers.empty()) return;
  scan_armed = true;
  scan_timer.expires_after(timeout_scan_interval);
  scan_timer.async_wait([owner = weak_from_this()](boost::system::error_code error) {
    if (error == boost::asio::error::operation_aborted) return;
    auto s = owner.lock();
    if (!s) return;
    s->scan_armed = false;
    s->scan_timeouts();
    s->end_turn();
    s->arm_scan();
  });
}

}  // namespace qgate::upstream
