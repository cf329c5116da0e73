#!/usr/bin/env python3
"""Builds the fuzz seed corpora under fuzz/corpus/<target>/ from the repo's fixtures and rule
packs and, when it sits beside the repo, ../shared/corpus (real public configs). The corpora are
not committed (fuzz/.gitignore): they are derived data, and the shared corpus is not ours to copy.

usage: python3 fuzz/seed.py
"""
import hashlib
import os
import re
import sys
from pathlib import Path

repo = Path(__file__).resolve().parent.parent
out = repo / "fuzz" / "corpus"
sources = [repo / "fixtures", repo / "rules"]
shared = repo.parent / "shared" / "corpus"
if shared.is_dir():
    sources.append(shared)
else:
    print(f"note: {shared} not found; seeding from the repo only", file=sys.stderr)

# the end_to_end target picks its file name from the first byte: keep in step with
# hedge::fuzzing::E2E_NAMES
E2E = {
    "litellm": 0, "k8s": 1, "json": 2, "tf": 3, "tfjson": 4, "env": 5, "contract-toml": 6,
    "contract-yaml": 7, "compose": 8, "workflow": 9, "properties": 10, "kong": 11, "envoy": 12,
    "cfn": 13, "toml": 14, "openrouter": 15,
}
MAX = 256 * 1024


def put(target, data):
    if len(data) > MAX:
        return
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def files():
    for root in sources:
        for dirpath, _, names in os.walk(root):
            for n in names:
                p = Path(dirpath) / n
                if p.is_file() and not p.is_symlink():
                    yield p


def e2e_slot(p, text):
    n, s = p.name, str(p)
    if "contracts" in s or "vendors" in s:
        return E2E["contract-toml"] if n.endswith(".toml") else E2E["contract-yaml"]
    if n.endswith(".tf.json"):
        return E2E["tfjson"]
    if n.endswith((".tf", ".hcl")):
        return E2E["tf"]
    if n.startswith(".env") or n.endswith(".env"):
        return E2E["env"]
    if n.endswith(".properties"):
        return E2E["properties"]
    if n.endswith(".toml"):
        return E2E["toml"]
    if "compose" in n:
        return E2E["compose"]
    if "workflows" in s:
        return E2E["workflow"]
    if n.endswith(".json"):
        if "AWSTemplateFormatVersion" in text or "Resources" in text:
            return E2E["cfn"]
        return E2E["openrouter"] if "openrouter" in s.lower() else E2E["json"]
    if n.endswith((".yaml", ".yml")):
        low = s.lower()
        if "kong" in low:
            return E2E["kong"]
        if "envoy" in low or "AIGatewayRoute" in text:
            return E2E["envoy"]
        if "model_list" in text:
            return E2E["litellm"]
        return E2E["k8s"]
    return None


suppress_re = re.compile(r"(?:#|//|/\*|;|!)\s*(hedge:.*)$", re.M)
path_re = re.compile(r"^\s*(?:given|path):\s*\"?(.+?)\"?\s*$", re.M)
paths, yaml_docs = set(), []
for p in files():
    data = p.read_bytes()
    text = data.decode("utf-8", "replace")
    n = p.name
    if n.endswith((".yaml", ".yml")):
        put("parse_yaml", data)
        if len(yaml_docs) < 40:
            yaml_docs.append(data)
    if n.endswith(".json"):
        put("parse_json", data)
    if n.endswith(".toml"):
        put("parse_toml", data)
    if n.endswith((".tf", ".hcl")):
        put("parse_hcl", data)
    if n.startswith(".env") or n.endswith(".env"):
        put("parse_dotenv", data)
    if n.endswith(".properties"):
        put("parse_properties", data)
    if n in ("hedge.toml", ".hedge.toml"):
        put("hedge_toml", data)
    if p.parent.name in ("contracts", "vendors"):
        put("contract", (b"\x00" if n.endswith(".toml") else b"\x01") + data)
    if "rules" in p.parts and n.endswith((".yaml", ".yml")) and "version:" in text:
        put("rule_pack", data)
    for m in suppress_re.finditer(text):
        put("suppression", m.group(1).encode())
    if p.parent == repo / "rules":
        paths.update(m.group(1) for m in path_re.finditer(text))
    slot = e2e_slot(p, text)
    if slot is not None:
        put("end_to_end", bytes([slot]) + data)

for body in [
    'hedge: ignore[k8s-single-replica] reason="canary" until=2026-12-31',
    'hedge: ignore[a, b,c] reason="x"',
    'hedge: ignore-file[litellm-no-fallbacks] reason="demo only"',
    'hedge: ignore[] reason=""',
    'hedge: ignore[k8s-single-replica] until=2026-02-30',
    'hedge: ignore[r] reason="say \\"hi\\"" until=9999-12-31 */',
    'hedge:ignore',
]:
    put("suppression", body.encode())

for i, expr in enumerate(sorted(paths)):
    doc = yaml_docs[i % len(yaml_docs)] if yaml_docs else b"a: 1\n"
    put("path_selector", expr.encode() + b"\n" + doc)

# cache_files: the graph cache and walk record a focus run writes for the demo (needs a built
# hedge: target/release/hedge or target/debug/hedge); first byte 0 = graph cache, 1 = walk record
def cache_seeds():
    import shutil
    import subprocess
    import tempfile
    hedge = next((b for b in (repo / "target/release/hedge", repo / "target/debug/hedge")
                  if b.is_file()), None)
    if hedge is None:
        print("note: no built hedge; cache_files starts without seeds", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        shutil.copytree(repo / "fixtures" / "demo", demo)
        for named in (["gateway/litellm/config.yaml"], [".env", "contracts/openai.toml"]):
            subprocess.run([str(hedge), "check", "--cache", "--format", "short", "--fail-on",
                            "never", *named], cwd=demo, capture_output=True, check=False)
            for f in sorted((demo / ".hedge-cache").glob("*.bin")):
                if f.name.startswith("graph-"):
                    put("cache_files", b"\x00" + f.read_bytes())
                elif f.name.startswith("walk-"):
                    put("cache_files", b"\x01" + f.read_bytes())


cache_seeds()

for d in sorted(out.iterdir()):
    print(f"{d.name}: {sum(1 for _ in d.iterdir())} seeds")
