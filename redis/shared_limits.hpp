// The rate limits of the whole fleet, kept in Redis (one instance per io thread, on that thread):
// admission, settlement and model moves are one script call each, and the stream and call slots
// this instance holds are refreshed in one call every slot_ttl/3, so a dead instance's slots
// expire after slot_ttl. When Redis does not answer in time the caller gets "no answer" and uses
// its in-process limits; the connection logs that once per outage.
#pragma once

#include "messages/error.hpp"
#include "messages/tenant.hpp"
#include "redis/options.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace qgate::redis {

class connection;

struct admit_result {
  bool admitted = false;
  rate_limit_info info;
};

// Callbacks run on the io thread, possibly before the call that takes them returns; nullopt:
// Redis did not answer (unreachable, late or an error reply) and nothing is held in it.
using admit_callback = std::function<void(std::optional<admit_result>)>;
using move_callback = std::function<void(std::optional<bool>)>;

class shared_limits : public std::enable_shared_from_this<shared_limits> {
 public:
  struct token {};  // create() only

  // Starts connecting; refuses a bad URL (rediss:// among them).
  [[nodiscard]] static result<std::shared_ptr<shared_limits>> create(boost::asio::io_context& io,
                                                                     options opts);
  shared_limits(token, boost::asio::io_context& io, options opts);
  ~shared_limits();  // on its io thread; held slots are not released (they expire)
  shared_limits(const shared_limits&) = delete;
  shared_limits& operator=(const shared_limits&) = delete;

  [[nodiscard]] bool connected() const noexcept;
  [[nodiscard]] std::uint64_t outages() const noexcept;
  // A name for the next admission's slot, unique across the fleet.
  [[nodiscard]] std::string next_slot_id();

  // One script call. Admitted: `slot` holds a stream slot (stream, tenant has max_streams) and a
  // model slot (model_max_concurrency) until release(), refreshed meanwhile.
  void admit(const tenant_info& tenant, const std::string& model, bool stream,
             std::int64_t estimated_tokens, const std::string& slot, admit_callback done);
  // The call ended: frees its slots and settles its tokens. Not awaited; lost while Redis is
  // away (the slots then expire, the reservation stays charged).
  void release(const std::string& slot, std::int64_t used_tokens);
  // A fallback model serves the call: false when `to` is at its cap (nothing moves).
  void move(const std::string& slot, const std::string& to, move_callback done);
  // Pushes back the expiry of every held slot; runs by itself every slot_ttl/3 and on reconnect.
  void refresh();

  // Admitted calls not released yet (with or without slots in Redis).
  [[nodiscard]] std::size_t held_calls() const noexcept { return slots_.size(); }

 private:
  struct held {
    std::string tenant;
    std::string model;
    bool stream_slot = false;  // in the tenant's stream set
    bool model_slot = false;   // in the model's call set
    std::int64_t tpm = 0;
    std::int64_t estimated = 0;
    bool moving = false;  // a move is on its way: refresh leaves it alone until it lands
  };

  [[nodiscard]] std::string tenant_key(const std::string& tenant) const;
  [[nodiscard]] std::string streams_key(const std::string& tenant) const;
  [[nodiscard]] std::string model_key(const std::string& model) const;
  void schedule_refresh();
  void bad_reply(const char* what);

  options options_;
  std::shared_ptr<connection> connection_;
  boost::asio::steady_timer refresh_timer_;
  std::unordered_map<std::string, held> slots_;  // the calls this instance holds, by slot
  std::string slot_prefix_;
  std::uint64_t next_slot_ = 0;
  std::uint64_t bad_replies_ = 0;
};

}  // namespace qgate::redis
