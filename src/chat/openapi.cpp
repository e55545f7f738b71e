// The OpenAPI document and the Swagger UI page, as static text.
#include "chatrelay/chat/openapi.hpp"

namespace chatrelay::chat {

// One literal, the document itself, with the version put in: long because the document is.
std::string openapi_document(const std::string& version) {
  std::string doc = R"json({"openapi":"3.1.0",
"info":{"title":"chatrelay","version":"@VERSION@","description":"Streams Gemini answers to a chat frontend as NDJSON, and serves the same Gemini models through an OpenAI-compatible API under /v1. Each line of a 200 answer from /api/chat/stream is one StreamChunk; the last one is always a CompleteChunk or an ErrorChunk. Request bodies are read as FastAPI reads them: JSON when the Content-Type is absent, application/json or application/*+json; anything else, and invalid JSON, is a 422."},
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
"/v1/chat/completions":{"post":{"summary":"OpenAI-compatible chat completion (Gemini behind it)","operationId":"openai_chat_completions","description":"Stateless: the request carries the whole conversation. Works with the official openai SDKs and frontends such as Open WebUI and LibreChat (base URL http://HOST:PORT/v1). The response head waits for Gemini's first text, so a failure before any content is a real HTTP status with an OpenAIError body (SDK error classes: 400 BadRequestError, 401 AuthenticationError, 404 NotFoundError, 429 RateLimitError, 5xx InternalServerError); x-should-retry: false marks failures a retry cannot fix. Errors on /v1 paths, the server's own refusals included, use OpenAI's shape.","requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/ChatCompletionRequest"}}}},"responses":{"200":{"description":"stream false: one ChatCompletion. stream true: text/event-stream of `data: {ChatCompletionChunk}` events (the first with delta {role:assistant, content:\"\"}, then content deltas, then one with an empty delta and the finish_reason, then the usage chunk when stream_options.include_usage), ending with `data: [DONE]`. A failure after chunks went out is one `data: {OpenAIError}` event, then [DONE].","content":{"application/json":{"schema":{"$ref":"#/components/schemas/ChatCompletion"}},"text/event-stream":{"schema":{"$ref":"#/components/schemas/ChatCompletionChunk"}}}},"400":{"description":"Invalid request (param names the field), or Gemini refused it (code bad_request)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"401":{"description":"server.auth_tokens is set and the bearer token is missing or wrong (code invalid_api_key)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"404":{"description":"model is not one of gemini.models, or Gemini does not know it (code model_not_found)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"413":{"description":"Body larger than server.max_body_bytes","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"429":{"description":"Gemini's quota (code rate_limit_exceeded; insufficient_quota for a daily quota), or this server's per-address limits","headers":{"Retry-After":{"description":"Seconds, from Gemini's RetryInfo when it gave one","schema":{"type":"integer"}}},"content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"500":{"description":"No Gemini API key is configured (code upstream_api_key_missing), or an internal error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"502":{"description":"Gemini refused this server's API key (upstream_invalid_api_key), sent something that is not a valid answer (upstream_protocol), or ended without any text (incomplete)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"503":{"description":"Gemini is out of reach or overloaded after the retries (upstream_unavailable), or this server is shutting down (shutting_down)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}},"504":{"description":"No event from Gemini within gemini.first_byte_timeout_s (upstream_timeout)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}}}}},
"/v1/models":{"get":{"summary":"The models /v1 clients may ask for (gemini.models)","operationId":"openai_list_models","responses":{"200":{"description":"OpenAI's list shape","content":{"application/json":{"schema":{"$ref":"#/components/schemas/ModelList"}}}}}}},
"/v1/models/{model}":{"parameters":[{"name":"model","in":"path","required":true,"schema":{"type":"string"}}],"get":{"summary":"One model","operationId":"openai_retrieve_model","responses":{"200":{"description":"The model","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Model"}}}},"404":{"description":"Not one of gemini.models (code model_not_found)","content":{"application/json":{"schema":{"$ref":"#/components/schemas/OpenAIError"}}}}}}},
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
"OpenAITextPart":{"type":"object","properties":{"type":{"const":"text"},"text":{"type":"string"}},"required":["type","text"]},
"OpenAIMessage":{"type":"object","properties":{"role":{"type":"string","enum":["system","developer","user","assistant"],"description":"developer is taken as system; system texts become Gemini's systemInstruction. No tool roles."},"content":{"anyOf":[{"type":"string"},{"type":"array","items":{"$ref":"#/components/schemas/OpenAITextPart"}},{"type":"null"}],"description":"Text only: other part types (image_url, input_audio, file) are a 400. null only for an assistant."},"name":{"type":"string","description":"Ignored."}},"required":["role"]},
"ChatCompletionRequest":{"type":"object","description":"Unknown fields are ignored, as OpenAI-compatible servers do; null is the same as absent.","properties":{"model":{"type":"string","description":"One of GET /v1/models (gemini.models)."},"messages":{"type":"array","minItems":1,"items":{"$ref":"#/components/schemas/OpenAIMessage"}},"temperature":{"type":["number","null"],"minimum":0,"maximum":2},"top_p":{"type":["number","null"],"minimum":0,"maximum":1},"max_tokens":{"type":["integer","null"],"minimum":1},"max_completion_tokens":{"type":["integer","null"],"minimum":1,"description":"Wins over max_tokens; Gemini's maxOutputTokens."},"stop":{"anyOf":[{"type":"string"},{"type":"array","items":{"type":"string"},"maxItems":5},{"type":"null"}],"description":"Gemini's stopSequences."},"stream":{"type":["boolean","null"]},"stream_options":{"type":["object","null"],"properties":{"include_usage":{"type":"boolean"}}},"n":{"type":["integer","null"],"const":1}},"required":["model","messages"]},
"CompletionUsage":{"type":"object","properties":{"prompt_tokens":{"type":"integer"},"completion_tokens":{"type":"integer","description":"Gemini's candidates and thoughts tokens."},"total_tokens":{"type":"integer"},"completion_tokens_details":{"type":"object","properties":{"reasoning_tokens":{"type":"integer"}}}},"required":["prompt_tokens","completion_tokens","total_tokens"]},
"FinishReason":{"type":"string","enum":["stop","length","content_filter"],"description":"Gemini STOP is stop, MAX_TOKENS length; SAFETY, RECITATION, PROHIBITED_CONTENT, BLOCKLIST, SPII and a blocked prompt are content_filter."},
"ChatCompletion":{"type":"object","properties":{"id":{"type":"string","pattern":"^chatcmpl-"},"object":{"const":"chat.completion"},"created":{"type":"integer"},"model":{"type":"string"},"choices":{"type":"array","minItems":1,"maxItems":1,"items":{"type":"object","properties":{"index":{"const":0},"message":{"type":"object","properties":{"role":{"const":"assistant"},"content":{"type":"string"},"refusal":{"type":"null"},"reasoning_content":{"type":"string","description":"Gemini's thought summaries, only with gemini.include_thoughts = true."}},"required":["role","content"]},"logprobs":{"type":"null"},"finish_reason":{"$ref":"#/components/schemas/FinishReason"}},"required":["index","message","finish_reason"]}},"usage":{"anyOf":[{"$ref":"#/components/schemas/CompletionUsage"},{"type":"null"}]}},"required":["id","object","created","model","choices","usage"]},
"ChatCompletionChunk":{"type":"object","properties":{"id":{"type":"string","pattern":"^chatcmpl-"},"object":{"const":"chat.completion.chunk"},"created":{"type":"integer"},"model":{"type":"string"},"choices":{"type":"array","maxItems":1,"description":"Empty in the usage chunk.","items":{"type":"object","properties":{"index":{"const":0},"delta":{"type":"object","properties":{"role":{"const":"assistant"},"content":{"type":"string"},"reasoning_content":{"type":"string","description":"Only with gemini.include_thoughts = true."}}},"logprobs":{"type":"null"},"finish_reason":{"anyOf":[{"$ref":"#/components/schemas/FinishReason"},{"type":"null"}]}},"required":["index","delta","finish_reason"]}},"usage":{"anyOf":[{"$ref":"#/components/schemas/CompletionUsage"},{"type":"null"}],"description":"Present with stream_options.include_usage: null on every chunk but the last."}},"required":["id","object","created","model","choices"]},
"OpenAIError":{"type":"object","properties":{"error":{"type":"object","properties":{"message":{"type":"string","description":"For a person: what happened and what to do."},"type":{"type":"string","description":"invalid_request_error, requests, insufficient_quota or server_error"},"param":{"type":["string","null"]},"code":{"type":["string","null"]}},"required":["message","type","param","code"]}},"required":["error"]},
"Model":{"type":"object","properties":{"id":{"type":"string"},"object":{"const":"model"},"created":{"type":"integer","description":"When this server started (Gemini does not say)."},"owned_by":{"const":"google"}},"required":["id","object","created","owned_by"]},
"ModelList":{"type":"object","properties":{"object":{"const":"list"},"data":{"type":"array","items":{"$ref":"#/components/schemas/Model"}}},"required":["object","data"]},
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
