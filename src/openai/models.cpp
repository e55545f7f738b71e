// The model list and model objects of /v1/models.
#include "chatrelay/openai/models.hpp"

#include <algorithm>

#include "chatrelay/json/writer.hpp"
#include "chatrelay/openai/errors.hpp"

namespace chatrelay::openai {

ModelList::ModelList(std::vector<std::string> names, std::int64_t created)
    : names_(std::move(names)), created_(created) {}

void ModelList::append_model(std::string& out, std::string_view id) const {
  json::ObjectWriter(out).string("id", id).string("object", "model").number("created", created_)
      .string("owned_by", "google").close();
}

http1::Response ModelList::list() const {
  http1::Response r;
  r.body = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (i > 0) r.body.push_back(',');
    append_model(r.body, names_[i]);
  }
  r.body.append("]}");
  return r;
}

http1::Response ModelList::one(std::string_view id) const {
  if (std::find(names_.begin(), names_.end(), id) == names_.end()) {
    return error_response(model_not_found(id));
  }
  http1::Response r;
  append_model(r.body, id);
  return r;
}

}  // namespace chatrelay::openai
