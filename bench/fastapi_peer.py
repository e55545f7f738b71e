"""A minimal FastAPI/uvicorn peer of chatrelay, for bench/run only.

The shape of the original FastAPI backend: POST /api/chat/stream → httpx streams Gemini's SSE
answer → NDJSON token chunks, then one complete chunk with the fenced code artifact; GET /health.
Session history lives in a dict (newest MAX_HISTORY_MESSAGES turns). Environment: GEMINI_BASE_URL,
GEMINI_CA_FILE, GEMINI_API_KEY, GEMINI_MODEL. Run with Debian's python3 (/usr/bin/python3):

    python3 -m uvicorn fastapi_peer:app --app-dir bench --host 127.0.0.1 --port 8001 --workers 1
"""
import json
import os
import re
import secrets
from typing import List, Optional

import httpx
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

BASE_URL = os.environ.get("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com").rstrip("/")
CA_FILE = os.environ.get("GEMINI_CA_FILE") or True
API_KEY = os.environ.get("GEMINI_API_KEY", "")
MODEL = os.environ.get("GEMINI_MODEL", "gemini-2.5-flash")
MAX_HISTORY = int(os.environ.get("MAX_HISTORY_MESSAGES", "10"))
SYSTEM_PROMPT = "You are a coding assistant. Put code in fenced blocks with a language tag."
FENCE = re.compile(r"^(`{3,}|~{3,})([^\n]*)\n(.*?)(?:^\1[`~]*[ \t]*$|\Z)", re.M | re.S)

app = FastAPI()
sessions: dict = {}
client: Optional[httpx.AsyncClient] = None


class Message(BaseModel):
    role: str
    content: str


class ChatRequest(BaseModel):
    session_id: Optional[str] = None
    messages: List[Message]


@app.on_event("startup")
async def startup() -> None:
    global client
    client = httpx.AsyncClient(verify=CA_FILE, timeout=httpx.Timeout(60.0, connect=10.0),
                               limits=httpx.Limits(max_connections=10000, max_keepalive_connections=256))


@app.on_event("shutdown")
async def shutdown() -> None:
    await client.aclose()


@app.get("/health")
async def health() -> dict:
    return {"status": "ok"}


def artifacts_of(text: str) -> list:
    blocks = []
    for m in FENCE.finditer(text):
        info = m.group(2).strip().split()
        blocks.append({"language": info[0].lower() if info else "text", "code": m.group(3)})
    return blocks


@app.post("/api/chat/stream")
async def chat_stream(req: ChatRequest) -> StreamingResponse:
    if not req.messages or req.messages[-1].role != "user":
        raise HTTPException(status_code=422, detail="the last message must be from the user")
    session_id = req.session_id or secrets.token_hex(16)
    turns = sessions.get(session_id, []) + [{"role": m.role, "content": m.content} for m in req.messages]
    payload = {
        "contents": [{"role": "model" if t["role"] in ("assistant", "model") else "user",
                      "parts": [{"text": t["content"]}]} for t in turns],
        "systemInstruction": {"parts": [{"text": SYSTEM_PROMPT}]},
    }
    url = f"{BASE_URL}/v1beta/models/{MODEL}:streamGenerateContent?alt=sse"

    async def body():
        text = []
        finish = None
        try:
            async with client.stream("POST", url, json=payload, headers={"x-goog-api-key": API_KEY}) as r:
                if r.status_code != 200:
                    await r.aread()
                    yield json.dumps({"type": "error", "content": r.text[:500], "code": "upstream"}) + "\n"
                    return
                async for line in r.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    event = json.loads(line[5:])
                    for cand in event.get("candidates", []):
                        finish = cand.get("finishReason", finish)
                        for part in cand.get("content", {}).get("parts", []):
                            if part.get("text") and not part.get("thought"):
                                text.append(part["text"])
                                yield json.dumps({"type": "token", "content": part["text"]}) + "\n"
        except httpx.HTTPError as e:
            yield json.dumps({"type": "error", "content": str(e), "code": "upstream_unavailable"}) + "\n"
            return
        full = "".join(text)
        blocks = artifacts_of(full)
        artifact = max(reversed(blocks), key=lambda b: len(b["code"])) if blocks else None
        sessions[session_id] = (turns + [{"role": "model", "content": full}])[-MAX_HISTORY:]
        yield json.dumps({"type": "complete", "content": full, "artifact": artifact, "artifacts": blocks,
                          "session_id": session_id, "finish_reason": finish or "STOP", "model": MODEL}) + "\n"

    return StreamingResponse(body(), media_type="application/x-ndjson",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no",
                                      "X-Session-Id": session_id})
