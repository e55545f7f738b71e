#!/usr/bin/env python3
"""Writes a Gemini SSE body for `chatrelay-fake-gemini --replay FILE.sse` (bench/run only): N text
events in the fake's `long` format, where a run of events in the middle carries a fenced ```python
block, one line per event, so chatrelay's artifact extractor has real work. The fake's `long`
scenario has no code block.

    codefence_sse.py OUT.sse [--events 200]
"""
import argparse
import json


def event(text: str, index: int, finish: bool) -> str:
    candidate = {"content": {"parts": [{"text": text}], "role": "model"}}
    if finish:
        candidate["finishReason"] = "STOP"
    candidate["index"] = 0
    body = {"candidates": [candidate],
            "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": index + 1,
                              "totalTokenCount": 9 + index,
                              "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}]},
            "modelVersion": "gemini-2.5-flash", "responseId": "YmVuY2gtY29kZWZlbmNl"}
    return "data: " + json.dumps(body, separators=(",", ": ")) + "\r\n\r\n"


def texts(n: int):
    start, length = n // 4, max(3, n // 4)  # the block spans the second quarter of the events
    for i in range(n):
        if i == start:
            yield "\n\nHere is the code:\n\n```python\n"
        elif start < i < start + length - 1:
            yield f"def step_{i}(board):\n    return [row[:] for row in board if row]  # {i}\n"
        elif i == start + length - 1:
            yield "```\n\nThat is the whole program."
        else:
            yield f" token{i}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--events", type=int, default=200)
    args = ap.parse_args()
    with open(args.out, "w", newline="") as f:
        for i, text in enumerate(texts(args.events)):
            f.write(event(text, i, i == args.events - 1))


if __name__ == "__main__":
    main()
