// The OpenAPI document and the Swagger UI page, as static text.
#include "chatrelay/chat/openapi.hpp"

namespace chatrelay::chat {

std::string openapi_document(const std::string& version) {
  std::string doc = R"json({"openapi":"3.1.0",
"info":{"title":"chatrelay","version":"@VERSION@","description":"Streams Gemini answers to a chat frontend as NDJSON. Each line of a 200 answer from /api/chat/stream is one StreamChunk; the last one is always a CompleteChunk or an ErrorChunk. Request bodies are read as FastAPI reads them: JSON when the Content-Type is absent, application/json or application/*+json; anything else, and invalid JSON, is a 422."},
"paths":{
"/api/chat/stream":{"post":{"summary":"Stream one chat turn","operationId":"chat_stream",
 "requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ChatRequest"}}}},
 "responses":{
  "200":{"description":"NDJSON stream: token (and thinking) chunks, then exactly one complete or error chunk. A completed turn is stored (and the session free again) before its complete chunk is written.","headers":{"X-Session-Id":{"description":"The session id (generated when the request had none).","schema":{"type":"string"}}},"content":{"application/x-ndjson":{"schema":{"$ref":"#/components/schemas/StreamChunk"}}}},
  "400":{"description":"The body is not valid UTF-8 (FastAPI: \"There was an error parsing the body\")","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
  "409":{"description":"The session is still streaming a reply","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
  "413":{"description":"Body larger than server.max_body_bytes","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
  "422":{"description":"Validation Error: a schema violation, invalid JSON (type json_invalid, loc [\"body\", position], ctx.error Python's json message), or a Content-Type that is not JSON (type model_attributes_type, loc [\"body\"])","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPValidationError"}}}}}}},
"/api/sessions/{session_id}":{
 "parameters":[{"name":"session_id","in":"path","required":true,"schema":{"type":"string","minLength":1,"maxLength":128,"pattern":"^[A-Za-z0-9._:-]+$"}}],
 "get":{"summary":"Read a session's stored history","operationId":"get_session","description":"Without server.auth_tokens the id is the only key to the conversation: use random ids. With tokens, a session belongs to the token that created it; another token gets 404.",
  "responses":{
   "200":{"description":"The stored turns, oldest first","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Session"}}}},
   "404":{"description":"No such session (never created, deleted, expired or evicted, or another token's)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
   "422":{"description":"The id breaks the session id rules (loc [\"path\",\"session_id\"])","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPValidationError"}}}}}},
 "delete":{"summary":"Forget a session; its next turn starts with an empty history","operationId":"delete_session",
  "responses":{
   "204":{"description":"Deleted"},
   "404":{"description":"No such session","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
   "409":{"description":"The session is still streaming a reply","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}},
   "422":{"description":"The id breaks the session id rules (loc [\"path\",\"session_id\"])","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPValidationError"}}}}}}},
"/health":{"get":{"summary":"Liveness","operationId":"health","responses":{"200":{"description":"Alive","content":{"application/json":{"schema":{"type":"object","properties":{"status":{"type":"string","const":"ok"}},"required":["status"]}}}}}}},
"/openapi.json":{"get":{"summary":"This document","operationId":"openapi","responses":{"200":{"description":"OpenAPI 3.1 document","content":{"application/json":{}}}}}},
"/":{"get":{"summary":"The chat page (server.ui); loads without a token","operationId":"page","responses":{"200":{"description":"HTML page, gzipped when accepted","content":{"text/html":{}}},"304":{"description":"Not modified (If-None-Match)"}}}},
"/ui/app.js":{"get":{"summary":"The chat page's script (marked, DOMPurify and its own)","operationId":"page_script","responses":{"200":{"description":"JavaScript","content":{"text/javascript":{}}},"304":{"description":"Not modified (If-None-Match)"}}}},
"/ui/app.css":{"get":{"summary":"The chat page's style","operationId":"page_style","responses":{"200":{"description":"CSS","content":{"text/css":{}}},"304":{"description":"Not modified (If-None-Match)"}}}},
"/ui/preview":{"get":{"summary":"The sandboxed artifact preview the chat page frames","operationId":"page_preview","responses":{"200":{"description":"HTML page that shows the artifact the page posts to it","content":{"text/html":{}}},"304":{"description":"Not modified (If-None-Match)"}}}},
"/docs":{"get":{"summary":"Swagger UI","operationId":"docs","responses":{"200":{"description":"HTML page","content":{"text/html":{}}}}}}},
"components":{"schemas":{
"ChatMessage":{"type":"object","properties":{"role":{"type":"string","enum":["user","assistant","model","system"],"description":"model is an alias of assistant. system messages (any position) become Gemini's systemInstruction after the configured prompt and are never stored."},"content":{"type":"string","minLength":1}},"required":["role","content"]},
"ChatRequest":{"type":"object","properties":{"session_id":{"type":["string","null"],"minLength":1,"maxLength":128,"pattern":"^[A-Za-z0-9._:-]+$"},"messages":{"type":"array","minItems":1,"maxItems":500,"items":{"$ref":"#/components/schemas/ChatMessage"},"description":"The last message that is not a system message must be a user turn. One such message is a new turn: the server puts the session's stored history in front of it. More than one is the client's own transcript: it replaces the stored history (the newest memory.max_history_messages before the final user turn are sent and kept)."}},"required":["messages"]},
"SessionMessage":{"type":"object","properties":{"role":{"type":"string","enum":["user","assistant"]},"content":{"type":"string"}},"required":["role","content"]},
"Session":{"type":"object","properties":{"session_id":{"type":"string"},"messages":{"type":"array","items":{"$ref":"#/components/schemas/SessionMessage"}},"updated_at":{"type":"string","format":"date-time","description":"When the stored turns last changed: RFC 3339 in UTC with milliseconds, e.g. 2025-05-01T12:34:56.789Z."}},"required":["session_id","messages","updated_at"]},
"Artifact":{"type":"object","properties":{"language":{"type":"string"},"code":{"type":"string"},"truncated":{"type":"boolean","description":"Present and true when the code block was never closed."}},"required":["language","code"]},
"Usage":{"type":"object","properties":{"prompt_tokens":{"type":"integer"},"output_tokens":{"type":"integer"},"total_tokens":{"type":"integer"}}},
"TokenChunk":{"type":"object","properties":{"type":{"const":"token"},"content":{"type":"string"}},"required":["type","content"]},
"ThinkingChunk":{"type":"object","properties":{"type":{"const":"thinking"},"content":{"type":"string"}},"required":["type","content"],"description":"Only with gemini.include_thoughts = true."},
"CompleteChunk":{"type":"object","properties":{"type":{"const":"complete"},"content":{"type":"string","minLength":1},"artifact":{"anyOf":[{"$ref":"#/components/schemas/Artifact"},{"type":"null"}]},"artifacts":{"type":"array","items":{"$ref":"#/components/schemas/Artifact"}},"session_id":{"type":"string"},"finish_reason":{"type":"string"},"model":{"type":"string"},"usage":{"anyOf":[{"$ref":"#/components/schemas/Usage"},{"type":"null"}]}},"required":["type","content","artifact"]},
"ErrorChunk":{"type":"object","properties":{"type":{"const":"error"},"content":{"type":"string","description":"For a person: what happened and what to do."},"code":{"type":"string","enum":["quota_exceeded","invalid_api_key","model_not_found","bad_request","upstream_unavailable","upstream_timeout","upstream_protocol","blocked","incomplete","empty_answer","shutting_down","internal"],"description":"empty_answer: Gemini finished without any visible text; incomplete: it ended without a finish reason, or ran out of tokens before any visible text; shutting_down: the server is stopping, send again in a moment."},"retry_after":{"type":"integer","description":"Seconds, from Gemini's RetryInfo, when known."}},"required":["type","content","code"]},
"StreamChunk":{"oneOf":[{"$ref":"#/components/schemas/TokenChunk"},{"$ref":"#/components/schemas/ThinkingChunk"},{"$ref":"#/components/schemas/CompleteChunk"},{"$ref":"#/components/schemas/ErrorChunk"}],"discriminator":{"propertyName":"type"}},
"HTTPError":{"type":"object","properties":{"detail":{"type":"string"}},"required":["detail"]},
"ValidationError":{"type":"object","properties":{"loc":{"type":"array","items":{"anyOf":[{"type":"string"},{"type":"integer"}]}},"msg":{"type":"string"},"type":{"type":"string"},"input":{},"ctx":{"type":"object"}},"required":["loc","msg","type"]},
"HTTPValidationError":{"type":"object","properties":{"detail":{"type":"array","items":{"$ref":"#/components/schemas/ValidationError"}}}}}}}
)json";
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
