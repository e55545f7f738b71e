// Connection, its writing half: responses, stream heads, chunks and the request's log line, each
// write under the write-stall deadline (DESIGN.md §4).
#include "connection.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>

#include "chatrelay/core/log.hpp"
#include "chatrelay/core/metrics.hpp"

namespace chatrelay::http {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

}  // namespace

awaitable<void> Connection::write_buffers(const asio::const_buffer* bufs, std::size_t n) {
  // After the shutdown's grace period, no write outlives the allowance (force_end).
  deadline_.expires_after(forced_end_ ? std::max(forced_until_ - clock::now(), clock::duration::zero())
                                      : seconds_f(settings_.write_timeout_s));
  // async_write_some until all is written: asio's async_write wraps the same in a composed
  // operation, one layer more on the path every response takes (bench/RESULTS.md).
  std::array<asio::const_buffer, 4> left;
  if (n > left.size()) {
    auto [ec, written] = co_await asio::async_write(socket_, std::span<const asio::const_buffer>(bufs, n), use_tuple);
    deadline_.disarm();
    if (ec) throw std::system_error(ec, "write");
    co_return;
  }
  std::copy(bufs, bufs + n, left.begin());
  std::size_t first = 0;  // the first buffer not written completely
  auto advance = [&](std::size_t done) {
    for (; first < n && done >= left[first].size(); ++first) done -= left[first].size();
    if (first < n) left[first] += done;
  };
  advance(0);
  while (first < n) {
    auto [ec, done] = co_await socket_.async_write_some(std::span<const asio::const_buffer>(&left[first], n - first), use_tuple);
    if (!ec && done == 0) ec = asio::error::connection_aborted;  // takes nothing: never loop on it
    if (ec) {
      deadline_.disarm();
      throw std::system_error(ec, "write");
    }
    advance(done);
  }
  deadline_.disarm();
}

awaitable<void> Connection::write_now(const asio::const_buffer* bufs, std::size_t n) {
  // A stream's head and chunks usually fit in the socket buffer: written here at once
  // (non-blocking), with no handler posted and no extra turn of the loop before the upstream
  // work that comes next. Only what the client is not taking yet goes through write_buffers. (A
  // whole response is better written through the loop: by the time the connection reads again, a
  // keep-alive client's next request has often arrived, and the read finds it instead of waiting.)
  // Reads from the upstream complete at once when data is there too, so a stream with a fast
  // upstream and a fast client would never give the loop back: every few writes go through it.
  constexpr unsigned writes_per_turn = 16;
  std::array<asio::const_buffer, 4> rest;
  if (n > rest.size() || ++writes_at_once_ % writes_per_turn == 0) {
    co_await write_buffers(bufs, n);
    co_return;
  }
  asio::error_code ec;
  std::size_t done = socket_.write_some(std::span<const asio::const_buffer>(bufs, n), ec);
  if (ec && ec != asio::error::would_block) throw std::system_error(ec, "write");
  std::size_t left = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t skip = std::min(done, bufs[i].size());
    done -= skip;
    if (skip < bufs[i].size()) rest[left++] = bufs[i] + skip;
  }
  if (left > 0) co_await write_buffers(rest.data(), left);
}

namespace {
// What an answer says about the connection: HTTP/1.0 clients are told when it stays open.
http1::ConnectionToken connection_token(bool keep_alive, const http1::Message& req) {
  if (!keep_alive) return http1::ConnectionToken::close;
  return req.version_minor == 0 ? http1::ConnectionToken::keep_alive : http1::ConnectionToken::none;
}
}  // namespace

void Connection::prepare_response(const http1::Response& r) {
  const http1::Message& req = parser_.message();
  const bool head_only = req.method == "HEAD";
  if (r.close) keep_alive_ = false;
  out_.clear();
  http1::serialize(r, connection_token(keep_alive_, req), head_only, out_, common_headers_);
  status_ = r.status;
  body_bytes_ = head_only ? 0 : r.body.size();
  responded_ = true;
}

awaitable<void> Connection::respond(http1::Response r) {
  prepare_response(r);
  asio::const_buffer b(out_.data(), out_.size());
  co_await write_buffers(&b, 1);
}

awaitable<void> Connection::start_stream(int status, std::string_view content_type, std::vector<http1::Header> headers) {
  // HTTP/1.0 has no chunked coding: the body is the bytes until the connection closes.
  close_delimited_ = parser_.message().version_minor == 0;
  if (close_delimited_) keep_alive_ = false;
  out_.clear();
  http1::serialize_stream_head(status, content_type, headers, connection_token(keep_alive_, parser_.message()),
                        !close_delimited_, out_, common_headers_);
  status_ = status;
  responded_ = true;
  asio::const_buffer b(out_.data(), out_.size());
  co_await write_now(&b, 1);  // the upstream call comes next, not a read
  // A stream can be held open for long, thousands at once: its head's room is not kept for the
  // next answer on the connection.
  std::string().swap(out_);
}

namespace {
// The hex size line of a chunk of `size` bytes, "1f\r\n", into `line`; returns its length.
std::size_t chunk_size_line(std::size_t size, char (&line)[20]) {
  auto end = std::to_chars(line, line + 16, size, 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  return static_cast<std::size_t>(end - line);
}
}  // namespace

awaitable<void> Connection::write_chunk(std::string_view data) {
  if (data.empty()) co_return;  // an empty chunk would end the stream
  if (close_delimited_) {
    asio::const_buffer b(data.data(), data.size());
    body_bytes_ += data.size();
    co_await write_now(&b, 1);
    co_return;
  }
  char size_line[20];
  std::array<asio::const_buffer, 3> bufs{asio::const_buffer(size_line, chunk_size_line(data.size(), size_line)),
                                         asio::const_buffer(data.data(), data.size()),
                                         asio::const_buffer(crlf.data(), crlf.size())};
  body_bytes_ += data.size();
  co_await write_now(bufs.data(), bufs.size());
}

awaitable<void> Connection::finish_stream(std::string_view last) {
  // The last chunk and the end in one write: one segment, and one wakeup of the client, fewer.
  char size_line[20];
  std::array<asio::const_buffer, 4> bufs{asio::const_buffer(size_line, chunk_size_line(last.size(), size_line)),
                                         asio::const_buffer(last.data(), last.size()),
                                         asio::const_buffer(crlf.data(), crlf.size()),
                                         asio::const_buffer(last_chunk.data(), last_chunk.size())};
  body_bytes_ += last.size();
  if (close_delimited_) {
    if (!last.empty()) co_await write_buffers(&bufs[1], 1);  // then the connection closes
  } else if (last.empty()) {
    co_await write_buffers(&bufs[3], 1);
  } else {
    co_await write_buffers(bufs.data(), bufs.size());
  }
}

void Connection::log_request(int status, std::size_t bytes) {
  metrics::registry().count_request(route_label_, status);
  if (!log::enabled(LogLevel::info)) return;
  const auto& req = parser_.message();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - request_start_)
                .count();
  std::vector<log::Field> fields = {
      log::kv("request_id", request_id().empty() ? std::string_view("-") : request_id()),
      log::kv("method", req.method.empty() ? std::string_view("-") : std::string_view(req.method)),
      log::kv("path", req.target.empty() ? std::string_view("-") : req.path()),
      log::kv("route", route_label_),
      log::kv("status", status),
      log::kv("bytes", bytes),
      log::kv("duration_ms", static_cast<double>(us) / 1000.0)};
  fields.insert(fields.end(), annotations_.begin(), annotations_.end());
  log::write(LogLevel::info, "request", fields);
}

}  // namespace chatrelay::http
