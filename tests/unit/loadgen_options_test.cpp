// loadgen's flags and the request it builds once: URL forms, Host header, the three wire formats.
#include <gtest/gtest.h>

#include "tools/loadgen/cli.hpp"
#include "tools/loadgen/run_options.hpp"

namespace qgate::loadgen {
namespace {

cli_result parse(std::vector<const char*> args) {
  args.insert(args.begin(), "loadgen");
  return parse_cli(static_cast<int>(args.size()), args.data());
}

TEST(LoadgenOptions, UrlFormsAndIpv6HostHeader) {
  auto plain = parse({"--url", "http://127.0.0.1:9000"});
  ASSERT_TRUE(plain.options);
  EXPECT_EQ(plain.options->host, "127.0.0.1");
  EXPECT_EQ(plain.options->port, 9000);
  EXPECT_NE(build_request(*plain.options).find("\r\nHost: 127.0.0.1:9000\r\n"), std::string::npos);

  auto v6 = parse({"--url", "http://[::1]:8001/custom/path"});
  ASSERT_TRUE(v6.options);
  EXPECT_EQ(v6.options->host, "::1");
  EXPECT_EQ(v6.options->path, "/custom/path");
  const auto request = build_request(*v6.options);
  EXPECT_EQ(request.rfind("POST /custom/path HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nHost: [::1]:8001\r\n"), std::string::npos) << request;

  EXPECT_FALSE(parse({"--url", "http://127.0.0.1"}).options);
  EXPECT_EQ(parse({"--url", "http://127.0.0.1:70000"}).exit_code, 2);
}

TEST(LoadgenOptions, RequestsForBothTargets) {
  auto gateway = parse({"--stream", "--prompt-bytes", "5", "--api-key", "k"});
  ASSERT_TRUE(gateway.options);
  const auto ours = build_request(*gateway.options);
  EXPECT_NE(ours.find("POST /api/llm/chat "), std::string::npos);
  EXPECT_NE(ours.find("Authorization: Bearer k\r\n"), std::string::npos);
  EXPECT_NE(ours.find("\"stream\":true"), std::string::npos);
  const auto body = ours.substr(ours.find("\r\n\r\n") + 4);
  EXPECT_NE(ours.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos);

  auto native = parse({"--target", "dashscope", "--stream"});
  ASSERT_TRUE(native.options);
  const auto theirs = build_request(*native.options);
  EXPECT_NE(theirs.find("/api/v1/services/aigc/text-generation/generation"), std::string::npos);
  EXPECT_NE(theirs.find("X-DashScope-SSE: enable\r\n"), std::string::npos);
  EXPECT_NE(theirs.find("\"incremental_output\":true"), std::string::npos);
}

TEST(LoadgenOptions, OpenaiTarget) {
  auto stream = parse({"--target", "openai", "--stream", "--prompt-bytes", "5", "--api-key", "sk",
                       "--model", "qwen-plus"});
  ASSERT_TRUE(stream.options);
  EXPECT_EQ(stream.options->target, sse_dialect::openai);
  EXPECT_EQ(effective_path(*stream.options), "/v1/chat/completions");
  const auto request = build_request(*stream.options);
  EXPECT_EQ(request.rfind("POST /v1/chat/completions HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("Authorization: Bearer sk\r\n"), std::string::npos);
  EXPECT_NE(request.find("Accept: text/event-stream\r\n"), std::string::npos);
  EXPECT_EQ(request.find("X-DashScope-SSE"), std::string::npos);
  const auto body = request.substr(request.find("\r\n\r\n") + 4);
  EXPECT_EQ(body,
            R"({"model":"qwen-plus","messages":[{"role":"user","content":"hello"}],"stream":true,)"
            R"("stream_options":{"include_usage":true}})");
  EXPECT_NE(request.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos);

  auto unary = parse({"--target", "openai", "--prompt-bytes", "5"});
  ASSERT_TRUE(unary.options);
  const auto plain = build_request(*unary.options);
  EXPECT_NE(plain.find("Accept: application/json\r\n"), std::string::npos);
  EXPECT_EQ(plain.find("Authorization:"), std::string::npos);
  EXPECT_EQ(plain.substr(plain.find("\r\n\r\n") + 4),
            R"({"model":"qwen-turbo","messages":[{"role":"user","content":"hello"}],)"
            R"("stream":false})");

  // A path in the URL wins over the default (vLLM, Ollama and DashScope serve other prefixes).
  auto compatible = parse(
      {"--target", "openai", "--url", "http://127.0.0.1:8001/compatible-mode/v1/chat/completions"});
  ASSERT_TRUE(compatible.options);
  EXPECT_EQ(effective_path(*compatible.options), "/compatible-mode/v1/chat/completions");

  const auto bad = parse({"--target", "anthropic"});
  EXPECT_FALSE(bad.options);
  EXPECT_NE(bad.exit_code, 0);
}

TEST(LoadgenOptions, RateSelectsTheOpenLoop) {
  auto open = parse({"--rate", "250"});
  ASSERT_TRUE(open.options);
  EXPECT_EQ(open.options->mode, load_mode::open);
  EXPECT_DOUBLE_EQ(open.options->rate, 250.0);
  auto closed = parse({"-c", "8"});
  ASSERT_TRUE(closed.options);
  EXPECT_EQ(closed.options->mode, load_mode::closed);
  EXPECT_EQ(closed.options->concurrency, 8);
}

}  // namespace
}  // namespace qgate::loadgen
