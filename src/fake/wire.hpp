// Google's wire format for streamGenerateContent?alt=sse: response heads, chunks, events and
// error objects, byte for byte as the live API (and the recordings) have them.
#pragma once

#include <string>
#include <string_view>

namespace chatrelay::fake::wire {

// Stands in for the Date value in prebuilt heads; an HTTP date has exactly this width.
inline constexpr std::string_view date_placeholder = "Thu, 01 Jan 1970 00:00:00 GMT";
inline constexpr std::string_view last_chunk = "0\r\n\r\n";
inline constexpr std::string_view model_version = "gemini-2.5-flash";

// Head of a 200 event stream (Transfer-Encoding: chunked).
std::string stream_head();
// Head of an error answer: Google says text/event-stream here too, and sends a Content-Length.
std::string error_head(int status, std::size_t content_length);

// Appends `data` as one chunk of a chunked body.
void append_chunk(std::string& out, std::string_view data);
// One SSE event: "data: JSON\r\n\r\n".
std::string event(std::string_view json);

struct Candidate {
  std::string_view text;           // empty: the candidate has no content
  std::string_view finish_reason;  // empty: none
  bool safety_ratings = false;     // add safetyRatings with one HIGH, blocked rating
};
// One GenerateContentResponse on one line, spaced as Google's encoder does ("key": value,"next").
std::string response_json(const Candidate& c, int prompt_tokens, int candidate_tokens);

// Google's error object, pretty-printed with two spaces, ending in a newline.
std::string error_json(int code, std::string_view message, std::string_view status);

// Now as an HTTP date (IMF-fixdate), as wide as date_placeholder.
std::string http_date();

}  // namespace chatrelay::fake::wire
