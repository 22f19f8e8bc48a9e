#!/usr/bin/python3
"""Quick HTTP measurement of a running VLOrleans server (stopgap until `vl bench`, issue 8).

Drives the real API from a separate process, standard library only:
  * first-turn vs follow-up time to first token: REST session, a new 640x480 JPEG each repeat,
    streamed answer (SSE), then a follow-up question in the same session;
  * N concurrent requests vs the same N one at a time (same run): /v1/chat/completions,
    fixed output length (ignore_eos), greedy.

Usage: /usr/bin/python3 tools/bench/quick_http_bench.py --url http://127.0.0.1:8080 --image photo.jpg [--n 8] [--tokens 32]
The image is resized to 640x480 with Pillow (Debian python3-pil) and re-encoded; one pixel differs per repeat so
every first turn is a vision-cache miss.
"""
import argparse, io, json, statistics, threading, time, urllib.request

def request(url, method="GET", body=None, headers=None, stream=False):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    return urllib.request.urlopen(req, timeout=600)

def ttft_stream(url, payload):
    """Seconds from sending the question to the first streamed text delta."""
    start = time.perf_counter()
    first = None
    with request(url, "POST", json.dumps(payload).encode(), {"Content-Type": "application/json"}) as r:
        for raw in r:
            line = raw.decode().strip()
            if first is None and line.startswith("event: delta"):
                first = time.perf_counter() - start
    return first

def images(path, count):
    from PIL import Image
    base = Image.open(path).convert("RGB").resize((640, 480), Image.BICUBIC)
    for i in range(count):
        img = base.copy()
        img.putpixel((0, 0), (i % 256, (i * 7) % 256, 3))
        out = io.BytesIO()
        img.save(out, "JPEG", quality=90)
        yield out.getvalue()

def chat(url, prompt, tokens):
    body = {"model": "vlorleans", "messages": [{"role": "user", "content": prompt}], "max_tokens": tokens,
            "temperature": 0, "ignore_eos": True}
    with request(url + "/v1/chat/completions", "POST", json.dumps(body).encode(), {"Content-Type": "application/json"}) as r:
        return json.load(r)["usage"]["completion_tokens"]

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--image", required=True)
    p.add_argument("--n", type=int, default=8)
    p.add_argument("--tokens", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    a = p.parse_args()
    while True:
        try:
            with request(a.url + "/readyz") as r:
                if r.status == 200: break
        except Exception:
            time.sleep(1)
    # warm-up
    chat(a.url, "Warm up.", 4)
    upload, first, total, follow = [], [], [], []
    for jpeg in images(a.image, a.repeats):
        with request(a.url + "/api/v1/sessions", "POST", b"") as r:
            sid = json.load(r)["id"]
        t0 = time.perf_counter()
        # The upload decodes, preprocesses and encodes the image (vision), so the question can start at once.
        request(a.url + f"/api/v1/sessions/{sid}/images", "POST", jpeg, {"Content-Type": "image/jpeg"}).close()
        t1 = time.perf_counter()
        ttft = ttft_stream(a.url + f"/api/v1/sessions/{sid}/messages", {"text": "Describe this image.", "max_tokens": 8, "temperature": 0, "stream": True})
        upload.append(t1 - t0)
        first.append(ttft)
        total.append(t1 - t0 + ttft)
        follow.append(ttft_stream(a.url + f"/api/v1/sessions/{sid}/messages", {"text": "What colour is the largest object?", "max_tokens": 8, "temperature": 0, "stream": True}))
    prompts = [f"Question {i}: tell me about topic {i * 7 + 3}." for i in range(a.n)]
    s = time.perf_counter()
    done = sum(chat(a.url, q, a.tokens) for q in prompts)
    sequential = time.perf_counter() - s
    results = [0] * a.n
    def run(i): results[i] = chat(a.url, prompts[i], a.tokens)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(a.n)]
    s = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    concurrent = time.perf_counter() - s
    out = {
        "upload_new_image_s": statistics.median(upload),
        "ttft_first_question_after_upload_s": statistics.median(first),
        "first_turn_new_image_to_first_token_s": statistics.median(total),
        "ttft_follow_up_s": statistics.median(follow),
        f"sequential_{a.n}_tokens_per_s": done / sequential,
        f"concurrent_{a.n}_tokens_per_s": sum(results) / concurrent,
        "concurrent_over_sequential": sequential / concurrent,
    }
    print(json.dumps(out, indent=2))

if __name__ == "__main__":
    main()
