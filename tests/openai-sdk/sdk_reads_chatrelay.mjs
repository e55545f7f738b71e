// OpenAI's own JavaScript SDK (openai, pinned in package-lock.json) against chatrelay's
// OpenAI-compatible API, with chatrelay-fake-gemini behind it: if the SDK reads chatrelay's
// answers, statuses and errors as it reads OpenAI's, every program built on it can use chatrelay.
// Usage: node sdk_reads_chatrelay.mjs http://127.0.0.1:PORT/v1 RECORDINGS_DIR CASE
//   CASE: answers | errors | models | abort (abort prints "aborted" and leaves the checking of the
//   upstream to the caller)
import OpenAI from "openai";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [baseURL, recordings, which] = process.argv.slice(2);
// The SDK retries 429 and 5xx by itself by default: these checks want the first answer.
const client = new OpenAI({ baseURL, apiKey: "any-key-will-do", maxRetries: 0, timeout: 30000 });
const ask = (model, extra = {}) => ({ model, messages: [{ role: "user", content: "hello" }], ...extra });

// The visible text of a recording, read here from the file itself (not through chatrelay).
function recordedText(name) {
  let text = "";
  for (const line of readFileSync(join(recordings, name), "utf8").split("\n")) {
    if (!line.startsWith("data:")) continue;
    for (const part of JSON.parse(line.slice(5)).candidates?.[0]?.content?.parts ?? [])
      if (part.text !== undefined && !part.thought) text += part.text;
  }
  return text;
}

async function streamed(model, extra = {}) {
  const stream = await client.chat.completions.create(ask(model, { stream: true, ...extra }));
  let text = "";
  let finish;
  let usage;
  let role;
  for await (const chunk of stream) {
    assert.equal(chunk.object, "chat.completion.chunk");
    assert.match(chunk.id, /^chatcmpl-/);
    assert.equal(chunk.model, model);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    role ??= choice.delta.role;
    assert.equal(choice.delta.reasoning_content, undefined);  // thoughts never leak
    text += choice.delta.content ?? "";
    finish = choice.finish_reason ?? finish;
  }
  return { text, finish, usage, role };
}

async function answers() {
  const normal = "Hello from the fake Gemini.";
  const one = await client.chat.completions.create(ask("fake-normal"));
  assert.equal(one.object, "chat.completion");
  assert.match(one.id, /^chatcmpl-[0-9a-f]{32}$/);
  assert.equal(one.choices.length, 1);
  assert.equal(one.choices[0].message.role, "assistant");
  assert.equal(one.choices[0].message.content, normal);
  assert.equal(one.choices[0].finish_reason, "stop");
  assert.ok(one.usage.prompt_tokens > 0 && one.usage.completion_tokens > 0);
  assert.equal(one.usage.total_tokens, one.usage.prompt_tokens + one.usage.completion_tokens);

  const s = await streamed("fake-normal", { stream_options: { include_usage: true } });
  assert.deepEqual([s.text, s.finish, s.role], [normal, "stop", "assistant"]);
  assert.equal(s.usage.total_tokens, one.usage.total_tokens);
  assert.equal((await streamed("fake-normal")).usage, undefined);  // only when asked for

  // Recorded answers: a long one with a code block, and one whose thoughts must stay out.
  for (const [model, file] of [["fake-code", "text-codefence-2.5-flash.sse"],
                               ["fake-thoughts", "thinking-2.5-flash-thoughts.sse"]]) {
    const expected = recordedText(file);
    assert.ok(expected.length > 0);
    const st = await streamed(model, { stream_options: { include_usage: true } });
    assert.equal(st.text, expected, model);
    assert.equal(st.finish, "stop");
    assert.ok(st.usage.completion_tokens > 0);
    const whole = await client.chat.completions.create(ask(model));
    assert.equal(whole.choices[0].message.content, expected, model);
  }

  // Parameters the SDK sends (and ones it is fine for a server to ignore) are taken.
  const tuned = await client.chat.completions.create({
    model: "fake-normal", temperature: 0.3, top_p: 0.9, max_completion_tokens: 64, stop: ["\n\n"], n: 1,
    messages: [{ role: "developer", content: "Be brief." },
               { role: "user", content: [{ type: "text", text: "hello" }] }],
    user: "someone", seed: 7,
  });
  assert.equal(tuned.choices[0].message.content, normal);
  assert.equal((await client.chat.completions.create(ask("fake-max-tokens"))).choices[0].finish_reason, "length");
  assert.equal((await client.chat.completions.create(ask("fake-safety"))).choices[0].finish_reason, "content_filter");
}

async function errors() {
  for (const extra of [{}, { stream: true }]) {
    // Gemini's 429 before any content: the SDK's RateLimitError, with Gemini's retry delay.
    await assert.rejects(client.chat.completions.create(ask("fake-429", extra)), (e) => {
      assert.ok(e instanceof OpenAI.RateLimitError, String(e));
      assert.equal(e.status, 429);
      assert.equal(e.headers.get("retry-after"), "58");
      assert.equal(e.code, "rate_limit_exceeded");
      assert.match(e.message, /quota/i);
      return true;
    });
    await assert.rejects(client.chat.completions.create(ask("gpt-4o", extra)), (e) => {
      assert.ok(e instanceof OpenAI.NotFoundError, String(e));
      assert.equal(e.code, "model_not_found");
      assert.equal(e.param, "model");
      return true;
    });
    await assert.rejects(client.chat.completions.create(ask("fake-503", extra)), (e) => {
      assert.ok(e instanceof OpenAI.InternalServerError, String(e));
      assert.equal(e.status, 503);
      return true;
    });
    await assert.rejects(
      client.chat.completions.create({ model: "fake-normal", messages: [{ role: "user", content: [
        { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] }], ...extra }),
      (e) => {
        assert.ok(e instanceof OpenAI.BadRequestError, String(e));
        assert.equal(e.param, "messages[0].content[0].type");
        return true;
      });
  }
  // A failure after content went out: the SDK throws from the stream, after the text.
  const stream = await client.chat.completions.create(ask("fake-reset", { stream: true }));
  let text = "";
  await assert.rejects((async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  })(), (e) => {
    assert.ok(e instanceof OpenAI.APIError, String(e));
    assert.equal(e.code, "upstream_unavailable");
    return true;
  });
  assert.equal(text, "Hello from");
}

async function models() {
  const listed = [];
  for await (const model of client.models.list()) {
    assert.equal(model.object, "model");
    assert.equal(model.owned_by, "google");
    assert.ok(Number.isInteger(model.created));
    listed.push(model.id);
  }
  assert.ok(listed.includes("fake-normal") && listed.includes("gemini-2.5-flash"), listed.join());
  assert.equal((await client.models.retrieve("fake-normal")).id, "fake-normal");
  await assert.rejects(client.models.retrieve("gpt-4o"), OpenAI.NotFoundError);
}

async function abort() {
  // A never-ending answer: the client stops reading after two pieces and aborts.
  const stream = await client.chat.completions.create(ask("fake-endless", { stream: true }));
  let pieces = 0;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta?.content) ++pieces;
    if (pieces === 2) {
      // Chunks that came in the same read as the second are still yielded after abort().
      stream.controller.abort();
      break;
    }
  }
  assert.equal(pieces, 2);
  console.log("aborted");
}

const cases = { answers, errors, models, abort };
assert.ok(cases[which], `unknown case ${which}`);
await cases[which]();
console.log(`sdk ok: ${which}`);
