// The curl_multi_socket_action pattern on a private epoll loop: work per wake-up is proportional to
// the sockets that are ready, not to the number of open transfers (10,000 idle streams cost
// nothing).
#include "upstream/curl_driver.hpp"

#include "upstream/retry_after.hpp"

#include <curl/curl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>

namespace qgate::upstream {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds timeout_scan_interval{25};
constexpr std::size_t easy_pool_limit = 256;
constexpr long receive_buffer_bytes = 4096;

}  // namespace

struct transfer {
  transfer_id id = 0;
  curl_driver::state* owner = nullptr;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  http_call call;
  transfer_limits limits;
  std::shared_ptr<transfer_observer> observer;
  clock::time_point started = clock::now();
  clock::time_point last_activity = started;
  bool got_first_byte = false;
  bool paused = false;
  bool status_reported = false;
  std::optional<std::int64_t> retry_after_s;  // of the response whose head is being read
  bool touched = false;  // has events this loop turn; its observer is flushed at the turn's end
};

enum class command_kind { start, cancel, pause, resume };

struct curl_driver::command {
  command_kind kind = command_kind::start;
  transfer_id id = 0;
  std::unique_ptr<transfer> started;
};

struct curl_driver::state {
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::optional<clock::time_point> timer_deadline;  // set through CURLMOPT_TIMERFUNCTION
  clock::time_point next_scan = clock::now();
  std::unordered_map<transfer_id, std::unique_ptr<transfer>> transfers;
  std::vector<CURL*> easy_pool;
  driver_options options;
  // Observers with events this loop turn, by transfer (a finished one is no longer in transfers).
  std::vector<std::pair<transfer_id, std::shared_ptr<transfer_observer>>> touched;
};

namespace {

void touch(transfer& t) {
  if (t.touched) return;
  t.touched = true;
  t.owner->touched.emplace_back(t.id, t.observer);
}

void report_status(transfer& t) {
  if (t.status_reported) return;
  t.status_reported = true;
  touch(t);
  response_head head;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &head.http_status);
  head.retry_after_s = t.retry_after_s;
  t.observer->on_status(head);
}

bool starts_with_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() < lower.size()) return false;
  for (std::size_t i = 0; i < lower.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// One header line per call, status line included, for every response of the transfer (an interim
// `100 Continue` first, then the real one).
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  t.got_first_byte = true;
  t.last_activity = clock::now();
  std::string_view line(data, size * count);
  constexpr std::string_view retry_after = "retry-after:";
  if (line.starts_with("HTTP/")) {
    t.retry_after_s.reset();
  } else if (starts_with_ignoring_case(line, retry_after)) {
    line.remove_prefix(retry_after.size());
    line = line.substr(0, line.find_first_of("\r\n"));
    t.retry_after_s = parse_retry_after(line, std::chrono::system_clock::now());
  }
  return size * count;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  const std::size_t bytes = size * count;
  t.got_first_byte = true;
  t.last_activity = clock::now();
  report_status(t);
  touch(t);
  t.observer->on_data(std::string(data, bytes));
  return bytes;
}

int on_socket(CURL*, curl_socket_t socket, int what, void* user, void*) {
  auto& s = *static_cast<curl_driver::state*>(user);
  epoll_event event{};
  event.data.fd = socket;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(s.epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
    return 0;
  }
  event.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  if (epoll_ctl(s.epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0) {
    epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, socket, &event);
  }
  return 0;
}

int on_timer(CURLM*, long timeout_ms, void* user) {
  auto& deadline = static_cast<curl_driver::state*>(user)->timer_deadline;
  if (timeout_ms < 0) {
    deadline.reset();
  } else {
    deadline = clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

transfer_failure failure_of(CURLcode code, transfer& t) {
  switch (code) {
    case CURLE_OK:
      return transfer_failure::none;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return transfer_failure::connect_failed;
    case CURLE_OPERATION_TIMEDOUT:
      return t.got_first_byte ? transfer_failure::total_timeout : transfer_failure::connect_timeout;
    default:
      return transfer_failure::network;
  }
}

}  // namespace

curl_driver::curl_driver(driver_options options) : state_(std::make_unique<state>()) {
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)global_init;
  state_->options = options;
  state_->multi = curl_multi_init();
  state_->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  state_->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = state_->wake_fd;
  epoll_ctl(state_->epoll_fd, EPOLL_CTL_ADD, state_->wake_fd, &wake);
  curl_multi_setopt(state_->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(state_->multi, CURLMOPT_SOCKETDATA, state_.get());
  curl_multi_setopt(state_->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(state_->multi, CURLMOPT_TIMERDATA, state_.get());
  if (options.max_connections > 0) {
    curl_multi_setopt(state_->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_connections);
  }
  thread_ = std::thread([this] { run(); });
}

curl_driver::~curl_driver() {
  stopping_ = true;
  const std::uint64_t one = 1;
  (void)::write(state_->wake_fd, &one, sizeof one);
  thread_.join();
  for (auto& [id, t] : state_->transfers) {
    curl_multi_remove_handle(state_->multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
  }
  for (CURL* easy : state_->easy_pool) curl_easy_cleanup(easy);
  curl_multi_cleanup(state_->multi);
  ::close(state_->epoll_fd);
  ::close(state_->wake_fd);
}

transfer_id curl_driver::start(http_call call, transfer_limits limits,
                               std::shared_ptr<transfer_observer> observer) {
  auto t = std::make_unique<transfer>();
  t->id = next_id_++;
  t->call = std::move(call);
  t->limits = limits;
  t->observer = std::move(observer);
  const transfer_id id = t->id;
  post(command{command_kind::start, id, std::move(t)});
  return id;
}

void curl_driver::cancel(transfer_id id) { post(command{command_kind::cancel, id, nullptr}); }
void curl_driver::pause(transfer_id id) { post(command{command_kind::pause, id, nullptr}); }
void curl_driver::resume(transfer_id id) { post(command{command_kind::resume, id, nullptr}); }

void curl_driver::post(command cmd) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    was_empty = inbox_.empty();
    inbox_.push_back(std::move(cmd));
  }
  // The loop takes the whole inbox per turn: a command joining a non-empty inbox rides on the
  // wake-up its predecessor already sent.
  if (!was_empty) return;
  const std::uint64_t one = 1;
  (void)::write(state_->wake_fd, &one, sizeof one);
}

namespace {

CURL* take_easy(curl_driver::state& s) {
  if (s.easy_pool.empty()) return curl_easy_init();
  CURL* easy = s.easy_pool.back();
  s.easy_pool.pop_back();
  curl_easy_reset(easy);
  return easy;
}

void configure(curl_driver::state& s, transfer& t) {
  t.owner = &s;
  CURL* easy = t.easy;
  for (const auto& header : t.call.headers)
    t.headers = curl_slist_append(t.headers, header.c_str());
  curl_easy_setopt(easy, CURLOPT_URL, t.call.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.call.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.call.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t.headers);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  // SSE events and chat answers are a few hundred bytes to a few KB: curl's default 16 KB receive
  // buffer per transfer was the largest allocation of an open stream (see BENCHMARKS.md).
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, receive_buffer_bytes);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, s.options.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, s.options.verify_tls ? 2L : 0L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(t.limits.connect_timeout.count()));
  if (t.limits.total_timeout.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(t.limits.total_timeout.count()));
  }
}

// Detaches a transfer from curl and recycles its easy handle; no callback runs after this.
void release(curl_driver::state& s, std::unique_ptr<transfer> t) {
  curl_multi_remove_handle(s.multi, t->easy);
  curl_slist_free_all(t->headers);
  if (s.easy_pool.size() < easy_pool_limit) {
    s.easy_pool.push_back(t->easy);
  } else {
    curl_easy_cleanup(t->easy);
  }
}

void finish(curl_driver::state& s, transfer_id id, transfer_outcome outcome) {
  auto found = s.transfers.find(id);
  if (found == s.transfers.end()) return;
  auto t = std::move(found->second);
  s.transfers.erase(found);
  report_status(*t);
  touch(*t);
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &outcome.http_status);
  auto observer = std::move(t->observer);
  release(s, std::move(t));
  observer->on_done(std::move(outcome));
}

// Hands each observer this turn's events; transfers still running get their flag back.
void flush_touched(curl_driver::state& s) {
  for (auto& [id, observer] : s.touched) {
    if (auto found = s.transfers.find(id); found != s.transfers.end()) {
      found->second->touched = false;
    }
    observer->flush();
  }
  s.touched.clear();
}

void drain_finished(curl_driver::state& s) {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(s.multi, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    transfer* t = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &t);
    const CURLcode code = message->data.result;
    transfer_outcome outcome;
    outcome.failure = failure_of(code, *t);
    if (code != CURLE_OK) outcome.message = curl_easy_strerror(code);
    finish(s, t->id, std::move(outcome));
  }
}

void scan_timeouts(curl_driver::state& s) {
  const auto now = clock::now();
  if (now < s.next_scan) return;
  s.next_scan = now + timeout_scan_interval;
  std::vector<std::pair<transfer_id, transfer_failure>> expired;
  for (const auto& [id, t] : s.transfers) {
    if (!t->got_first_byte && now - t->started > t->limits.first_byte_timeout) {
      expired.emplace_back(id, transfer_failure::first_byte_timeout);
    } else if (t->got_first_byte && !t->paused && now - t->last_activity > t->limits.idle_timeout) {
      expired.emplace_back(id, transfer_failure::idle_timeout);
    }
  }
  for (auto [id, failure] : expired) finish(s, id, transfer_outcome{0, failure, {}});
}

}  // namespace

void curl_driver::run() {
  auto& s = *state_;
  std::vector<command> commands;
  std::array<epoll_event, 256> events{};
  int running = 0;
  while (!stopping_) {
    {
      std::lock_guard lock(mutex_);
      commands.swap(inbox_);
    }
    for (auto& cmd : commands) {
      if (cmd.kind == command_kind::start) {
        auto& t = *cmd.started;
        t.easy = take_easy(s);
        configure(s, t);
        t.started = t.last_activity = clock::now();
        s.transfers.emplace(t.id, std::move(cmd.started));
        curl_multi_add_handle(s.multi, t.easy);
        continue;
      }
      auto found = s.transfers.find(cmd.id);
      if (found == s.transfers.end()) continue;
      if (cmd.kind == command_kind::cancel) {
        auto t = std::move(found->second);
        s.transfers.erase(found);
        release(s, std::move(t));
      } else {
        auto& t = *found->second;
        const bool pause = cmd.kind == command_kind::pause;
        if (pause && !t.paused) ++pauses_;
        t.paused = pause;
        t.last_activity = clock::now();
        curl_easy_pause(t.easy, t.paused ? CURLPAUSE_RECV : CURLPAUSE_CONT);
      }
    }
    commands.clear();
    active_ = s.transfers.size();

    // Without transfers there is nothing to time out: an idle gateway sleeps until a command
    // (the wake descriptor) or curl's own timer, instead of waking 40 times a second.
    std::optional<std::chrono::milliseconds> wait;
    if (!s.transfers.empty()) wait = timeout_scan_interval;
    if (s.timer_deadline) {
      const auto until_timer =
          std::max(std::chrono::ceil<std::chrono::milliseconds>(*s.timer_deadline - clock::now()),
                   std::chrono::milliseconds{0});
      wait = wait ? std::min(*wait, until_timer) : until_timer;
    }
    const int wait_ms = wait ? static_cast<int>(wait->count()) : -1;
    const int ready =
        epoll_wait(s.epoll_fd, events.data(), static_cast<int>(events.size()), wait_ms);
    for (int i = 0; i < ready; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == s.wake_fd) {
        std::uint64_t drained = 0;
        (void)::read(s.wake_fd, &drained, sizeof drained);
        continue;
      }
      const auto flags = events[static_cast<std::size_t>(i)].events;
      int mask = 0;
      if (flags & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (flags & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (flags & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(s.multi, fd, mask, &running);
    }
    // curl's timer also drives connects, retries and unpaused transfers.
    if (s.timer_deadline && clock::now() >= *s.timer_deadline) {
      s.timer_deadline.reset();
      curl_multi_socket_action(s.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    drain_finished(s);
    scan_timeouts(s);
    flush_touched(s);
    active_ = s.transfers.size();
  }
}

}  // namespace qgate::upstream
