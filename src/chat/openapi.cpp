// The OpenAPI document and the Swagger UI page, as static text.
#include "chatrelay/chat/openapi.hpp"

namespace chatrelay::chat {

std::string openapi_document(const std::string& version) {
  std::string doc = R"({"openapi":"3.1.0",
"info":{"title":"chatrelay","version":"@VERSION@","description":"Streams Gemini answers to a chat frontend as NDJSON. Each line of a 200 answer from /api/chat/stream is one StreamChunk; the last one is always a CompleteChunk or an ErrorChunk."},
"paths":{
"/api/chat/stream":{"post":{"summary":"Stream one chat turn","operationId":"chat_stream",
 "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ChatRequest"}}}},
 "responses":{
  "200":{"description":"NDJSON stream: token (and thinking) chunks, then exactly one complete or error chunk.","headers":{"X-Session-Id":{"description":"The session id (generated when the request had none).","schema":{"type":"string"}}},"content":{"application/x-ndjson":{"schema":{"$ref":"#/components/schemas/StreamChunk"}}}},
  "400":{"description":"Malformed JSON body","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
  "409":{"description":"The session is still streaming a reply","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
  "413":{"description":"Body larger than server.max_body_bytes","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
  "415":{"description":"Content-Type is not application/json","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
  "422":{"description":"Validation Error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPValidationError"}}}}}}},
"/health":{"get":{"summary":"Liveness","operationId":"health","responses":{"200":{"description":"Alive","content":{"application/json":{"schema":{"type":"object","properties":{"status":{"type":"string","const":"ok"}},"required":["status"]}}}}}}},
"/openapi.json":{"get":{"summary":"This document","operationId":"openapi","responses":{"200":{"description":"OpenAPI 3.1 document","content":{"application/json":{}}}}}},
"/docs":{"get":{"summary":"Swagger UI","operationId":"docs","responses":{"200":{"description":"HTML page","content":{"text/html":{}}}}}}},
"components":{"schemas":{
"ChatMessage":{"type":"object","properties":{"role":{"type":"string","enum":["user","assistant","model"]},"content":{"type":"string","minLength":1}},"required":["role","content"]},
"ChatRequest":{"type":"object","properties":{"session_id":{"type":["string","null"],"minLength":1,"maxLength":128,"pattern":"^[A-Za-z0-9._:-]+$"},"messages":{"type":"array","minItems":1,"maxItems":64,"items":{"$ref":"#/components/schemas/ChatMessage"},"description":"The new turns; the last one must be a user turn. The server adds the session's stored history in front."}},"required":["messages"]},
"Artifact":{"type":"object","properties":{"language":{"type":"string"},"code":{"type":"string"},"truncated":{"type":"boolean","description":"Present and true when the code block was never closed."}},"required":["language","code"]},
"Usage":{"type":"object","properties":{"prompt_tokens":{"type":"integer"},"output_tokens":{"type":"integer"},"total_tokens":{"type":"integer"}}},
"TokenChunk":{"type":"object","properties":{"type":{"const":"token"},"content":{"type":"string"}},"required":["type","content"]},
"ThinkingChunk":{"type":"object","properties":{"type":{"const":"thinking"},"content":{"type":"string"}},"required":["type","content"],"description":"Only with gemini.include_thoughts = true."},
"CompleteChunk":{"type":"object","properties":{"type":{"const":"complete"},"content":{"type":"string"},"artifact":{"anyOf":[{"$ref":"#/components/schemas/Artifact"},{"type":"null"}]},"artifacts":{"type":"array","items":{"$ref":"#/components/schemas/Artifact"}},"session_id":{"type":"string"},"finish_reason":{"type":"string"},"model":{"type":"string"},"usage":{"anyOf":[{"$ref":"#/components/schemas/Usage"},{"type":"null"}]}},"required":["type","content","artifact"]},
"ErrorChunk":{"type":"object","properties":{"type":{"const":"error"},"content":{"type":"string"},"code":{"type":"string","enum":["quota_exceeded","invalid_api_key","model_not_found","bad_request","upstream_unavailable","upstream_timeout","upstream_protocol","blocked","incomplete","internal"]},"retry_after":{"type":"integer","description":"Seconds, from Gemini's RetryInfo, when known."}},"required":["type","content","code"]},
"StreamChunk":{"oneOf":[{"$ref":"#/components/schemas/TokenChunk"},{"$ref":"#/components/schemas/ThinkingChunk"},{"$ref":"#/components/schemas/CompleteChunk"},{"$ref":"#/components/schemas/ErrorChunk"}],"discriminator":{"propertyName":"type"}},
"HTTPError":{"type":"object","properties":{"detail":{"type":"string"}},"required":["detail"]},
"ValidationError":{"type":"object","properties":{"loc":{"type":"array","items":{"anyOf":[{"type":"string"},{"type":"integer"}]}},"msg":{"type":"string"},"type":{"type":"string"}},"required":["loc","msg","type"]},
"HTTPValidationError":{"type":"object","properties":{"detail":{"type":"array","items":{"$ref":"#/components/schemas/ValidationError"}}}}}}}
)";
  doc.replace(doc.find("@VERSION@"), 9, version);
  return doc;
}

std::string swagger_ui_page() {
  return R"(<!DOCTYPE html>
<html>
<head>
<link type="text/css" rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
<title>chatrelay - Swagger UI</title>
</head>
<body>
<div id="swagger-ui">
</div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>
const ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
})
</script>
</body>
</html>
)";
}

}  // namespace chatrelay::chat
