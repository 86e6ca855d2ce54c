// The transfers of a curl_driver: configuring easy handles, reporting head, body and end to the
// observers once per turn, timeouts and failure classification, and the thread-safe entry points.
#include "upstream/curl_driver.hpp"

#include "upstream/curl_driver_state.hpp"
#include "upstream/retry_after.hpp"

#include <boost/asio/post.hpp>

#include <cstdint>
#include <string_view>

namespace qgate::upstream {
namespace {

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
// `100 Continue` first, then the real one). A short count ends a cancelled transfer.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  if (!t.observer) return 0;
  t.got_first_byte = true;
  t.last_activity = driver_clock::now();
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
  t.last_activity = driver_clock::now();
  t.owner->report_status(t);  // may cancel: the transfer then stays (curl is running it), detached
  if (!t.observer) return 0;
  t.owner->touch(t);
  const auto observer = t.observer;  // on_data may cancel and drop the transfer's reference
  observer->on_data(std::string(data, bytes));
  return bytes;
}

transfer_failure failure_of(CURLcode code, bool got_first_byte) {
  switch (code) {
    case CURLE_OK:
      return transfer_failure::none;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return transfer_failure::connect_failed;
    case CURLE_OPERATION_TIMEDOUT:
      return got_first_byte ? transfer_failure::total_timeout : transfer_failure::connect_timeout;
    default:
      return transfer_failure::network;
  }
}

easy_ptr take_easy(std::vector<easy_ptr>& pool) {
  if (pool.empty()) return easy_ptr(curl_easy_init());
  easy_ptr easy = std::move(pool.back());
  pool.pop_back();
  curl_easy_reset(easy.get());
  return easy;
}

// Null on success, else why the transfer cannot start.
const char* configure(curl_driver::state& s, transfer& t) {
  if (!s.multi) return "curl_multi_init failed";
  t.easy = take_easy(s.easy_pool);
  if (!t.easy) return "curl_easy_init failed";
  auto& lines = t.call.headers;
  t.header_list.resize(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    t.header_list[i] = {lines[i].data(), i + 1 < lines.size() ? &t.header_list[i + 1] : nullptr};
  }
  CURL* easy = t.easy.get();
  curl_easy_setopt(easy, CURLOPT_URL, t.call.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t.call.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.call.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER,
                   t.header_list.empty() ? nullptr : t.header_list.data());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  // The id, not the transfer's address: a finished message is looked up, never dereferenced.
  curl_easy_setopt(easy, CURLOPT_PRIVATE,
                   reinterpret_cast<void*>(static_cast<std::uintptr_t>(t.id)));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, receive_buffer_bytes);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, s.options.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, s.options.verify_tls ? 2L : 0L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(t.limits.connect_timeout.count()));
  if (t.limits.total_timeout.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(t.limits.total_timeout.count()));
  }
  s.install_socket_callbacks(easy);
  return nullptr;
}

// Detaches a transfer from curl and recycles its easy handle; no callback runs after this. Not
// from inside a curl callback (curl refuses a recursive curl_multi_remove_handle).
void release(curl_driver::state& s, std::unique_ptr<transfer> t) {
  if (t->added) curl_multi_remove_handle(s.multi.get(), t->easy.get());
  if (t->easy && s.easy_pool.size() < easy_pool_limit) s.easy_pool.push_back(std::move(t->easy));
}

void drain_finished(curl_driver::state& s) {
  if (!s.multi) return;
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(s.multi.get(), &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    char* id = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &id);
    const CURLcode code = message->data.result;
    auto found = s.transfers.find(static_cast<transfer_id>(reinterpret_cast<std::uintptr_t>(id)));
    if (found == s.transfers.end()) continue;
    transfer_outcome outcome;
    outcome.failure = failure_of(code, found->second->got_first_byte);
    if (code != CURLE_OK) outcome.message = curl_easy_strerror(code);
    s.finish(found->first, std::move(outcome));
  }
}

// Hands each observer this turn's events; transfers still running get their flag back. By index:
// a flush may cancel (emptying entries) but adds none.
void flush_touched(curl_driver::state& s) {
  for (std::size_t i = 0; i < s.touched.size(); ++i) {
    auto [id, observer] = std::move(s.touched[i]);
    if (!observer) continue;
    if (auto found = s.transfers.find(id); found != s.transfers.end()) {
      found->second->touched = false;
    }
    observer->flush();
  }
  s.touched.clear();
}

}  // namespace

curl_driver::state::state(boost::asio::io_context& context, driver_options driver_options)
    : io(context), options(driver_options), curl_timer(context), scan_timer(context) {
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)global_init;
  multi.reset(curl_multi_init());
  if (!multi) return;
  install_multi_callbacks();
  if (options.max_connections > 0) {
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, options.max_connections);
  }
  // curl's idle-connection cache defaults to 4 × the transfers added at the moment a connection
  // comes back: as a burst ends that falls below what the next burst needs, and each request then
  // pays a new TCP (and TLS) handshake. Keep what a busy loop uses.
  curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, options.max_idle_connections);
}

curl_driver::state::~state() {
  for (auto& [id, t] : transfers) {
    if (t->added) curl_multi_remove_handle(multi.get(), t->easy.get());
  }
  transfers.clear();
  easy_pool.clear();
  multi.reset();  // closes the cached connections through close_socket: sockets still exist
}

bool curl_driver::state::on_io_thread() const noexcept {
  return io.get_executor().running_in_this_thread();
}

void curl_driver::state::start_transfer(std::unique_ptr<transfer> owned) {
  transfer& t = *owned;
  t.owner = this;
  t.started = t.last_activity = driver_clock::now();
  const char* failure = configure(*this, t);
  transfers.emplace(t.id, std::move(owned));
  // curl answers with a 0 ms timeout: the first socket_action runs on a later turn, not in start().
  if (failure == nullptr && curl_multi_add_handle(multi.get(), t.easy.get()) != CURLM_OK) {
    failure = "curl_multi_add_handle failed";
  }
  if (failure == nullptr) {
    t.added = true;
  } else {
    fail_later(t.id, failure);
  }
  arm_scan();
  active = transfers.size();
}

void curl_driver::state::fail_later(transfer_id id, std::string message) {
  boost::asio::post(io, [weak = weak_from_this(), id, message = std::move(message)]() mutable {
    if (auto s = weak.lock()) {
      s->finish(id, transfer_outcome{0, transfer_failure::network, std::move(message)});
      s->end_turn();
    }
  });
}

void curl_driver::state::detach_observer(transfer_id id) {
  for (auto& [touched_id, observer] : touched) {
    if (touched_id == id) observer.reset();
  }
  if (auto found = transfers.find(id); found != transfers.end()) found->second->observer.reset();
}

void curl_driver::state::cancel_transfer(transfer_id id) {
  detach_observer(id);
  auto found = transfers.find(id);
  if (found == transfers.end()) return;
  auto t = std::move(found->second);
  transfers.erase(found);
  release(*this, std::move(t));
  active = transfers.size();
}

void curl_driver::state::pause_transfer(transfer_id id) {
  auto found = transfers.find(id);
  if (found == transfers.end()) return;
  auto& t = *found->second;
  if (!t.paused) ++pauses;
  t.paused = true;
  t.last_activity = driver_clock::now();
  if (t.added) curl_easy_pause(t.easy.get(), CURLPAUSE_RECV);  // pausing runs no callback
}

bool curl_driver::state::mark_resumed(transfer_id id) {
  auto found = transfers.find(id);
  if (found == transfers.end()) return false;
  found->second->paused = false;
  found->second->last_activity = driver_clock::now();
  return true;
}

// Unpausing hands curl's held-back bytes to the write callback from inside curl_easy_pause, so it
// runs in a handler of its own, never inside resume().
void curl_driver::state::unpause(transfer_id id) {
  auto found = transfers.find(id);
  if (found == transfers.end() || found->second->paused || !found->second->added) return;
  ++in_curl;
  curl_easy_pause(found->second->easy.get(), CURLPAUSE_CONT);
  --in_curl;
}

void curl_driver::state::touch(transfer& t) {
  if (t.touched) return;
  t.touched = true;
  touched.emplace_back(t.id, t.observer);
}

void curl_driver::state::report_status(transfer& t) {
  if (t.status_reported || !t.observer) return;
  t.status_reported = true;
  touch(t);
  response_head head;
  if (t.easy) curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &head.http_status);
  head.retry_after_s = t.retry_after_s;
  const auto observer = t.observer;
  observer->on_status(head);  // `t` may be gone after this (cancelled outside a curl callback)
}

void curl_driver::state::finish(transfer_id id, transfer_outcome outcome) {
  auto found = transfers.find(id);
  if (found == transfers.end()) return;
  report_status(*found->second);
  found = transfers.find(id);  // on_status may have cancelled it
  if (found == transfers.end()) return;
  auto t = std::move(found->second);
  transfers.erase(found);
  if (t->easy) curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &outcome.http_status);
  if (t->observer) touch(*t);  // on_done is flushed with the turn's other events
  auto observer = std::move(t->observer);
  release(*this, std::move(t));
  active = transfers.size();
  if (observer) observer->on_done(std::move(outcome));
}

void curl_driver::state::scan_timeouts() {
  const auto now = driver_clock::now();
  std::vector<std::pair<transfer_id, transfer_failure>> expired;
  for (const auto& [id, t] : transfers) {
    if (!t->got_first_byte && now - t->started > t->limits.first_byte_timeout) {
      expired.emplace_back(id, transfer_failure::first_byte_timeout);
    } else if (t->got_first_byte && !t->paused && now - t->last_activity > t->limits.idle_timeout) {
      expired.emplace_back(id, transfer_failure::idle_timeout);
    }
  }
  for (auto [id, failure] : expired) finish(id, transfer_outcome{0, failure, {}});
}

void curl_driver::state::end_turn() {
  drain_finished(*this);
  flush_touched(*this);
  active = transfers.size();
}

curl_driver::curl_driver(boost::asio::io_context& io, driver_options options)
    : state_(std::make_shared<state>(io, options)) {}

curl_driver::~curl_driver() = default;

std::size_t curl_driver::active_transfers() const noexcept { return state_->active.load(); }
std::uint64_t curl_driver::pauses() const noexcept { return state_->pauses.load(); }

// Inside a curl callback the multi handle refuses recursive calls: those calls are posted too.
bool curl_driver::acts_inline() const noexcept {
  return state_->on_io_thread() && state_->in_curl == 0;
}

transfer_id curl_driver::start(http_call call, transfer_limits limits,
                               std::shared_ptr<transfer_observer> observer) {
  auto t = std::make_unique<transfer>();
  t->id = state_->next_id++;
  t->call = std::move(call);
  t->limits = limits;
  t->observer = std::move(observer);
  const transfer_id id = t->id;
  if (acts_inline()) {
    state_->start_transfer(std::move(t));
  } else {
    boost::asio::post(state_->io, [weak = std::weak_ptr(state_), t = std::move(t)]() mutable {
      if (auto s = weak.lock()) s->start_transfer(std::move(t));
    });
  }
  return id;
}

void curl_driver::cancel(transfer_id id) {
  if (acts_inline()) {
    state_->cancel_transfer(id);
    return;
  }
  // From a callback the observer is let go at once; curl is told on the next turn.
  if (state_->on_io_thread()) state_->detach_observer(id);
  boost::asio::post(state_->io, [weak = std::weak_ptr(state_), id] {
    if (auto s = weak.lock()) s->cancel_transfer(id);
  });
}

void curl_driver::pause(transfer_id id) {
  if (acts_inline()) {
    state_->pause_transfer(id);
    return;
  }
  boost::asio::post(state_->io, [weak = std::weak_ptr(state_), id] {
    if (auto s = weak.lock()) s->pause_transfer(id);
  });
}

void curl_driver::resume(transfer_id id) {
  const bool marked = acts_inline();
  if (marked && !state_->mark_resumed(id)) return;
  boost::asio::post(state_->io, [weak = std::weak_ptr(state_), id, marked] {
    auto s = weak.lock();
    if (!s || (!marked && !s->mark_resumed(id))) return;
    s->unpause(id);
    s->end_turn();
  });
}

}  // namespace qgate::upstream
