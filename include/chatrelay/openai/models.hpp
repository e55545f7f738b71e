// GET /v1/models and GET /v1/models/{model}: the models /v1 clients may ask for, in OpenAI's list
// shape (DESIGN.md §1, OpenAI-compatible API).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chatrelay/http1/response.hpp"

namespace chatrelay::openai {

class ModelList {
 public:
  // `names`: gemini.models, or [gemini.model] when that is empty. `created`: the Unix time each
  // model says it was created (the server's start: Gemini does not say).
  ModelList(std::vector<std::string> names, std::int64_t created);

  std::span<const std::string> names() const { return names_; }
  // {"object":"list","data":[{"id","object":"model","created","owned_by":"google"},…]}
  http1::Response list() const;
  // One model object; 404 model_not_found in OpenAI's shape when `id` is not served.
  http1::Response one(std::string_view id) const;

 private:
  void append_model(std::string& out, std::string_view id) const;

  std::vector<std::string> names_;
  std::int64_t created_;
};

}  // namespace chatrelay::openai
