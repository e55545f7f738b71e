// GET /openapi.json (OpenAPI 3.1 of every route and chunk) and GET /docs (Swagger UI for it).
#pragma once

#include <string>

namespace chatrelay::chat {

// The OpenAPI 3.1 document; `version` is chatrelay's version.
std::string openapi_document(const std::string& version);

// Swagger UI page loading /openapi.json, as FastAPI serves it.
std::string swagger_ui_page();

}  // namespace chatrelay::chat
