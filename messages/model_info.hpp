// One catalog row: exactly the 13 fields of the spec's model object.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qgate {

struct model_info {
  std::int64_t id = 0;
  std::string title;
  std::string img;
  std::string name;
  std::string description;
  std::string keyword;
  std::string time;
  std::string tag1;
  std::string tag2;
  std::int64_t type = 0;
  bool is_featured = false;
  std::string created_at;
  std::string updated_at;
};

// Language models are the only ones the chat API serves.
inline constexpr std::int64_t language_model_type = 0;

// Immutable snapshot shared between the catalog actor and readers.
using model_list = std::shared_ptr<const std::vector<model_info>>;

}  // namespace qgate
