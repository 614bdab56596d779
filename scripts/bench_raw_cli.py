#!/usr/bin/env python3
"""The raw baseline of ``bench_scale.cli_startup``: the smallest httpx script doing what
``openhands-api --json agent --url URL count-events CID`` does (one GET with the session key from
``$OH_SESSION_API_KEY``, the same JSON line on stdout), with httpx's defaults, as a whole process.
"""

import argparse
import json
import os

import httpx


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("conversation_id")
    args = parser.parse_args()
    headers = {"X-Session-API-Key": os.environ["OH_SESSION_API_KEY"]}
    with httpx.Client(base_url=args.url, headers=headers, timeout=60) as client:
        response = client.get(f"/api/conversations/{args.conversation_id}/events/count")
        response.raise_for_status()
        print(json.dumps({"conversation_id": args.conversation_id, "count": response.json(), "source": "agent"}))


if __name__ == "__main__":
    main()
