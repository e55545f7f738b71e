// ReplyReader: hiredis's redisReader with our own reply-object functions, so replies are built as
// Reply trees directly and their size is bounded as they are built: hiredis allocates an array's
// element slots from its header alone, and "*379012345\r\n" would otherwise ask for 3 GB.
#include "chatrelay/redis/reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <string>

namespace chatrelay::redis {

struct ReplyReader::Impl {
  redisReader* reader = nullptr;
  std::size_t max_reply_bytes = 0;
  std::size_t reply_bytes = 0;  // what the reply being built holds so far
};

namespace {

using Impl = ReplyReader::Impl;

// The object for `task`: its slot in the parent array (sized when the array was made), or a new
// root. Null when the reply would grow past the bound (hiredis then fails the reply).
Reply* make(const redisReadTask* task, Reply::Type type, std::size_t bytes) {
  auto* impl = static_cast<Impl*>(task->privdata);
  if (task->parent == nullptr) impl->reply_bytes = 0;  // a new reply starts the count again
  impl->reply_bytes += bytes + sizeof(Reply);
  if (impl->reply_bytes > impl->max_reply_bytes) return nullptr;
  Reply* r = nullptr;
  if (task->parent != nullptr) {
    r = &static_cast<Reply*>(task->parent->obj)->elements[static_cast<std::size_t>(task->idx)];
  } else {
    r = new (std::nothrow) Reply;
    if (r == nullptr) return nullptr;
  }
  r->type = type;
  return r;
}

void* create_string(const redisReadTask* task, char* s, std::size_t len) {
  Reply::Type type = Reply::Type::string;
  if (task->type == REDIS_REPLY_STATUS) type = Reply::Type::status;
  if (task->type == REDIS_REPLY_ERROR) type = Reply::Type::error;
  Reply* r = make(task, type, len);
  if (r != nullptr) r->text.assign(s, len);
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  const auto n = static_cast<std::size_t>(elements);
  Reply* r = make(task, Reply::Type::array, n * sizeof(Reply));
  if (r != nullptr) r->elements.resize(n);
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  Reply* r = make(task, Reply::Type::integer, 0);
  if (r != nullptr) r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) { return make(task, Reply::Type::nil, 0); }

// hiredis frees only whole replies (roots): the others live inside their parent.
void free_object(void* reply) { delete static_cast<Reply*>(reply); }

redisReplyObjectFunctions functions = {create_string, create_array, create_integer, create_nil, free_object};

}  // namespace

ReplyReader::ReplyReader(std::size_t max_reply_bytes) : impl_(std::make_unique<Impl>()) {
  impl_->reader = redisReaderCreateWithFunctions(&functions);
  if (impl_->reader == nullptr) throw std::bad_alloc();
  impl_->reader->privdata = impl_.get();
  impl_->max_reply_bytes = max_reply_bytes;
}

ReplyReader::~ReplyReader() { redisReaderFree(impl_->reader); }

void ReplyReader::feed(std::string_view bytes) {
  if (bytes.empty()) return;
  if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK)
    throw ProtocolError("the Redis reply reader ran out of memory");
}

std::optional<Reply> ReplyReader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK) {
    if (impl_->reply_bytes > impl_->max_reply_bytes)
      throw ProtocolError("a Redis reply is larger than " + std::to_string(impl_->max_reply_bytes) + " bytes");
    throw ProtocolError(std::string("Redis sent bytes that are not RESP: ") + impl_->reader->errstr);
  }
  if (raw == nullptr) {
    // Bytes buffered and not yet a reply: the start of one, which may not grow without bound.
    const redisReader& r = *impl_->reader;
    if (r.len - r.pos > impl_->max_reply_bytes)
      throw ProtocolError("a Redis reply is larger than " + std::to_string(impl_->max_reply_bytes) + " bytes");
    return std::nullopt;
  }
  std::unique_ptr<Reply> owned(static_cast<Reply*>(raw));
  return std::move(*owned);
}

}  // namespace chatrelay::redis
