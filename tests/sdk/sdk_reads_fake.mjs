// Google's own JavaScript SDK (@google/genai) streaming from chatrelay-fake-gemini: if the SDK
// reads the fake's bytes as it reads Google's, the fake speaks the real wire format.
// Usage: NODE_EXTRA_CA_CERTS=<fake ca.pem> node sdk_reads_fake.mjs https://127.0.0.1:PORT
import { GoogleGenAI } from "@google/genai";
import assert from "node:assert/strict";

const baseUrl = process.argv[2];
const ai = new GoogleGenAI({ apiKey: "sdk-check-key", httpOptions: { baseUrl } });

async function collect(model) {
  const stream = await ai.models.generateContentStream({ model, contents: "hello" });
  let text = "";
  let finish;
  let usage;
  for await (const chunk of stream) {
    text += chunk.text ?? "";
    finish = chunk.candidates?.[0]?.finishReason ?? finish;
    usage = chunk.usageMetadata ?? usage;
  }
  return { text, finish, usage };
}

const normal = await collect("fake-normal");
assert.equal(normal.text, "Hello from the fake Gemini.");
assert.equal(normal.finish, "STOP");
assert.ok(normal.usage.totalTokenCount > 0);

const code = await collect("fake-code");
assert.match(code.text, /```python\n/);
assert.equal(code.finish, "STOP");

const thoughts = await collect("fake-thoughts");
assert.ok(thoughts.text.length > 0);

// Errors: the SDK turns Google's error bodies into ApiError with the status.
for (const [model, status] of [["fake-429", 429], ["fake-503", 503], ["fake-404", 404]]) {
  await assert.rejects(collect(model), (e) => {
    assert.equal(e.status, status, String(e));
    return true;
  });
}
console.log("sdk ok: text, code, thoughts and errors read as from Google");
