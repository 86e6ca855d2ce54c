// An OpenAI-compatible upstream ([[providers]] kind "openai": DashScope's compatible mode, a
// self-hosted vLLM/SGLang/Ollama) serving a catalog model through both client APIs, beside
// DashScope's native API serving the others.
#include "tests/integration/expectations.hpp"
#include "tests/integration/gateway_fixture.hpp"
#include "tests/integration/sse_frames.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>

namespace qgate::testing {
namespace {

using namespace std::chrono_literals;

class providers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    upstream_ = new mock_upstream({"--chunks", "4"});
    config_ = std::filesystem::temp_directory_path() /
              ("qgate-providers-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(config_) << "[[providers]]\nname = \"selfhosted\"\nkind = \"openai\"\n"
                           << "base_url = \"" << upstream_->base_url() << "/v1\"\n"
                           << "api_keys = \"env:SELFHOSTED_KEY\"\nmodels = [\"qwen-plus\"]\n";
    gateway_options options;
    options.args = {"--config", config_.string()};
    options.env["SELFHOSTED_KEY"] = mock_key;
    qgate_ = new gateway(upstream_->base_url(), options);
  }
  static void TearDownTestSuite() {
    delete qgate_;
    delete upstream_;
    std::filesystem::remove(config_);
  }
  static http_response post(std::string_view path, const std::string& body) {
    return http_request("POST", qgate_->url(path), body, {"Content-Type: application/json"});
  }
  // The path of the last upstream request and its body, parsed into `parser`.
  static std::pair<std::string, simdjson::dom::element> last_upstream(
      simdjson::dom::parser& parser) {
    simdjson::dom::parser records_parser;
    simdjson::dom::element last;
    for (auto record : simdjson::dom::array(records_parser.parse(
             http_request("GET", upstream_->base_url() + "/mock/requests").body))) {
      last = record;
    }
    const std::string target{std::string_view(last["target"])};
    EXPECT_EQ(std::string_view(last["headers"]["Authorization"]), "Bearer " + mock_key);
    return {target, parser.parse(std::string(std::string_view(last["body"])))};
  }
  static int64_t stat(const char* name) {
    simdjson::dom::parser parser;
    return parser.parse(http_request("GET", upstream_->base_url() + "/mock/stats").body)[name];
  }
  static inline mock_upstream* upstream_ = nullptr;
  static inline gateway* qgate_ = nullptr;
  static inline std::filesystem::path config_;
};

TEST_F(providers, the_seed_api_through_an_openai_compatible_upstream) {
  const auto unary = post("/api/llm/chat", chat_body("qwen-plus", "hello", false));
  ASSERT_EQ(unary.status, 200) << unary.body;
  simdjson::dom::parser parser;
  const auto root = parser.parse(unary.body);
  EXPECT_EQ(std::string_view(root["data"]["content"]), "mock:hello");
  EXPECT_EQ(std::string_view(root["data"]["finish_reason"]), "stop");
  EXPECT_GT(int64_t(root["data"]["usage"]["output_tokens"]), 0);
  simdjson::dom::parser body_parser;
  auto [target, sent] = last_upstream(body_parser);
  EXPECT_EQ(target, "/v1/chat/completions");
  EXPECT_EQ(std::string_view(sent["model"]), "qwen-plus");
  EXPECT_EQ(std::string_view(sent["messages"].at(0)["content"]), "hello");

  const auto stream = post("/api/llm/chat", chat_body("qwen-plus", "streamed", true));
  ASSERT_EQ(stream.status, 200);
  const auto frames = sse_payloads(stream.body);
  ASSERT_GE(frames.size(), 3u);
  EXPECT_EQ(frames.back(), "[DONE]");
  std::string content;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    content += std::string_view(parser.parse(frames[i])["content"]);
  }
  EXPECT_EQ(content, "mock:streamed");
  const auto last = parser.parse(frames[frames.size() - 2]);
  EXPECT_EQ(std::string_view(last["finish_reason"]), "stop");
  EXPECT_GT(int64_t(last["usage"]["total_tokens"]), 0) << "include_usage is asked upstream";
  auto [stream_target, stream_sent] = last_upstream(body_parser);
  EXPECT_TRUE(bool(stream_sent["stream_options"]["include_usage"]));
}

TEST_F(providers, the_openai_door_with_tools_through_an_openai_compatible_upstream) {
  const auto called = post("/v1/chat/completions",
                           R"({"model":"qwen-plus","messages":[{"role":"user","content":"天气"}],)"
                           R"("tools":[{"type":"function","function":{"name":"get_weather"}}]})");
  ASSERT_EQ(called.status, 200) << called.body;
  simdjson::dom::parser parser;
  const auto choice = parser.parse(called.body)["choices"].at(0);
  EXPECT_EQ(std::string_view(choice["finish_reason"]), "tool_calls");
  EXPECT_EQ(std::string_view(choice["message"]["tool_calls"].at(0)["function"]["name"]),
            "get_weather");
  const auto streamed = post("/v1/chat/completions",
                             R"({"model":"qwen-plus","messages":[{"role":"user","content":"s"}],)"
                             R"("stream":true,"stream_options":{"include_usage":true}})");
  const auto frames = sse_payloads(streamed.body);
  ASSERT_GE(frames.size(), 3u);
  EXPECT_EQ(frames.back(), "[DONE]");
  EXPECT_GT(int64_t(parser.parse(frames[frames.size() - 2])["usage"]["completion_tokens"]), 0);
}

TEST_F(providers, other_models_stay_on_dashscope_native) {
  ASSERT_EQ(post("/api/llm/chat", chat_body("qwen-turbo", "native", false)).status, 200);
  simdjson::dom::parser parser;
  auto [target, sent] = last_upstream(parser);
  EXPECT_EQ(target, "/api/v1/services/aigc/text-generation/generation");
}

TEST_F(providers, a_client_that_leaves_cancels_the_call_upstream) {
  ASSERT_TRUE(eventually([&] { return stat("active_streams") == 0; }));
  const auto aborted = stat("streams_aborted_by_peer");
  int seen = 0;
  stream_request(qgate_->url("/api/llm/chat"),
                 chat_body("qwen-plus", "leave [[chunks:200]][[interval:20]]", true),
                 {"Content-Type: application/json"}, [&](std::string_view chunk) {
                   seen += chunk.find("data: ") != std::string_view::npos;
                   return seen < 2;
                 });
  EXPECT_TRUE(eventually(
      [&] { return stat("streams_aborted_by_peer") == aborted + 1 && stat("active_streams") == 0; },
      2000ms));
}

TEST_F(providers, health_shows_each_upstream_and_its_keys) {
  simdjson::dom::parser parser;
  const auto health = parser.parse(http_request("GET", qgate_->url("/healthz")).body);
  std::vector<std::string> names;
  for (auto key : simdjson::dom::array(health["data"]["upstream"]["keys"])) {
    names.emplace_back(std::string_view(key["provider"]));
    EXPECT_TRUE(std::string_view(key["key"]).starts_with("sha256:"));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dashscope", "selfhosted"}));
  EXPECT_EQ(qgate_->process->output().find(mock_key), std::string::npos);
}

}  // namespace
}  // namespace qgate::testing
